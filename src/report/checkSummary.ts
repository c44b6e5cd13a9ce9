import type { CheckReport } from '../checks/run.js';
import type { FastcgiSetup } from '../setups/types.js';

/**
 * What was checked, as plain data: the header of the text report and the
 * `checked` object of the JSON one. Leaves the parsed tree out (large, and
 * a tool's internals, not a contract).
 */
export interface CheckedSummary {
  /** The web server checked, when it is not Apache ("nginx"). */
  server?: string;
  rootFile: string;
  serverRoot: string;
  layout: string;
  targetFile?: string;
  targetLoaded: boolean;
  webUser?: string;
  webGroup?: string;
  fastcgiModules: string[];
  steps: CheckReport['steps'];
  logsScanned: string[];
  setups: SetupSummary[];
  notices: string[];
}

export interface SetupSummary {
  id: string;
  module: string;
  mode: string;
  loaded: boolean;
  active: boolean;
  inactiveReason?: string;
  endpoint?: string;
  script?: string;
  /** When the configuration names no script file: which files the handler runs, in words ("*.fcgi files in /srv/cgi"). */
  scripts?: string;
  reachedBy: string[];
  vhost?: string;
  definedAt: { file: string; line: number };
  /** `check FILE`: this setup neither is defined in FILE nor reaches its vhosts (its findings are "elsewhere"). */
  elsewhere?: boolean;
  /** madeAs: the request succeeded only because of who sent it (root), with why it proves nothing for the site. */
  request?: {
    status?: number;
    totalMs?: number;
    error?: string;
    script: string;
    madeAs?: { user: string; webUser: string; why: string };
    /** The URL of a real script of a site whose route gave the params. */
    url?: string;
    /** false: the params sent held no SCRIPT_FILENAME (nginx's fastcgi_params alone); `script` is the file the URL maps to. */
    scriptSent?: false;
    /** 'fastcgi': no real script was found; the answer only shows that the backend speaks FastCGI. */
    level?: 'script' | 'fastcgi';
  };
}

const FASTCGI_MODULES = [
  'fastcgi_module',
  'fcgid_module',
  'proxy_module',
  'proxy_fcgi_module',
  'actions_module',
  'alias_module',
  'rewrite_module',
];

export function endpointText(setup: FastcgiSetup): string | undefined {
  const e = setup.endpoint;
  if (!e) return undefined;
  if (e.kind === 'unix') return e.generated ? `${e.path} (made by Apache)` : e.path;
  return `${e.host}:${e.port}${e.defaultPort ? ' (default port)' : ''}`;
}

/** The files a handler that names none runs, from its mappings: never a made-up file name. */
function scriptsText(setup: FastcgiSetup, directory: string): string {
  const exts = [...new Set(setup.reachedBy.flatMap((m) => m.extensions ?? []))];
  const files = [...new Set(setup.reachedBy.flatMap((m) => (m.files ? [m.files] : [])))];
  const which =
    exts.length > 0
      ? `${exts.map((e) => `*${e}`).join(', ')} files`
      : files.length > 0
        ? `files matching ${files.join(', ')}`
        : 'every file';
  return `${which} in ${directory}`;
}

/** `inScope`: the ids of the setups `check FILE` covers; the others are marked `elsewhere`. */
export function summarizeCheck(report: CheckReport, inScope?: ReadonlySet<string>): CheckedSummary {
  const m = report.model;
  const requests = new Map(report.requests.map((r) => [r.setup.id, r]));
  const summary: CheckedSummary = {
    rootFile: m.rootFile,
    serverRoot: m.serverRoot,
    layout: m.layout,
    targetLoaded: m.targetLoaded,
    fastcgiModules: m.modulesLoaded.map((x) => x.id).filter((id) => FASTCGI_MODULES.includes(id)),
    steps: report.steps,
    logsScanned: report.logsScanned,
    setups: m.setups.map((s) => {
      const r = requests.get(s.id);
      const out: SetupSummary = {
        id: s.id,
        module: s.module,
        mode: s.mode,
        loaded: s.loaded,
        active: s.active,
        reachedBy: s.reachedBy.map((x) => x.text),
        definedAt: { file: s.definedAt.file, line: s.definedAt.line },
      };
      if (s.inactiveReason) out.inactiveReason = s.inactiveReason;
      if (inScope && !inScope.has(s.id)) out.elsewhere = true;
      const endpoint = endpointText(s);
      if (endpoint) out.endpoint = endpoint;
      if (s.script) out.script = s.script;
      else if (s.options && (s.mode === 'fcgid' || s.mode === 'dynamic'))
        out.scripts = scriptsText(s, s.options.directory);
      if (s.vhost)
        out.vhost = `${s.vhost.serverName ?? (s.module === 'nginx' ? '(no server_name)' : '(no ServerName)')} ${s.vhost.addresses.join(' ')}`;
      if (r) {
        out.request = { script: r.script };
        // The route's params are what was sent: without SCRIPT_FILENAME among them, `script` is only the file meant.
        if (r.route?.backend && r.route.backend.params['SCRIPT_FILENAME'] === undefined) out.request.scriptSent = false;
        if (r.url) out.request.url = r.url;
        if (r.level) out.request.level = r.level;
        if (r.response) {
          out.request.status = r.response.status;
          out.request.totalMs = Math.round(r.response.timings.totalMs * 10) / 10;
        }
        if (r.error) out.request.error = r.error.message;
        if (r.madeAs) out.request.madeAs = r.madeAs;
      }
      return out;
    }),
    notices: report.notices,
  };
  if (m.targetFile) summary.targetFile = m.targetFile;
  if (m.webUser) summary.webUser = m.webUser;
  if (m.webGroup) summary.webGroup = m.webGroup;
  return summary;
}
