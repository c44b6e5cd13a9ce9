/**
 * `trace` for people: the route step by step with file:line, where it ends,
 * the params the backend receives, what could not be decided, then the live
 * answer and what a browser would see. Everything from the configuration,
 * the files and the backend is escaped: a path or a param may hold anything.
 */
import type { TraceRequestResult } from '../checks/request/traceRequest.js';
import type { Finding } from '../findings/finding.js';
import type { Route } from '../routing/types.js';
import { capList, capText, moreNote, SHOWN } from './cap.js';
import { escapeOneLine } from './escape.js';
import { formatFinding } from './findingText.js';
import { statusLine } from './httpStatus.js';
import { formatPingText } from './pingText.js';
import type { Style } from './style.js';

export interface RouteTextOptions {
  offline: boolean;
  quiet?: boolean;
  verbose?: boolean;
  /** body bytes of the live answer shown before "(truncated)"; undefined: all */
  bodyLimit?: number;
  exitCode?: number;
  /** The web server whose route this is (default apache): its words in the report. */
  server?: 'apache' | 'nginx';
}

/** Params shown before "N more" without --verbose: a request with hundreds of headers stays readable. */
const PARAMS_SHOWN = 200;

const one = (text: string) => escapeOneLine(capText(text, SHOWN.line));

function place(file: string | undefined, line: number | undefined): string {
  if (!file) return '';
  return line ? `${one(file)}:${line}` : one(file);
}

function routeEnd(style: Style, route: Route, server: 'apache' | 'nginx'): string {
  const { c } = style;
  const who = server === 'nginx' ? 'nginx' : 'Apache';
  if (route.outcome === 'fastcgi' && route.backend && route.backend.module === 'nginx') {
    const b = route.backend;
    const upstream = b.upstream ? ` (upstream ${one(b.upstream.name)})` : '';
    return `${style.ok} FastCGI: fastcgi_pass → ${b.target === null ? c.dim('no address') : one(b.target)}${upstream}`;
  }
  if (route.outcome === 'fastcgi' && route.backend) {
    const b = route.backend;
    const where = b.target === null ? 'a process Apache starts itself' : one(b.target);
    const setup = b.setupId ? c.dim(` (setup ${one(b.setupId)})`) : '';
    return `${style.ok} FastCGI: mod_${b.module} (${b.mode}) → ${where}${setup}`;
  }
  if (route.outcome === 'static') return `${style.ok} static: ${who} sends the file itself`;
  const status = route.status ?? 0;
  const text = statusLine(status, '');
  if (status >= 300 && status < 400)
    return `${style.ok} redirect: ${who} answers ${text}${route.location !== undefined ? ` → ${one(route.location)}` : ''}`;
  return `${style.fail} ${who} answers ${text} itself`;
}

export function formatRouteText(
  style: Style,
  route: Route,
  live: TraceRequestResult | undefined,
  findings: readonly Finding[],
  opts: RouteTextOptions,
): string {
  const { c } = style;
  const server = opts.server ?? 'apache';
  const out: string[] = [];
  if (!opts.quiet) {
    out.push(c.bold(`${one(route.request.method)} ${one(route.url)}`));
    if (server === 'nginx')
      out.push(
        route.vhost
          ? `  server ${place(route.vhost.file, route.vhost.line)}${route.vhost.serverName !== undefined ? ` (server_name ${one(route.vhost.serverName)})` : ''}`
          : '  no server block (nginx would not answer)',
      );
    else
      out.push(
        route.vhost
          ? `  vhost ${place(route.vhost.file, route.vhost.line)}${route.vhost.serverName !== undefined ? ` (ServerName ${one(route.vhost.serverName)})` : ''}`
          : '  the main server (no <VirtualHost> matches)',
      );
    out.push('');
    route.steps.forEach((s, i) => {
      const at = place(s.file, s.line);
      out.push(`  ${String(i + 1).padStart(2)}. ${c.cyan(one(s.what))}${at ? c.dim(`  ${at}`) : ''}`);
      out.push(`      ${one(s.text)}`);
    });
    if (route.steps.length === 0) out.push(c.dim('  (no step recorded)'));
    out.push('');
    out.push(`  file     ${route.file === null ? c.dim('none') : one(route.file)}`);
    if (route.pathInfo !== undefined) out.push(`  PATH_INFO ${one(route.pathInfo)}`);
    if (server === 'apache')
      out.push(`  handler  ${route.handler === null ? c.dim('none (the default handler)') : one(route.handler)}`);
    if (route.options) out.push(`  Options  ${route.options.map(one).join(' ') || c.dim('none')}`);
    out.push(`  ${routeEnd(style, route, server)}`);
    if (route.backend) {
      out.push('', c.bold('  params sent (in send order):'));
      const entries = Object.entries(route.backend.params);
      const shown = opts.verbose ? { shown: entries, more: 0 } : capList(entries, PARAMS_SHOWN);
      for (const [name, value] of shown.shown) out.push(`    ${c.cyan(one(name))} = ${one(value)}`);
      if (shown.more) out.push(c.dim(`    ${moreNote(shown.more, 'params')} (--verbose shows all)`));
      if (entries.length === 0) out.push(c.dim('    (none)'));
    }
    if (route.htaccess.length > 0) {
      out.push('', c.bold('  .htaccess problems on the way (every URL beneath answers 500):'));
      for (const h of route.htaccess)
        out.push(`    ${style.fail} ${place(h.file, h.line)} ${one(h.directive)}: ${one(h.message)}`);
    }
    if (route.uncertain.length > 0) {
      out.push('', c.bold('  not decided statically:'));
      for (const u of route.uncertain) out.push(`    ${style.unknown} ${one(u)}`);
    }
    out.push('');
    out.push(...liveLines(style, route, live, { ...opts, server }));
  }
  for (const f of findings) {
    if (opts.quiet && f.severity === 'info') continue;
    out.push(formatFinding(style, f), '');
  }
  // --quiet keeps the verdict when no finding carries it: an Apache status, or what a browser would get.
  if (opts.quiet && findings.length === 0 && opts.exitCode === 1) {
    const browser = live?.browser;
    out.push(
      route.outcome === 'status' || !browser
        ? routeEnd(style, route, server)
        : `${style.fail} a browser would see ${statusLine(browser.status, '')}`,
    );
  }
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

function liveLines(style: Style, route: Route, live: TraceRequestResult | undefined, opts: RouteTextOptions): string[] {
  const { c } = style;
  if (!live) return opts.offline ? [c.dim('--offline: no request sent'), ''] : [];
  const out: string[] = [];
  if (live.skipped !== undefined) {
    // A route that ends in Apache itself has nothing to ask: only a FastCGI route without a request is worth a line.
    if (route.outcome === 'fastcgi') out.push(`${style.unknown} no request sent: ${one(live.skipped)}`, '');
    return out;
  }
  out.push(c.bold('The backend answered:'));
  if (live.response) {
    const text = formatPingText(
      style,
      { target: live.where ?? '', response: live.response, expectations: [], findings: [] },
      { bodyLimit: opts.bodyLimit, verbose: opts.verbose },
    );
    // ping marks its answer by its own findings; here the mark is the trace's verdict on it.
    const failed = live.findings.some((f) => f.severity === 'error') || (live.browser?.status ?? 0) >= 400;
    const marked = failed && text.startsWith(style.ok) ? style.fail + text.slice(style.ok.length) : text;
    out.push(marked.replace(/\n+$/, ''), '');
  } else if (live.error) {
    out.push(`${style.fail} ${one(live.error.message)}`, '');
  }
  if (live.browser) {
    const a = live.browser;
    const mark = a.status >= 400 ? style.fail : style.ok;
    const extra = [
      a.location !== undefined ? `Location: ${one(a.location)}` : '',
      a.contentType !== undefined ? `Content-Type: ${one(a.contentType)}` : '',
      a.page !== undefined ? `page: ${one(a.page)}` : '',
    ].filter(Boolean);
    out.push(
      `${mark} ${c.bold(`A browser would see ${statusLine(a.status, '')}`)}${extra.length ? `  ${extra.join('  ')}` : ''}`,
    );
    const source = opts.server === 'nginx' ? "nginx's source" : 'httpd 2.4 source';
    out.push(c.dim(`  ${one(a.why)}${a.basis === 'source' ? ` (read from ${source})` : ''}`));
    for (const u of a.uncertain ?? []) out.push(c.dim(`  ? ${one(u)}`));
    out.push('');
  }
  return out;
}
