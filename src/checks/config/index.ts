/**
 * `check --offline`: read Apache's configuration as Apache does, find every
 * FastCGI setup in it, and run the static checks. Never throws for bad input:
 * whatever goes wrong becomes a finding with file:line.
 */
import {
  describeVhost,
  errorLogs,
  listVhosts,
  LiveFileSource,
  loadServerConfig,
  runtimeDir,
  webIdentity,
  type ConfigFileSource,
} from '../../apache/index.js';
import type { Finding } from '../../findings/finding.js';
import { SEVERITY_RANK } from '../../findings/finding.js';
import { extractSetups } from '../../setups/index.js';
import { internalError, type InternalError } from '../internalError.js';
import { authorizationNotPassedCheck } from './authorizationNotPassed.js';
import type { ConfigCheck, ConfigModel } from './context.js';
import { emptyConfigModel } from './emptyModel.js';
import { directiveContextCheck } from './directiveContext.js';
import { execcgiOffCheck } from './execcgiOff.js';
import { handlerLowercasedCheck } from './handlerLowercased.js';
import { handlerMatchesInnerExtensionCheck } from './handlerMatchesInnerExtension.js';
import { moduleNotLoadedCheck } from './moduleNotLoaded.js';
import { optionsMixedSyntaxCheck } from './optionsMixedSyntax.js';
import { parseIssuesCheck } from './parseIssues.js';
import { proxyRoutesStaticFilesCheck } from './proxyRoutesStaticFiles.js';
import { proxyUrlInvalidCheck } from './proxyUrlInvalid.js';
import { proxyWorkerSharedCheck } from './proxyWorkerShared.js';
import { serverRedefinedCheck } from './serverRedefined.js';
import { siteNotLoadedCheck } from './siteNotLoaded.js';
import { socketInPrivateTmpCheck } from './socketInPrivateTmp.js';
import { dedupeFindings } from '../dedupe.js';

export type { ConfigCheck, ConfigCheckContext, ConfigModel } from './context.js';

export const CONFIG_CHECKS: readonly ConfigCheck[] = [
  parseIssuesCheck,
  siteNotLoadedCheck,
  directiveContextCheck,
  optionsMixedSyntaxCheck,
  moduleNotLoadedCheck,
  execcgiOffCheck,
  proxyUrlInvalidCheck,
  proxyWorkerSharedCheck,
  serverRedefinedCheck,
  authorizationNotPassedCheck,
  handlerMatchesInnerExtensionCheck,
  handlerLowercasedCheck,
  socketInPrivateTmpCheck,
  proxyRoutesStaticFilesCheck,
];

export interface AnalyzeOptions {
  /** A vhost file, a directory, or the root configuration; omitted: the usual places. */
  target?: string;
  /** --root FILE */
  root?: string;
  /** --server-root DIR */
  serverRoot?: string;
  source?: ConfigFileSource;
  /** Environment for ${VAR}; defaults to this process's environment. */
  env?: Record<string, string>;
  /** The checks to run (default CONFIG_CHECKS); tests pass one that throws. */
  checks?: readonly ConfigCheck[];
}

export interface AnalyzeResult {
  model: ConfigModel;
  findings: Finding[];
  /** Steps that crashed: the run cannot be a clean bill of health (exit status 2). */
  internalErrors: InternalError[];
}

function buildModel(opts: AnalyzeOptions): ConfigModel {
  const source = opts.source ?? new LiveFileSource();
  const cfg = loadServerConfig({ ...opts, source });
  const tree = cfg.parsed.directives;
  const serverRoot = cfg.parsed.serverRoot;
  const id = webIdentity(tree);
  const model: ConfigModel = {
    rootFile: cfg.located.rootFile,
    serverRoot,
    layout: cfg.located.layout,
    targetLoaded: cfg.targetLoaded,
    targetAnalysedAsEnabled: cfg.targetAnalysedAsEnabled,
    filesRead: cfg.parsed.files,
    modulesLoaded: cfg.parsed.modules,
    // Filled in below, on first use: the offline report reads neither.
    vhosts: [],
    errorLogs: [],
    runtimeDir: runtimeDir(tree, serverRoot),
    defines: cfg.parsed.defines,
    setups: extractSetups(tree, serverRoot, cfg.parsed.modules),
    tree,
    issues: cfg.parsed.issues,
    markerComments: cfg.parsed.markerComments,
    notes: [...cfg.located.notes],
  };
  lazy(model, 'vhosts', () => listVhosts(tree).map((v) => describeVhost(v, serverRoot)));
  lazy(model, 'errorLogs', () => errorLogs(tree, serverRoot));
  if (cfg.located.targetFile) {
    const target = cfg.located.targetFile;
    model.targetFile = target;
    model.targetFileNames = [target, ...cfg.targetReadAs.filter((f) => f !== target)];
  }
  if (cfg.located.layout === 'standalone') {
    model.notes.push(
      'Without the server configuration, which modules are loaded is unknown: <IfModule> blocks were evaluated as if only the built-in modules were, and module checks were skipped. Name the server configuration with --root for a full analysis.',
    );
  }
  if (id.user) model.webUser = id.user;
  if (id.group) model.webGroup = id.group;
  if (id.userAt && !id.user)
    model.notes.push(
      `User is "${id.userAt.args[0] ?? ''}", which could not be resolved (is /etc/apache2/envvars readable?).`,
    );
  if (cfg.targetAnalysedAsEnabled)
    model.notes.push(
      `${cfg.located.targetFile ?? ''} is not read by the server; it was analysed as if it were enabled.`,
    );
  return model;
}

/**
 * Makes `key` a property computed on first read (then an ordinary value):
 * enumerable, so JSON and deep equality see it as before.
 */
function lazy<K extends 'vhosts' | 'errorLogs'>(model: ConfigModel, key: K, compute: () => ConfigModel[K]): void {
  Object.defineProperty(model, key, {
    configurable: true,
    enumerable: true,
    get() {
      const value = compute();
      Object.defineProperty(model, key, { value, writable: true, configurable: true, enumerable: true });
      return value;
    },
    set(value: ConfigModel[K]) {
      Object.defineProperty(model, key, { value, writable: true, configurable: true, enumerable: true });
    },
  });
}

/** The model when the configuration could not be read at all (a crash of the reader). */
function emptyModel(opts: AnalyzeOptions): ConfigModel {
  return emptyConfigModel({
    rootFile: opts.root ?? opts.target ?? '(configuration)',
    serverRoot: opts.serverRoot ?? '',
  });
}

/** The step name of a configuration check, as a user would report it. */
export function configCheckStep(check: ConfigCheck): string {
  return `the configuration check for ${check.ids.join(', ')}`;
}

export function analyzeConfig(options: AnalyzeOptions = {}): AnalyzeResult {
  let model: ConfigModel;
  try {
    model = buildModel(options);
  } catch (e) {
    // The parser collects what is wrong with the input: an exception here is a bug.
    return {
      model: emptyModel(options),
      findings: [],
      internalErrors: [internalError('reading the configuration', e)],
    };
  }
  const findings: Finding[] = [];
  const internalErrors: InternalError[] = [];
  for (const check of options.checks ?? CONFIG_CHECKS) {
    try {
      const found = check.run({ model });
      for (let i = 0; i < found.length; i++) findings.push(found[i] as Finding);
    } catch (e) {
      internalErrors.push(internalError(configCheckStep(check), e));
    }
  }
  return { model, findings: dedupeFindings(findings).sort(bySeverityThenPlace), internalErrors };
}

function bySeverityThenPlace(a: Finding, b: Finding): number {
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity];
}

/**
 * The configuration named could not be read at all: no file was read and the
 * reader says why. `check` and `trace` then exit 2 (the tool could not work).
 */
export function configUnreadable(model: Pick<ConfigModel, 'filesRead'>, findings: readonly Finding[]): boolean {
  return model.filesRead.length === 0 && findings.some((f) => f.id === 'config-file-unreadable');
}
