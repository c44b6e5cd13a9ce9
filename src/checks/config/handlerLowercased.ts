/**
 * handler-lowercased: `AddHandler "proxy:unix:/run/php/PHP-FPM.sock|fcgi://localhost" .php`
 * or `RewriteRule … [H=proxy:unix:/Srv/App.sock|fcgi://localhost]`. Both modules
 * lower-case the handler name before anyone reads it — mod_mime.c
 * add_extension_info (`ap_str_tolower(value)`) and mod_rewrite.c
 * force_type_handler (`ap_str_tolower(expanded)`) — so mod_proxy connects to
 * /run/php/php-fpm.sock, not the socket the line names. SetHandler (core) keeps
 * the case. Verified on Apache 2.4.71: the AddHandler answers 503, the same path
 * in SetHandler 200 (test/integration/handlerLowercased.test.ts).
 *
 * Only the socket path matters: a host name after fcgi:// is looked up without
 * regard to case. The lower-case path might hold a socket too (then the site
 * works); the configuration alone cannot tell, so the finding states what it
 * proves: which path Apache connects to.
 */
import { flatTree, render, type Directive } from '../../apache/index.js';
import { parseProxyUrl } from '../../setups/index.js';
import type { ConfigCheck } from './context.js';
import { FoldByCause } from './fold.js';
import { finding } from './make.js';

/** ap_str_tolower: C's tolower in the "C" locale, ASCII letters only. */
const asciiLower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** The handler a line gives, and who lower-cases it: AddHandler's value, RewriteRule's [H=…]. */
function lowercasedHandler(d: Directive): { handler: string; by: 'AddHandler' | 'RewriteRule [H=]' } | undefined {
  if (d.name === 'addhandler' && d.args[0] !== undefined) return { handler: d.args[0], by: 'AddHandler' };
  if (d.name === 'rewriterule' && d.args[2] !== undefined) {
    const flag = d.args[2]
      .replace(/^\[|\]$/g, '')
      .split(',')
      .find((f) => /^(H|handler)=/i.test(f));
    if (flag !== undefined) return { handler: flag.slice(flag.indexOf('=') + 1), by: 'RewriteRule [H=]' };
  }
  return undefined;
}

/**
 * The socket part of "proxy:unix:PATH|…". mod_rewrite expands [H=…] before it
 * lower-cases it: a %{HTTP_HOST} there is upper-case by name, not by value, so
 * variables are left out (AddHandler expands nothing).
 */
function literalSocketPart(handler: string, expanded: boolean): string | undefined {
  const m = /^proxy:unix:([^|]*)/i.exec(handler);
  return expanded ? m?.[1]?.replace(/%\{[^}]*\}/g, '') : m?.[1];
}

export const handlerLowercasedCheck: ConfigCheck = {
  ids: ['handler-lowercased'],
  run(ctx) {
    // One socket named on several lines of one kind is one cause (AddHandler and
    // [H=] have different fixes). Apache starts; each request fails.
    const out = new FoldByCause({ stopsAtFirst: false });
    const flat = flatTree(ctx.model.tree);
    for (let i = 0; i < flat.nodes.length; i++) {
      const d = flat.nodes[i] as Directive;
      if ((d.name !== 'addhandler' && d.name !== 'rewriterule') || flat.live[i] === 0) continue;
      const h = lowercasedHandler(d);
      if (!h) continue;
      const sock = literalSocketPart(h.handler, h.by === 'RewriteRule [H=]');
      if (sock === undefined || asciiLower(sock) === sock) continue;
      const url = h.handler.slice('proxy:'.length);
      const named = parseProxyUrl(url, ctx.model.runtimeDir, 'handler').endpoint;
      const used = parseProxyUrl(asciiLower(url), ctx.model.runtimeDir, 'handler').endpoint;
      if (named?.kind !== 'unix' || used?.kind !== 'unix') continue;
      const module = h.by === 'AddHandler' ? 'mod_mime' : 'mod_rewrite';
      out.add(
        `${h.by}\0${named.path}`,
        () => `${d.file}:${d.line}: ${render(d)}`,
        () =>
          finding({
            id: 'handler-lowercased',
            severity: 'error',
            title: 'Apache lower-cases this handler, so it connects to another socket',
            message: `${h.by} names the socket ${named.path}, but ${module} lower-cases the handler name, so Apache connects to ${used.path}. Unless an application listens there too, every request this line sends answers 503 "Service Unavailable" (AH02454: FCGI: attempt to connect to Unix domain socket ${used.path} … failed), while the application waits on ${named.path}. SetHandler keeps the case.`,
            at: d,
            evidence: [d],
            fix:
              h.by === 'AddHandler'
                ? `Replace the AddHandler with <FilesMatch "\\.php$"> SetHandler "${h.handler}" </FilesMatch> (SetHandler keeps the case), or make the application listen on a lower-case path and name that path here.`
                : `Set the handler with SetHandler "${h.handler}" in a <FilesMatch> or <Location> (SetHandler keeps the case), or make the application listen on a lower-case path and name that path here.`,
          }),
      );
    }
    return out.findings();
  },
};
