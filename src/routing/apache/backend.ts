/**
 * The FastCGI backend a handler names: the module, how it runs (setups'
 * SetupMode), the endpoint as a target `ping` accepts ("unix:/run/php/x.sock",
 * "127.0.0.1:9000", "[::1]:9000": the unix: prefix says a socket even to a
 * reader who does not know ping), and the configuration model's setup it
 * belongs to.
 */
import type { Directive } from '../../apache/index.js';
import { parseProxyUrl } from '../../setups/proxyUrl.js';
import type { Endpoint, FastcgiSetup } from '../../setups/types.js';
import type { BackendChoice } from './seams.js';

export function formatEndpoint(e: Endpoint): string {
  if (e.kind === 'unix') return `unix:${e.path}`;
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

function setupAt(setups: readonly FastcgiSetup[], module: string, d: Directive | undefined): FastcgiSetup | undefined {
  if (!d) return undefined;
  return setups.find((s) => s.module === module && s.definedAt.file === d.file && s.definedAt.line === d.line);
}

/** mod_proxy_fcgi: "proxy:unix:/sock|fcgi://localhost" (SetHandler) or a ProxyPass/RewriteRule [P] URL. */
export function proxyBackend(
  url: string,
  runtimeDir: string,
  setups: readonly FastcgiSetup[],
  by: Directive | undefined,
  context: 'handler' | 'proxypass',
): { choice?: BackendChoice; error?: string; scheme?: string } {
  const p = parseProxyUrl(url, runtimeDir, context);
  if (p.scheme && p.scheme !== 'fcgi') return { scheme: p.scheme };
  if (!p.endpoint) return { error: p.errors[0] ?? `"${url}" names no FastCGI backend` };
  const choice: BackendChoice = {
    module: 'proxy_fcgi',
    mode: 'proxy',
    target: formatEndpoint(p.endpoint),
    endpoint: p.endpoint,
  };
  const setup = setupAt(setups, 'proxy_fcgi', by);
  if (setup) choice.setupId = setup.id;
  return { choice };
}

export function fcgidBackend(
  script: string,
  setups: readonly FastcgiSetup[],
  by: Directive | undefined,
): BackendChoice {
  const choice: BackendChoice = { module: 'fcgid', mode: 'fcgid', target: null, script };
  // The setup defined on the handler line that decided (no guess when the line defines none).
  const setup = setupAt(setups, 'fcgid', by);
  if (setup) choice.setupId = setup.id;
  return choice;
}

/**
 * mod_fastcgi: the script's FastCgiServer (static, started by Apache),
 * FastCgiExternalServer (external: the endpoint it names), or neither
 * (dynamic: the process manager starts it on demand).
 */
export function fastcgiBackend(script: string, setups: readonly FastcgiSetup[], by?: Directive): BackendChoice {
  const setup = setups.find(
    (s) => s.module === 'fastcgi' && s.script === script && (s.mode === 'static' || s.mode === 'external'),
  );
  if (setup) {
    const choice: BackendChoice = {
      module: 'fastcgi',
      mode: setup.mode,
      target: setup.mode === 'external' && setup.endpoint ? formatEndpoint(setup.endpoint) : null,
      script,
      setupId: setup.id,
    };
    if (setup.endpoint && setup.mode === 'external') choice.endpoint = setup.endpoint;
    return choice;
  }
  const dyn = setupAt(setups, 'fastcgi', by);
  const choice: BackendChoice = { module: 'fastcgi', mode: 'dynamic', target: null, script };
  if (dyn) choice.setupId = dyn.id;
  return choice;
}
