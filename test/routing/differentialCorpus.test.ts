/**
 * The routing differential corpus without Apache: every case file is valid
 * and uses only placeholders it provides, the corpus is as large as issue 14
 * asks, and the comparison reports each difference on a line of its own.
 * (The run against a real Apache is test/integration/routing-differential.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { Route } from '../../src/routing/types.js';
import { compareRoute, loadRoutingCases, type Observation } from '../integration/harness/routingOracle.js';

const cases = loadRoutingCases();

describe('fixtures/routing', () => {
  it('holds at least 60 configuration × URL cases over about 20 configurations', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
    expect(cases.reduce((n, c) => n + c.requests.length, 0)).toBeGreaterThanOrEqual(60);
  });

  it('runs mod_proxy_fcgi and mod_fcgid, and the outcomes Apache gives cover fastcgi, static and status', () => {
    expect(cases.some((c) => c.modules.includes('proxy_fcgi'))).toBe(true);
    expect(cases.some((c) => c.modules.includes('fcgid'))).toBe(true);
    const outcomes = new Set(cases.flatMap((c) => c.requests.map((r) => r.expect.outcome)));
    expect([...outcomes].sort()).toEqual(['fastcgi', 'static', 'status']);
  });

  it('every placeholder a case uses is one its echo apps provide', () => {
    for (const c of cases) {
      const text = [
        c.config,
        ...Object.values({ ...c.docroot, ...c.extra }).map((f) => (typeof f === 'string' ? f : (f.content ?? ''))),
        ...c.requests.flatMap((r) => [r.url, r.host ?? '']),
      ].join('\n');
      if (text.includes('${SOCK}')) expect(c.apps, `${c.name} uses \${SOCK}`).toContain('unix');
      if (text.includes('${TCP}')) expect(c.apps, `${c.name} uses \${TCP}`).toContain('tcp');
    }
  });

  it('gives every file of a case its own content (a static answer names the one file Apache sent)', () => {
    for (const c of cases) {
      const contents = Object.values({ ...c.docroot, ...c.extra })
        .map((f) => (typeof f === 'string' ? f : f.content))
        .filter((t): t is string => t !== undefined);
      expect(new Set(contents).size, c.name).toBe(contents.length);
    }
  });

  it('keeps the unsupported list short', () => {
    const marked = cases.flatMap((c) => (c.unsupported ? c.requests : c.requests.filter((r) => r.unsupported)));
    expect(marked.length).toBeLessThanOrEqual(3);
  });
});

const base: Observation = {
  case: 'c',
  request: 'r',
  url: '/index.php',
  host: 'localhost',
  outcome: 'fastcgi',
  httpStatus: 200,
  sentHeaders: { accept: 'application/json', connection: 'close' },
  target: 'unix:/run/app.sock',
  params: { SCRIPT_NAME: '/index.php', REMOTE_PORT: '40000', PATH_INFO: '/x' },
};

function route(over: Partial<Route>): Route {
  return {
    url: 'http://localhost/index.php',
    request: {
      url: 'http://localhost/index.php',
      scheme: 'http',
      host: 'localhost',
      port: 80,
      method: 'GET',
      path: '/index.php',
      headers: {},
    },
    vhost: null,
    steps: [],
    file: null,
    handler: null,
    outcome: 'fastcgi',
    uncertain: [],
    htaccess: [],
    ...over,
  };
}

describe('compareRoute', () => {
  it('agrees when params are equal, REMOTE_PORT compared by presence only', () => {
    const r = route({
      backend: {
        module: 'proxy_fcgi',
        mode: 'proxy',
        target: 'unix:/run/app.sock',
        params: { SCRIPT_NAME: '/index.php', REMOTE_PORT: '1', PATH_INFO: '/x' },
      },
    });
    expect(compareRoute(base, r)).toEqual([]);
  });

  it('names every param that differs, is missing or is extra, and a different backend', () => {
    const r = route({
      backend: {
        module: 'proxy_fcgi',
        mode: 'proxy',
        target: '127.0.0.1:9000',
        params: { SCRIPT_NAME: '/other.php', PATH_TRANSLATED: '/srv/x' },
      },
    });
    expect(compareRoute(base, r)).toEqual([
      'backend: unix:/run/app.sock answered, model says 127.0.0.1:9000',
      'param PATH_INFO: Apache "/x", model sends none',
      'param PATH_TRANSLATED: Apache sends none, model "/srv/x"',
      'param REMOTE_PORT: Apache "40000", model sends none',
      'param SCRIPT_NAME: Apache "/index.php", model "/other.php"',
    ]);
  });

  it('compares outcome first, then status and Location, or the file Apache sent', () => {
    const status: Observation = { ...base, outcome: 'status', status: 301, location: 'http://localhost/app/' };
    expect(compareRoute(status, route({ outcome: 'static' }))).toEqual(['outcome: Apache status 301, model static']);
    expect(compareRoute(status, route({ outcome: 'status', status: 302, location: '/app/' }))).toEqual([
      'status: Apache 301, model 302',
      'location: Apache "http://localhost/app/", model "/app/"',
    ]);
    const file: Observation = { ...base, outcome: 'static', file: '/srv/a.txt' };
    expect(compareRoute(file, route({ outcome: 'static', file: '/srv/b.txt' }))).toEqual([
      'file: Apache sent /srv/a.txt, model says /srv/b.txt',
    ]);
  });
});
