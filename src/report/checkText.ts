import type { Finding } from '../findings/finding.js';
import { summarize } from '../findings/finding.js';
import { capList, capText, foldedNote, foldRepeats, moreNote, SHOWN } from './cap.js';
import { escapeOneLine } from './escape.js';
import { formatFinding, formatSummary } from './findingText.js';
import { statusLine } from './httpStatus.js';
import type { CheckedSummary, SetupSummary } from './checkSummary.js';
import type { Style } from './style.js';

export interface CheckTextOptions {
  quiet?: boolean;
  verbose?: boolean;
  /** the status the CLI will exit with, explained on the last line */
  exitCode: number;
  /** steps that crashed: shown even with --quiet, right above the verdict */
  internalErrors?: readonly { step: string; message: string }[];
  /** `check FILE`: the findings about other parts of the server, summed up in one line (listed with verbose). */
  elsewhere?: {
    summary: { error: number; warning: number; info: number };
    sites: readonly string[];
    findings: Finding[];
  };
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The places named in the elsewhere line; more are counted. */
const ELSEWHERE_SITES_NAMED = 3;

/**
 * "elsewhere on this server (from the configuration and the logs): 2 errors in 1 other site (…/other.conf), not
 * counted here — `fcgi-doctor check` with no file checks the whole server, live".
 * Nothing when nothing was set apart.
 */
export function elsewhereLine(e: NonNullable<CheckTextOptions['elsewhere']>, verbose: boolean): string | undefined {
  const n = e.findings.length;
  if (n === 0) return undefined;
  const counts = [
    e.summary.error ? plural(e.summary.error, 'error') : '',
    e.summary.warning ? plural(e.summary.warning, 'warning') : '',
    e.summary.info ? plural(e.summary.info, 'note') : '',
  ].filter(Boolean);
  const named = e.sites.slice(0, ELSEWHERE_SITES_NAMED).map((x) => escapeOneLine(x));
  const more = e.sites.length - named.length;
  const where = `${named.join(', ')}${more > 0 ? `, ${more} more` : ''}`;
  const them = n === 1 ? 'it' : 'them';
  const list = verbose ? `listed below, not counted here` : `not counted here; --verbose lists ${them}`;
  // The other sites' setups are not probed by check FILE (src/checks/scope.ts liveScopeModel): say what was read.
  return `elsewhere on this server (from the configuration and the logs): ${counts.join(', ')} in ${plural(e.sites.length, 'other site')} (${where}), ${list} — \`fcgi-doctor check\` with no file checks the whole server, live`;
}

const MODE_NAMES: Record<string, string> = {
  static: 'static (mod_fastcgi starts it)',
  dynamic: 'dynamic (started on demand)',
  external: 'external (started by you)',
  fcgid: 'mod_fcgid (Apache starts it)',
  proxy: 'proxy (an external backend)',
};

/** nginx's setups: fastcgi_pass to a backend someone else starts. */
const NGINX_MODE = 'fastcgi_pass (an external backend)';

/** Who Apache runs as, as the configuration says; "?" would read as a fault where the file merely does not say. */
function webIdentityText(s: CheckedSummary): string {
  if (s.server === 'nginx' && s.webUser === undefined)
    return "nginx (no user directive: the workers run as nginx's compiled-in user)";
  if (s.server === 'nginx')
    return `nginx, user ${escapeOneLine(s.webUser ?? '')}${s.webGroup ? `, group ${escapeOneLine(s.webGroup)}` : ''}`;
  if (s.webUser === undefined && s.webGroup === undefined)
    return 'user and group not named in this configuration (no User or Group directive)';
  return `user ${escapeOneLine(s.webUser ?? '(not named)')}, group ${escapeOneLine(s.webGroup ?? '(not named)')}`;
}

/** A file read on its own (no server configuration) does not say which modules the server loads. */
function modulesText(style: Style, s: CheckedSummary): string {
  if (s.fastcgiModules.length) return s.fastcgiModules.join(', ');
  if (s.layout === 'standalone')
    return style.c.dim('unknown: this file was read without the server configuration (--root names it)');
  return style.c.dim('no FastCGI module loaded');
}

function header(style: Style, s: CheckedSummary): string[] {
  const { c } = style;
  const lines = [c.bold('fcgi-doctor check')];
  const nginx = s.server === 'nginx';
  const server = nginx ? 'nginx' : 'Apache';
  lines.push(
    `  configuration  ${escapeOneLine(s.rootFile)} ${c.dim(`(${s.layout}, ${nginx ? 'configuration prefix' : 'ServerRoot'} ${escapeOneLine(s.serverRoot)})`)}`,
  );
  if (s.targetFile && s.targetFile !== s.rootFile) {
    lines.push(
      `  ${nginx ? 'site file ' : 'vhost file'}     ${escapeOneLine(s.targetFile)} ${s.targetLoaded ? c.green(`(read by ${server})`) : c.yellow(`(NOT read by ${server}: analysed as if enabled)`)}`,
    );
  }
  lines.push(`  web server     ${webIdentityText(s)}`);
  if (!nginx) lines.push(`  modules        ${modulesText(style, s)}`);
  const steps = [
    s.steps.probes ? 'live probes' : '',
    s.steps.requests ? 'a request to each backend' : '',
    s.steps.logs
      ? s.logsScanned.length
        ? `${s.logsScanned.length} error log${s.logsScanned.length === 1 ? '' : 's'}`
        : 'no error log named'
      : '',
  ].filter(Boolean);
  lines.push(`  checked        configuration${steps.length ? `, ${steps.join(', ')}` : c.dim(' only (--offline)')}`);
  return lines;
}

/** A finding shown under another setup that shares its cause (the same socket, port or script). */
interface SharedFinding {
  finding: Finding;
  /** the setup it is shown under, as "file:line" */
  shownAt: string;
}

/** "/etc/apache2/sites-enabled/a.conf:12: SetHandler …" → "/etc/apache2/sites-enabled/a.conf:12" */
const CONFIG_AT = /^(.+?:\d+): /;

/**
 * Setups named in a finding's config evidence besides the one it is filed
 * under: a probe finding about a socket lists every setup that uses it.
 */
function sharedFindings(
  findings: readonly Finding[],
  setupAt: ReadonlyMap<string, string>,
): Map<string, SharedFinding[]> {
  const out = new Map<string, SharedFinding[]>();
  const atOf = new Map<string, string>();
  for (const [at, id] of setupAt) atOf.set(id, at);
  for (const f of findings) {
    if (!f.setup) continue;
    const own = atOf.get(f.setup);
    if (!own) continue;
    for (const e of f.evidence) {
      if (e.kind !== 'config') continue;
      const at = CONFIG_AT.exec(e.text)?.[1];
      const other = at === undefined ? undefined : setupAt.get(at);
      if (!other || other === f.setup) continue;
      const list = out.get(other) ?? [];
      if (!list.some((x) => x.finding === f)) list.push({ finding: f, shownAt: own });
      out.set(other, list);
    }
  }
  return out;
}

function setupBlock(
  style: Style,
  s: SetupSummary,
  findings: Finding[],
  opts: CheckTextOptions,
  shared: readonly SharedFinding[] = [],
): string[] {
  const { c } = style;
  const all = [...findings, ...shared.map((x) => x.finding)];
  const worst = all.some((f) => f.severity === 'error')
    ? style.fail
    : all.some((f) => f.severity === 'warning')
      ? style.warn
      : style.ok;
  const mark = s.active ? worst : style.unknown;
  const lines = [
    `${mark} ${c.bold(`${s.module} · ${s.module === 'nginx' ? NGINX_MODE : (MODE_NAMES[s.mode] ?? s.mode)}`)}  ${c.dim(`${escapeOneLine(s.definedAt.file)}:${s.definedAt.line}`)}`,
  ];
  if (!s.active)
    lines.push(`    ${c.dim(`inactive: ${escapeOneLine(s.inactiveReason ?? 'in a section Apache skips')}`)}`);
  if (s.vhost) lines.push(`    vhost     ${escapeOneLine(s.vhost)}`);
  if (s.endpoint) lines.push(`    endpoint  ${escapeOneLine(s.endpoint)}`);
  if (s.script) lines.push(`    script    ${escapeOneLine(s.script)}`);
  else if (s.scripts) lines.push(`    scripts   ${escapeOneLine(s.scripts)}`);
  if (s.reachedBy.length) {
    const reached = capList(s.reachedBy, SHOWN.listEntries);
    lines.push(
      `    reached   ${reached.shown.map((r) => escapeOneLine(capText(r, SHOWN.line))).join('; ')}${reached.more ? c.dim(`; ${moreNote(reached.more, 'directives')}`) : ''}`,
    );
  }
  if (s.request) {
    if (s.request.error) lines.push(`    ${style.fail} request   ${escapeOneLine(s.request.error)}`);
    else {
      // An answer to a request the web server could not make proves nothing about the site: never a ✓.
      // A FastCGI-level test (no real script found) judges no script: an answer of any status is no warning.
      const status = s.request.status ?? 0;
      const fastcgiOnly = s.request.level === 'fastcgi' && status >= 400 && status < 500;
      const mark = s.request.madeAs
        ? style.warn
        : fastcgiOnly
          ? c.blue('i')
          : s.request.status && s.request.status < 400
            ? style.ok
            : style.warn;
      const asWho = s.request.madeAs ? ` as ${escapeOneLine(s.request.madeAs.user)}` : '';
      const what = s.request.url
        ? `GET ${escapeOneLine(s.request.url)} → ${statusLine(s.request.status ?? 0, '')}`
        : statusLine(s.request.status ?? 0, '');
      const note = fastcgiOnly
        ? `(the backend speaks FastCGI; no script of the site was found to ask for: SCRIPT_FILENAME ${escapeOneLine(s.request.script)})`
        : s.request.scriptSent === false
          ? `(no SCRIPT_FILENAME sent; the URL maps to ${escapeOneLine(s.request.script)})`
          : `(SCRIPT_FILENAME ${escapeOneLine(s.request.script)})`;
      lines.push(`    ${mark} request   ${what}${asWho} in ${s.request.totalMs} ms ${c.dim(note)}`);
      if (s.request.madeAs)
        lines.push(
          `              ${c.yellow(escapeOneLine(`${s.request.madeAs.why.charAt(0).toUpperCase()}${s.request.madeAs.why.slice(1)}.`))}`,
        );
    }
  }
  const mine = foldRepeats(findings, SHOWN.findingsPerKind);
  for (const f of mine.shown) {
    if (opts.quiet && f.severity === 'info') continue;
    lines.push('', formatFinding(style, f, '  '));
  }
  for (const { finding: f, shownAt } of shared) {
    if (opts.quiet && f.severity === 'info') continue;
    const mark = f.severity === 'error' ? style.fail : f.severity === 'warning' ? style.warn : c.blue('i');
    lines.push(
      '',
      `  ${mark} ${f.severity} ${c.bold(escapeOneLine(f.title))} ${c.dim(`[${f.id}]`)}`,
      `      ${c.dim(`this setup too: the same cause is shown in full under the setup at ${escapeOneLine(shownAt)}`)}`,
    );
  }
  for (const k of mine.folded) lines.push('', `  ${c.dim(escapeOneLine(foldedNote(k)))}`);
  return lines;
}

const NO_FINDINGS: Finding[] = [];

export function formatCheckText(style: Style, s: CheckedSummary, findings: Finding[], opts: CheckTextOptions): string {
  const { c } = style;
  const out: string[] = [];
  if (!opts.quiet) out.push(...header(style, s), '');
  // Grouped once: a server with thousands of setups must not cost setups × findings.
  // Lists only for setups that have findings (most have none).
  const ids = new Set<string>();
  // Another site's setup has no block of its own (check FILE): a finding in scope filed under it is shown loose.
  for (const x of s.setups) if (!x.elsewhere) ids.add(x.id);
  const bySetup = new Map<string, Finding[]>();
  const loose: Finding[] = [];
  for (const f of findings) {
    if (f.setup === undefined || f.setup === '' || !ids.has(f.setup)) {
      loose.push(f);
      continue;
    }
    const mine = bySetup.get(f.setup);
    if (mine) mine.push(f);
    else bySetup.set(f.setup, [f]);
  }
  // Findings about the server as a whole come first: they are usually the root cause.
  // Many of one kind (a line repeated 100,000 times) are shown a few times and counted (cap.ts).
  const looseShown = foldRepeats(loose, SHOWN.findingsPerKind);
  for (const f of looseShown.shown) {
    if (opts.quiet && f.severity === 'info') continue;
    out.push(formatFinding(style, f), '');
  }
  for (const k of looseShown.folded) out.push(c.dim(escapeOneLine(foldedNote(k))), '');
  if (s.setups.length === 0 && !opts.quiet) out.push(c.yellow('No FastCGI setup found in this configuration.'), '');
  const setupAt = new Map<string, string>();
  for (const x of s.setups) setupAt.set(`${x.definedAt.file}:${x.definedAt.line}`, x.id);
  const shared = sharedFindings(findings, setupAt);
  for (const setup of s.setups) {
    // Another site's setup: its findings are summed up in the elsewhere line, not shown as a healthy block.
    if (setup.elsewhere) continue;
    const mine = bySetup.get(setup.id) ?? NO_FINDINGS;
    const others = shared.get(setup.id) ?? [];
    if (opts.quiet && mine.every((f) => f.severity === 'info') && others.every((x) => x.finding.severity === 'info'))
      continue;
    for (const line of setupBlock(style, setup, mine, opts, others)) out.push(line);
    out.push('');
  }
  if (opts.verbose || !opts.quiet) for (const n of s.notices) out.push(c.dim(`note: ${escapeOneLine(n)}`));
  if (s.notices.length && !opts.quiet) out.push('');
  for (const e of opts.internalErrors ?? []) {
    out.push(`${style.fail} ${c.red(`fcgi-doctor failed in ${escapeOneLine(e.step)}`)}: ${escapeOneLine(e.message)}`);
    out.push(`    ${c.dim('Its findings are missing: this report is incomplete. Please report this bug.')}`, '');
  }
  const elsewhere = opts.elsewhere ? elsewhereLine(opts.elsewhere, Boolean(opts.verbose)) : undefined;
  if (elsewhere && opts.elsewhere) {
    const worst = opts.elsewhere.summary.error ? style.fail : opts.elsewhere.summary.warning ? style.warn : c.blue('i');
    out.push(`${worst} ${c.dim(elsewhere)}`, '');
    if (opts.verbose) {
      // Bounded as the findings above are: many of one kind are shown a few times and counted.
      const shown = foldRepeats(opts.elsewhere.findings, SHOWN.findingsPerKind);
      for (const f of shown.shown) out.push(formatFinding(style, f, '  '), '');
      for (const k of shown.folded) out.push(`  ${c.dim(escapeOneLine(foldedNote(k)))}`, '');
    }
  }
  const counts = summarize(findings);
  const verdict =
    opts.exitCode === 0
      ? c.green('no error found')
      : opts.exitCode === 1
        ? c.red('problems found')
        : c.red('the check could not be completed');
  out.push(`${formatSummary(style, counts)} — ${verdict} (exit ${opts.exitCode})`);
  return `${out.join('\n')}\n`;
}

/** The heading of one web server's section when `check` covers both of a machine's. */
/** A web server's section; `root` tells apart several nginx masters, each with its own configuration. */
export function formatServerHeading(style: Style, server: string, first = true, root?: string): string {
  const name = `${server === 'nginx' ? 'nginx' : 'Apache'}${root !== undefined ? ` (${escapeOneLine(root)})` : ''}`;
  return `${first ? '' : '\n'}${style.c.bold(`== ${name} ==`)}\n`;
}
