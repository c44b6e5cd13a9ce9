/**
 * proxy-url-invalid: a malformed unix:/fcgi:// target — a socket without
 * "|fcgi://…", "unix://run/x.sock", spaces or "=" in the path, no scheme after
 * the bar, or fcgi://host with no port (port 8000, where PHP-FPM's 9000 was
 * surely meant), or a socket path longer than Apache can use.
 *
 * Some of these stop Apache at startup (`apache2 -t` fails: a ProxyPass,
 * ProxyPassMatch or BalancerMember worker's URL is read then), others fail
 * every request of a server that starts (SetHandler, AddHandler, RewriteRule
 * [P]): proxyUrlLinesStoppingApache() tells which, so that server-not-running
 * (through stopsApache.ts) names only the first kind.
 */
import { parsedProxyUrl, type FastcgiSetup, type ProxyUrl, type ProxyUrlContext } from '../../setups/index.js';
import type { ConfigCheck, ConfigModel } from './context.js';
import { FoldByCause } from './fold.js';
import { at, finding, type FindingInput } from './make.js';

/**
 * The longest socket path mod_proxy can connect to: it passes the path without
 * its NUL (addrlen = offsetof(sun_path) + strlen), and Linux takes up to the
 * whole 108 bytes of sun_path that way; one more is EINVAL (verified on 2.4).
 */
const APACHE_UDS_PATH_MAX = 108;

/**
 * The longest socket path of a worker defined at startup (ProxyPass,
 * ProxyPassMatch, BalancerMember): proxy_util.c ap_proxy_define_worker_ex copies
 * it into uds_path[PROXY_WORKER_MAX_NAME_SIZE] (96 in 2.4's mod_proxy.h, with its
 * NUL) and a longer one is a configuration error, "ProxyPass worker uds path (…)
 * too long": 95 bytes start, 96 do not (verified with apache2 -t, 2.4.71).
 * SetHandler, AddHandler and RewriteRule [P] define no worker: they go through the
 * default one and only the connect limit above applies.
 */
const APACHE_WORKER_UDS_PATH_MAX = 95;

/** Does this setup's backend URL define a worker when Apache reads the configuration? */
function definesWorker(s: FastcgiSetup): boolean {
  return s.reachedBy.some((m) => m.kind === 'ProxyPass' || m.kind === 'ProxyPassMatch' || m.kind === 'BalancerMember');
}

function urlContext(s: FastcgiSetup): ProxyUrlContext {
  const first = s.reachedBy[0];
  if (first && (first.kind === 'SetHandler' || first.handler)) return 'handler';
  return first?.kind === 'RewriteRule' ? 'rewrite' : 'proxypass';
}

/** The checked setups and their parsed URLs: active mod_proxy_fcgi setups with a URL fixed at startup. */
function* checkedUrls(model: ConfigModel): Generator<{ s: FastcgiSetup; parsed: ProxyUrl }> {
  for (const s of model.setups) {
    if (s.module !== 'proxy_fcgi' || !s.backendUrl || !s.active) continue;
    if (s.backendUrl.includes('%{')) continue;
    yield { s, parsed: parsedProxyUrl(s, s.backendUrl, model.runtimeDir, urlContext(s)) };
  }
}

function workerPathTooLong(s: FastcgiSetup, parsed: ProxyUrl): boolean {
  const ep = parsed.endpoint;
  return (
    parsed.errors.length === 0 &&
    ep?.kind === 'unix' &&
    definesWorker(s) &&
    Buffer.byteLength(ep.path) > APACHE_WORKER_UDS_PATH_MAX
  );
}

/**
 * The config lines ("file:line") of the setups whose backend URL makes Apache
 * refuse to start: their proxy-url-invalid errors are reasons it is down; the
 * others (a 503 on every request) are not.
 */
export function proxyUrlLinesStoppingApache(model: ConfigModel): Set<string> {
  const out = new Set<string>();
  for (const { s, parsed } of checkedUrls(model))
    if ((parsed.fatalAtStartup && definesWorker(s)) || workerPathTooLong(s, parsed)) out.add(at(s.definedAt));
  return out;
}

export const proxyUrlInvalidCheck: ConfigCheck = {
  ids: ['proxy-url-invalid'],
  run(ctx) {
    // One finding per cause: the same address (or socket path) on several lines is
    // one problem. Those that stop Apache say it stops at the first; the others
    // (a 503 per request) must not.
    const stopping = new FoldByCause();
    const failing = new FoldByCause({ stopsAtFirst: false });
    for (const { s, parsed } of checkedUrls(ctx.model)) {
      const line = () => `${at(s.definedAt)}: ${s.directive}`;
      const add = (fold: FoldByCause, f: Omit<FindingInput, 'at' | 'evidence'>) =>
        fold.add(f.message, line, () => finding({ ...f, at: s.definedAt, evidence: [line()] }));
      const urlFold = parsed.fatalAtStartup && definesWorker(s) ? stopping : failing;
      for (const e of parsed.errors) {
        add(urlFold, {
          id: 'proxy-url-invalid',
          severity: 'error',
          title: 'The FastCGI backend address is malformed',
          message: e,
          fix: 'Write the target as "unix:/absolute/path.sock|fcgi://localhost/" for a Unix socket, or "fcgi://127.0.0.1:9000/" for TCP.',
        });
      }
      const ep = parsed.endpoint;
      if (ep?.kind === 'unix' && workerPathTooLong(s, parsed)) {
        const directive = s.reachedBy.some((m) => m.kind === 'BalancerMember') ? 'BalancerMember' : 'ProxyPass';
        add(stopping, {
          id: 'proxy-url-invalid',
          severity: 'error',
          title: 'The socket path is too long for a ProxyPass worker: Apache refuses to start',
          message: `${ep.path} is ${Buffer.byteLength(ep.path)} bytes long; a worker that ProxyPass, ProxyPassMatch or BalancerMember defines holds a socket path of at most ${APACHE_WORKER_UDS_PATH_MAX} bytes. Apache refuses to start: "${directive} worker uds path (${ep.path}) too long".`,
          fix: 'Make the application listen on a shorter path (under /run, for example /run/php/app.sock) and name that path here.',
        });
      } else if (
        parsed.errors.length === 0 &&
        ep?.kind === 'unix' &&
        Buffer.byteLength(ep.path) > APACHE_UDS_PATH_MAX
      ) {
        add(failing, {
          id: 'proxy-url-invalid',
          severity: 'error',
          title: 'The socket path is too long for Apache to connect to',
          message: `${ep.path} is ${Buffer.byteLength(ep.path)} bytes long; a Unix socket address holds at most ${APACHE_UDS_PATH_MAX}. Apache starts, but every request answers 503 and the error log says "(22)Invalid argument: AH02454: FCGI: attempt to connect to Unix domain socket … failed", even while the application listens there.`,
          fix: 'Make the application listen on a shorter path (under /run, for example /run/php/app.sock) and name that path here.',
        });
      }
      if (parsed.errors.length === 0 && ep?.kind === 'tcp' && ep.defaultPort) {
        add(failing, {
          id: 'proxy-url-invalid',
          severity: 'warning',
          title: 'fcgi:// without a port connects to port 8000',
          message: `"${s.backendUrl}" names no port, so Apache connects to ${ep.host}:8000 (the fcgi:// default), not 9000 where PHP-FPM usually listens.`,
          fix: `Write the port explicitly, for example fcgi://${ep.host}:9000/.`,
        });
      }
    }
    return [...stopping.findings(), ...failing.findings()];
  },
};
