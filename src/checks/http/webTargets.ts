/**
 * What `check --http` asks the web server for: each URL discovery traced (the
 * representative scripts of each site, with the route the model predicts),
 * and, for a setup discovery found no script of, the URL urlForSetup guesses
 * (no prediction then). Each is sent where a visitor's connection arrives:
 * the vhost's own address and port, with the URL's host as the Host header.
 */
import { collectInScope, type VirtualHostInfo } from '../../apache/index.js';
import { parseVhostAddress } from '../../routing/apache/vhost.js';
import type { Route } from '../../routing/types.js';
import type { FastcgiSetup } from '../../setups/types.js';
import type { ConfigModel } from '../config/index.js';
import type { DiscoveredScript, Discovery } from '../discovery/discover.js';
import type { SetupRequestResult } from '../request/setupRequest.js';
import { urlForSetup } from './setupUrl.js';
import type { SetupUrl } from './webGet.js';

export interface WebTarget {
  url: SetupUrl;
  setup: FastcgiSetup;
  /** The discovered script and its route: what Apache should answer. Absent for a guessed URL. */
  script?: DiscoveredScript;
  route?: Route;
  /** The request step's direct request to the backend for the same URL, when it made one. */
  direct?: SetupRequestResult;
  /** Else its request to the same backend for another URL (one per endpoint): whether the backend answers at all. */
  sameBackend?: SetupRequestResult;
}

/** A cap on the URLs asked: each is a real request to a production site, bounded by the timeout. */
export const MAX_WEB_URLS = 20;

const ANY = new Set(['*', '0.0.0.0', '::', '']);

/** Where a wildcard vhost is reached: the Listen line's own address for the port, else the loopback. */
function listenAddress(model: ConfigModel, port: number): string {
  for (const { d } of collectInScope(model.tree, 'listen', undefined)) {
    const a = parseVhostAddress(d.args[0] ?? '');
    // "Listen 80" parses as an address with no port.
    if (a.port === undefined) continue;
    if (a.port === port && !ANY.has(a.ip)) return a.ip;
  }
  return '127.0.0.1';
}

/** The address a connection to this vhost on `port` arrives on: its <VirtualHost> address, or Listen's for "*". */
export function vhostAddress(model: ConfigModel, vhost: VirtualHostInfo | undefined, port: number): string {
  for (const written of vhost?.addresses ?? []) {
    const a = parseVhostAddress(written);
    if (a.port !== undefined && a.port !== port) continue;
    return ANY.has(a.ip) ? listenAddress(model, port) : a.ip;
  }
  return listenAddress(model, port);
}

function vhostOf(model: ConfigModel, setup: FastcgiSetup): VirtualHostInfo | undefined {
  const v = setup.vhost;
  return v ? model.vhosts.find((h) => h.file === v.file && h.line === v.line) : undefined;
}

/** A traced URL as the web request sends it; undefined for a URL node cannot parse. */
function fromTracedUrl(model: ConfigModel, script: DiscoveredScript): SetupUrl | undefined {
  let u: URL;
  try {
    u = new URL(script.url);
  } catch {
    return undefined;
  }
  const scheme = u.protocol === 'https:' ? 'https' : 'http';
  const port = u.port ? Number(u.port) : scheme === 'https' ? 443 : 80;
  return {
    scheme,
    host: vhostAddress(model, script.site.vhost, port),
    port,
    path: `${u.pathname}${u.search}`,
    hostHeader: u.host,
  };
}

/** The request step's request to the backend this route reaches (by setup, else by endpoint). */
function requestToBackend(route: Route, requests: readonly SetupRequestResult[]): SetupRequestResult | undefined {
  const b = route.backend;
  if (!b) return undefined;
  return (
    requests.find((r) => b.setupId !== undefined && r.setup.id === b.setupId) ??
    requests.find((r) => {
      const t = r.target;
      const names = t.kind === 'unix' ? [t.path, `unix:${t.path}`] : [`${t.host}:${t.port}`, `[${t.host}]:${t.port}`];
      return b.target !== null && names.includes(b.target);
    })
  );
}

function key(u: SetupUrl): string {
  return `${u.scheme ?? 'http'}://${u.host}:${u.port}${u.path}\u0000${u.hostHeader.toLowerCase()}`;
}

export interface WebTargets {
  targets: WebTarget[];
  notices: string[];
}

export function webTargets(
  model: ConfigModel,
  opts: {
    discovery?: Discovery;
    requests?: readonly SetupRequestResult[];
    exists: (path: string) => boolean;
    maxUrls?: number;
  },
): WebTargets {
  const max = opts.maxUrls ?? MAX_WEB_URLS;
  const notices: string[] = [];
  const all: WebTarget[] = [];
  const seen = new Set<string>();
  const add = (t: WebTarget) => {
    const k = key(t.url);
    if (seen.has(k)) return;
    seen.add(k);
    all.push(t);
  };
  const discovered = new Set<string>();
  for (const script of opts.discovery?.scripts ?? []) {
    if (!script.route) continue;
    const url = fromTracedUrl(model, script);
    if (!url) continue;
    discovered.add(script.setup.id);
    const direct = opts.requests?.find((r) => r.url === script.url);
    const sameBackend = direct ? undefined : requestToBackend(script.route, opts.requests ?? []);
    add({
      url,
      setup: script.setup,
      script,
      route: script.route,
      ...(direct ? { direct } : {}),
      ...(sameBackend ? { sameBackend } : {}),
    });
  }
  for (const setup of model.setups) {
    if (!setup.active || discovered.has(setup.id)) continue;
    const guessed = urlForSetup(model, setup, opts.exists);
    if (!guessed) {
      notices.push(
        `--http: no URL is known to reach ${setup.directive} (${setup.definedAt.file}:${setup.definedAt.line}); nothing asked`,
      );
      continue;
    }
    const sameBackend = opts.requests?.find((r) => r.setup.id === setup.id);
    add({
      url: { ...guessed, host: vhostAddress(model, vhostOf(model, setup), guessed.port) },
      setup,
      ...(sameBackend ? { sameBackend } : {}),
    });
  }
  if (all.length > max)
    notices.push(`--http: ${all.length} URLs were traced; the first ${max} were asked through the web server.`);
  return { targets: all.slice(0, max), notices };
}
