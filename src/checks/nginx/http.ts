/**
 * `check --http` for nginx: each real script discovery found under a server's
 * root is asked of nginx itself, at the server's listen address and port with
 * its name as Host, as a visitor would. A body that is the script's source
 * (`<?php`, `#!`) is source-served-as-text: nginx sent the file instead of
 * passing it to FastCGI (no PHP location matches it, or a location before it
 * serves it). Otherwise nginx's answer is held against the trace's prediction
 * (routeMismatch below), as compare.ts does for Apache.
 */
import type { Finding } from '../../findings/finding.js';
import type { ConfigModel } from '../config/index.js';
import type { Discovery } from '../discovery/discover.js';
import { looksLikeSource } from '../http/compare.js';
import type { SetupUrl, WebAnswer, WebGet } from '../http/webGet.js';
import type { Route } from '../../routing/types.js';
import { answerContext } from '../traceNginx.js';

/** Each a real request to a production site, bounded by the timeout. */
export const MAX_NGINX_WEB_URLS = 20;

export async function nginxWebRequests(
  model: ConfigModel,
  traced: { discovery?: Discovery },
  opts: { get: WebGet; timeoutMs: number },
): Promise<{ findings: Finding[]; notices: string[] }> {
  const findings: Finding[] = [];
  const notices: string[] = [];
  const scripts = (traced.discovery?.scripts ?? []).slice(0, MAX_NGINX_WEB_URLS);
  for (const d of scripts) {
    const u = new URL(d.url);
    const vhost = model.vhosts.find((v) => v.file === d.site.vhost?.file && v.line === d.site.vhost?.line);
    const listen = vhost?.addresses.find((a) => a.endsWith(`:${d.site.port}`) && !a.startsWith('unix:'));
    const ip = listen?.slice(0, listen.lastIndexOf(':')).replace(/^\[|\]$/g, '');
    const url: SetupUrl = {
      host: !ip || ip === '*' || ip === '0.0.0.0' || ip === '::' ? '127.0.0.1' : ip,
      port: d.site.port,
      path: `${u.pathname}${u.search}`,
      hostHeader: u.host,
      scheme: d.site.scheme,
    };
    let answer: Awaited<ReturnType<WebGet>>;
    try {
      answer = await opts.get(url, opts.timeoutMs);
    } catch (e) {
      notices.push(`--http: ${d.url} could not be asked of nginx (${e instanceof Error ? e.message : String(e)}).`);
      continue;
    }
    const source = looksLikeSource(answer.head);
    if (!source) {
      const config = model.nginx?.config;
      const mismatch =
        d.route && config ? routeMismatch(d.route, answer, answerContext(config, d.route).interceptErrors) : undefined;
      if (mismatch && d.route)
        findings.push({
          id: 'route-mismatch',
          severity: 'warning',
          title: 'The web server does not answer as its configuration says',
          message: `Asked for ${url.path} (Host ${url.hostHeader}) at ${url.host}:${url.port}, nginx ${mismatch.saw}; the configuration on disk says the request is ${predicted(d.route)}. ${mismatch.cause}`,
          ...(d.setup ? { location: { file: d.setup.definedAt.file, line: d.setup.definedAt.line } } : {}),
          evidence: [
            {
              kind: 'request',
              text: `GET ${url.path} Host ${url.hostHeader} at ${url.host}:${url.port}: status ${answer.status}${answer.contentType ? ` (Content-Type ${answer.contentType})` : ''}`,
            },
            ...(answer.head ? [{ kind: 'request' as const, text: `body starts: ${answer.head.slice(0, 80)}` }] : []),
            ...routeSteps(d.route),
          ],
          fix: mismatch.fix,
          ...(d.setup ? { setup: d.setup.id } : {}),
        });
      continue;
    }
    const fastcgi = d.route?.outcome === 'fastcgi';
    findings.push({
      id: 'source-served-as-text',
      severity: 'error',
      title: "The web server sends the script's source code instead of running it",
      message: `Asked for ${url.path} (Host ${url.hostHeader}) at ${url.host}:${url.port}, nginx answered ${answer.status} with ${source}: ${d.file} is sent as a file, never run, and every visitor can read its code (and any password in it).${fastcgi ? ' The configuration on disk passes this URL to FastCGI, so the running nginx does not run it (reload nginx).' : ''}`,
      ...(d.setup ? { location: { file: d.setup.definedAt.file, line: d.setup.definedAt.line } } : {}),
      evidence: [
        {
          kind: 'request',
          text: `GET ${url.path} Host ${url.hostHeader} at ${url.host}:${url.port}: status ${answer.status}${answer.contentType ? ` (Content-Type ${answer.contentType})` : ''}`,
        },
        { kind: 'request', text: `body starts: ${answer.head.slice(0, 80)}` },
        ...(d.route ? routeSteps(d.route) : []),
      ],
      fix: fastcgi
        ? 'Reload nginx (nginx -t && systemctl reload nginx) so it runs the configuration on disk, then ask again.'
        : 'Pass .php files to PHP-FPM in this server: location ~ \\.php$ { include snippets/fastcgi-php.conf; fastcgi_pass unix:/run/php/php-fpm.sock; } (before any location that serves them as files), then nginx -t and reload nginx.',
      ...(d.setup ? { setup: d.setup.id } : {}),
    });
  }
  return { findings, notices };
}

/** The route's last steps with a config line, as evidence a person can check. */
function routeSteps(route: Route): { kind: 'config'; text: string }[] {
  return route.steps
    .filter((s) => s.file && s.line !== undefined)
    .slice(-3)
    .map((s) => ({ kind: 'config' as const, text: `${s.file}:${s.line}: ${s.what}: ${s.text}` }));
}

function predicted(route: Route): string {
  switch (route.outcome) {
    case 'fastcgi':
      return `passed to the FastCGI backend ${route.backend?.target ?? ''}`.trimEnd();
    case 'static':
      return `served by nginx as a file${route.file ? ` (${route.file})` : ''}`;
    default:
      return `answered by nginx itself with status ${route.status ?? '?'}`;
  }
}

/**
 * nginx's own error page (ngx_http_special_response.c: ngx_http_error_tail, "<hr><center>nginx</center>"),
 * not a backend's answer (PHP-FPM's "File not found." has no such tail).
 */
export function isNginxErrorPage(head: string): boolean {
  return /<hr><center>nginx(\/[\d.]+)?<\/center>/i.test(head);
}

/** What the model could not decide about where the request goes (not the params' unknown values). */
function routingDoubts(route: Route): string[] {
  // routeNginx words a param whose value it cannot know as "fastcgi_param NAME …": no doubt about the route.
  return route.uncertain.filter((u) => !u.startsWith('fastcgi_param '));
}

const RELOAD =
  "Check that nginx runs the configuration on disk (nginx -t && systemctl reload nginx); if the answer stays the same, run fcgi-doctor trace for this URL and compare its steps with nginx's error log for the request.";

/**
 * How nginx's answer contradicts a certain prediction; undefined when it agrees, or when the model itself
 * was unsure where the request goes (a map, a variable it cannot know: no finding, the guess is not the site's fault).
 */
export function routeMismatch(
  route: Route,
  answer: Pick<WebAnswer, 'status' | 'head'>,
  interceptErrors: boolean,
): { saw: string; cause: string; fix: string } | undefined {
  if (routingDoubts(route).length > 0) return undefined;
  switch (route.outcome) {
    case 'status':
      if (route.status === undefined || answer.status === route.status) return undefined;
      return {
        saw: `answered ${answer.status}`,
        cause:
          'The running nginx does not run this configuration (it was changed and not reloaded, or another server answers on this address).',
        fix: RELOAD,
      };
    case 'static':
      if (answer.status !== 403 && answer.status !== 404) return undefined;
      return {
        saw: `answered ${answer.status}: it ${answer.status === 404 ? 'does not see' : 'may not read'} the file`,
        cause: `The file is there for fcgi-doctor; nginx's workers (its user directive) cannot ${answer.status === 404 ? 'reach it: a directory on its path they may not search' : 'read it'}, or the running nginx runs another configuration.`,
        fix: "Let nginx's user reach the file (namei -l FILE shows each directory's permissions), or reload nginx.",
      };
    case 'fastcgi':
      // With fastcgi_intercept_errors on, nginx's page may stand for the backend's own 403/404.
      if (interceptErrors || (answer.status !== 403 && answer.status !== 404) || !isNginxErrorPage(answer.head))
        return undefined;
      return {
        saw: `answered ${answer.status} itself, with its own error page: the request never reached FastCGI`,
        cause: `The script is there for fcgi-doctor, but nginx's workers (its user directive) do not find it: try_files or the location's file test fails for them (a directory on the path they may not search), or the running nginx runs another configuration.`,
        fix: "Let nginx's user search every directory on the script's path (namei -l FILE; chmod o+x DIR, or add the user to the group), or reload nginx; then ask again.",
      };
  }
  return undefined;
}
