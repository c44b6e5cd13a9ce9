/**
 * The scope of `check FILE`: what FILE defines and what reaches its vhosts.
 * Findings about other parts of the server are set apart ("elsewhere"): they
 * are reported, but a broken site elsewhere must not fail the check of this one.
 *
 * A finding is in scope when
 * - its config evidence quotes a line of FILE (one cause shared with another site);
 * - it concerns a setup in scope: one defined in FILE (or a file FILE includes),
 *   reached by a mapping written there, or one of the main server (a server-wide
 *   `<FilesMatch>` + `SetHandler`, a main-server `ProxyPass`, mod_fcgid's global
 *   settings: the main server's configuration is merged into every vhost);
 * - its location is FILE (or a file FILE includes), or a file that defines no
 *   vhost (apache2.conf, conf-enabled/, mods-enabled/: server-wide), outside any
 *   vhost of another file;
 * - it stops Apache as a whole (a syntax error anywhere: the reload that deploys
 *   FILE fails too), wherever it sits;
 * - it has no location and no setup (the server is not running…);
 * - it comes from an error log FILE's vhosts write to, or from the main server's
 *   log unless its lines name only another site's backends (see mainLogInScope).
 */
import type { Directive } from '../apache/index.js';
import type { Finding, Location, Severity } from '../findings/finding.js';
import { summarize } from '../findings/finding.js';
import type { FastcgiSetup } from '../setups/index.js';
import type { ConfigModel } from './config/context.js';

/** Config evidence reads "/etc/apache2/sites-enabled/a.conf:12: SetHandler …". */
const CONFIG_AT = /^(.+?):\d+: /;

/** Findings that make Apache refuse its whole configuration: every site's reload fails with them. */
const STOPS_APACHE = new Set<string>([
  'config-syntax-error',
  'include-not-found',
  'config-file-unreadable',
  // nginx: what `nginx -t` refuses anywhere fails the reload that deploys FILE too.
  'nginx-config-error',
]);

export interface Elsewhere {
  /** The counts of the findings set apart (the envelope's `summary` stays the in-scope counts). */
  summary: Record<Severity, number>;
  /** The site files (or other places) they are about, first seen first. */
  sites: string[];
  findings: Finding[];
}

export interface ScopedFindings {
  inScope: Finding[];
  /** undefined when the check covers the whole server (no FILE, a directory, or the root itself). */
  elsewhere?: Elsewhere;
  /** Ids of the setups in scope (all of them when the check covers the whole server). */
  setupsInScope: ReadonlySet<string>;
}

interface VhostSpan {
  file: string;
  line: number;
  endLine: number;
}

/** "/etc/apache2/apache2.conf:225" → "/etc/apache2/apache2.conf" */
function fileOfRef(ref: string): string {
  const i = ref.lastIndexOf(':');
  return i > 0 ? ref.slice(0, i) : ref;
}

/** Every <VirtualHost> section with its line span, to tell a line inside a vhost from a main-server line. */
function vhostSpans(tree: readonly Directive[]): VhostSpan[] {
  const out: VhostSpan[] = [];
  // An explicit stack: nesting depth is bounded by the parser, but recursion is not needed.
  const stack: Directive[] = [...tree];
  while (stack.length > 0) {
    const d = stack.pop() as Directive;
    // Include lines hold the included file's directives as children: walk every node, not sections only.
    if (d.isSection && d.name === 'virtualhost') {
      out.push({ file: d.file, line: d.line, endLine: d.endLine ?? d.line });
      continue;
    }
    for (const c of d.children) stack.push(c);
  }
  return out;
}

function findingText(f: Finding): string {
  return [f.message, ...f.evidence.map((e) => e.text)].join('\n');
}

class ScopeRule {
  readonly files: ReadonlySet<string>;
  /** Vhost spans by file: a server of 5,000 vhosts must not cost vhosts × findings. */
  private readonly spans = new Map<string, VhostSpan[]>();
  private readonly setups: Map<string, FastcgiSetup>;
  readonly setupsIn = new Set<string>();
  /** ErrorLog targets written in FILE's vhosts, and those of other vhosts. */
  private readonly ownLogs = new Set<string>();
  private readonly otherLogs = new Map<string, string>();
  private readonly mainLogs = new Set<string>();
  /** Backend addresses (socket paths, host:port) of the setups in and out of scope, to place main-log lines. */
  private readonly inEndpoints: string[] = [];
  /** Out of scope: each backend address with the site file it belongs to. */
  private readonly outEndpoints: Array<{ text: string; site: string }> = [];

  constructor(model: ConfigModel, files: ReadonlySet<string>) {
    this.files = files;
    for (const span of vhostSpans(model.tree)) {
      const list = this.spans.get(span.file);
      if (list) list.push(span);
      else this.spans.set(span.file, [span]);
    }
    this.setups = new Map(model.setups.map((s) => [s.id, s]));
    for (const s of model.setups) {
      const inScope = this.setupInScope(s);
      if (inScope) this.setupsIn.add(s.id);
      const ep = s.endpoint;
      const text = !ep
        ? undefined
        : ep.kind === 'unix'
          ? ep.generated
            ? undefined
            : ep.path
          : `${ep.host}:${ep.port}`;
      if (text && inScope) this.inEndpoints.push(text);
      else if (text) this.outEndpoints.push({ text, site: s.vhost?.file ?? s.definedAt.file });
    }
    for (const log of model.errorLogs) {
      if (log.vhost === undefined || log.file === undefined) this.mainLogs.add(log.target);
      else if (this.fileInScope(log.file)) this.ownLogs.add(log.target);
      else if (!this.otherLogs.has(log.target)) this.otherLogs.set(log.target, log.file);
    }
  }

  fileInScope(file: string, includedFrom: readonly string[] = []): boolean {
    return this.files.has(file) || includedFrom.some((ref) => this.files.has(fileOfRef(ref)));
  }

  private setupInScope(s: FastcgiSetup): boolean {
    if (this.fileInScope(s.definedAt.file, s.definedAt.includedFrom)) return true;
    if (s.reachedBy.some((m) => this.fileInScope(m.at.file, m.at.includedFrom))) return true;
    // The main server's setups are merged into every vhost: they reach FILE's too.
    if (s.vhost === undefined) return true;
    return this.files.has(s.vhost.file);
  }

  private spanAt(loc: Location): VhostSpan | undefined {
    const line = loc.line;
    if (line === undefined) return undefined;
    return this.spans.get(loc.file)?.find((s) => s.line <= line && line <= s.endLine);
  }

  /** The place an out-of-scope finding is about, as the site file a person would open. */
  siteOf(f: Finding): string {
    const setup = f.setup ? this.setups.get(f.setup) : undefined;
    if (setup) return setup.vhost?.file ?? setup.definedAt.file;
    if (f.location) {
      const log = this.otherLogs.get(f.location.file);
      if (log) return log;
      // A main-log finding set apart names another site's backend: that site.
      const text = findingText(f);
      return this.outEndpoints.find((e) => text.includes(e.text))?.site ?? f.location.file;
    }
    return '(this server)';
  }

  inScope(f: Finding): boolean {
    if (STOPS_APACHE.has(f.id)) return true;
    // One cause shared with FILE (a socket two sites name): its evidence quotes FILE's line too.
    if (this.evidenceNamesScope(f)) return true;
    const loc = f.location;
    const locInFile = loc !== undefined && this.fileInScope(loc.file, loc.includedFrom);
    const setup = f.setup ? this.setups.get(f.setup) : undefined;
    if (setup) return locInFile || this.setupsIn.has(setup.id);
    if (!loc) return true;
    if (locInFile) return true;
    if (this.ownLogs.has(loc.file)) return true;
    if (this.otherLogs.has(loc.file) && !this.mainLogs.has(loc.file)) return false;
    if (this.mainLogs.has(loc.file)) return this.mainLogInScope(f);
    // A config line: inside another file's vhost, or in another site's file, it is that site's.
    if (this.spanAt(loc)) return false;
    return !this.spans.has(loc.file);
  }

  private evidenceNamesScope(f: Finding): boolean {
    for (const e of f.evidence) {
      if (e.kind !== 'config') continue;
      const file = CONFIG_AT.exec(e.text)?.[1];
      if (file !== undefined && this.files.has(file)) return true;
    }
    return false;
  }

  /**
   * The main server's log holds the lines of every vhost that has no ErrorLog of its own,
   * and Apache's default ErrorLogFormat does not say which vhost a line is about. A finding
   * from it is set apart only when its lines name a backend of another site and none of
   * FILE's; otherwise it may be about FILE's vhosts and stays in scope.
   */
  private mainLogInScope(f: Finding): boolean {
    const text = findingText(f);
    if (this.inEndpoints.some((e) => text.includes(e))) return true;
    return !this.outEndpoints.some((e) => text.includes(e.text));
  }
}

/** The files that are FILE for the scope: its name(s) as the parser read it, and what it includes. */
export function scopeFiles(model: ConfigModel): Set<string> | undefined {
  if (!model.targetFile || model.targetFile === model.rootFile) return undefined;
  const names = new Set<string>(model.targetFileNames ?? [model.targetFile]);
  names.add(model.targetFile);
  for (const f of model.filesRead) if (f.includedFrom.some((ref) => names.has(fileOfRef(ref)))) names.add(f.file);
  return names;
}

// One rule per model: the live steps and the report both ask, and building it walks every setup and vhost.
const rules = new WeakMap<ConfigModel, ScopeRule | null>();

/** The scope rule of `check FILE`, or undefined when the check covers the whole server. */
function scopeRuleOf(model: ConfigModel): ScopeRule | undefined {
  let rule = rules.get(model);
  if (rule === undefined) {
    const files = scopeFiles(model);
    rule = files ? new ScopeRule(model, files) : null;
    rules.set(model, rule);
  }
  return rule ?? undefined;
}

/**
 * The model the live steps of `check FILE` work on: only the setups in scope. The
 * other sites' setups are judged on their configuration alone (the elsewhere line
 * says so): probing, asking and walking 5,000 sites to check one would cost
 * seconds, and their live state cannot fail this check anyway.
 */
export function liveScopeModel(model: ConfigModel): ConfigModel {
  const rule = scopeRuleOf(model);
  if (!rule) return model;
  return { ...model, setups: model.setups.filter((s) => rule.setupsIn.has(s.id)) };
}

/** Sets apart the findings about other parts of the server than FILE (see the module comment). */
export function splitByScope(model: ConfigModel, findings: readonly Finding[]): ScopedFindings {
  const rule = scopeRuleOf(model);
  if (!rule) return { inScope: [...findings], setupsInScope: new Set(model.setups.map((s) => s.id)) };
  const inScope: Finding[] = [];
  const out: Finding[] = [];
  const sites = new Set<string>();
  for (const f of findings) {
    if (rule.inScope(f)) inScope.push(f);
    else {
      out.push(f);
      sites.add(rule.siteOf(f));
    }
  }
  return {
    inScope,
    elsewhere: { summary: summarize(out), sites: [...sites], findings: out },
    setupsInScope: rule.setupsIn,
  };
}
