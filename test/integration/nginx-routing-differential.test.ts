/**
 * The nginx routing model held to the real nginx (issue 17, section 2).
 *
 * Every case of fixtures/routing-nginx/<name>/case.yaml runs against a real
 * nginx (one per case, cases one after another) with `fcgi-doctor serve` as
 * the FastCGI app; each request's outcome (forwarded to the app with these
 * params / a file nginx sent itself / a status) is compared with what
 * routeNginx says for the same request on the same nginx.conf, read by
 * readNginxConfig. Every param is compared by value, REMOTE_PORT by presence
 * (it changes with each connection).
 *
 *   NGINX_ROUTING_ORACLE_ONLY=1 prints what nginx does ("nginx-routing-oracle {...}")
 *   without the model; NGINX_ROUTING_CASE=<substring> runs only matching cases.
 *
 * A case or request marked `unsupported: reason` must make the model say so
 * in `uncertain`; once the model answers it right without doubt, the mark
 * must go (the test says so).
 */
import { realpathSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNginxConfig } from '../../src/nginx/index.js';
import type { NginxConfig } from '../../src/nginx/types.js';
import { routeNginx } from '../../src/routing/nginx/index.js';
import { liveFileSystem } from '../../src/system/fileSystem.js';
import { nginxVersion } from './harness/nginx.js';
import {
  loadNginxRoutingCases,
  type NginxOracleRun,
  nginxRouteRequestOf,
  observeNginx,
  startNginxOracle,
} from './harness/nginxRoutingOracle.js';
import { BINARIES, hasBinary, requireBuiltCli } from './harness/requireServer.js';
import { compareRoute, expectRouteAgrees } from './harness/routingOracle.js';

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

const oracleOnly = process.env.NGINX_ROUTING_ORACLE_ONLY === '1';
const only = process.env.NGINX_ROUTING_CASE;
const cases = loadNginxRoutingCases().filter((c) => only === undefined || c.name.includes(only));
const ready = requireBuiltCli() && hasBinary(BINARIES.nginx);

describe.skipIf(!ready)('routing: the nginx model against a real nginx', () => {
  const fs = liveFileSystem();
  const version = ready ? nginxVersion() : undefined;

  for (const c of cases) {
    describe(c.name, () => {
      let run: NginxOracleRun | undefined;
      let config: NginxConfig | undefined;
      beforeAll(async () => {
        run = await startNginxOracle(c);
        if (oracleOnly) return;
        // The model reads the very nginx.conf the harness wrote, with nginx's -p.
        config = readNginxConfig(run.nginx.confPath, { prefix: run.nginx.prefix });
        expect(
          config.issues.filter((i) => i.severity === 'emerg'),
          'reading the configuration',
        ).toEqual([]);
      });
      afterAll(async () => {
        await run?.stop();
      });

      for (const r of c.requests) {
        it(`${r.name}: ${r.method ?? 'GET'} ${r.url} (Host ${r.host ?? 'localhost'})`, async () => {
          if (!run) throw new Error('the oracle did not start');
          const obs = await observeNginx(run, c, r);
          if (oracleOnly) console.log(`nginx-routing-oracle ${JSON.stringify(obs)}`);
          // nginx's answer is what the case recorded: else the machine changed, not the model.
          expect(
            { outcome: obs.outcome, ...(obs.outcome === 'status' ? { status: obs.status } : {}) },
            `nginx's answer (error log:\n${run.nginx.errorLog().slice(-2000)})`,
          ).toEqual({
            outcome: r.expect.outcome,
            ...(r.expect.status !== undefined ? { status: r.expect.status } : {}),
          });
          if (oracleOnly) return;

          const request = nginxRouteRequestOf(run, r, obs);
          const route = routeNginx(config as NginxConfig, request, {
            fs,
            ...(version ? { nginxVersion: version } : {}),
          });
          // The oracle knows a sent file by its content, under its real path; nginx opened it through
          // the path the model names (a symbolic link of the root, as a deployment makes it).
          const sameFile = route.file !== null && obs.file !== undefined && realpathOrSelf(route.file) === obs.file;
          const mismatches = compareRoute(obs, sameFile ? { ...route, file: obs.file ?? null } : route);
          expectRouteAgrees(c, r, route, mismatches);
          if ((r.unsupported ?? c.unsupported) !== undefined) return;
          expect(route.uncertain, 'a route the model answered right must not be in doubt').toEqual([]);
          // compareRoute checks REMOTE_PORT by presence (it changes per connection); the model was told
          // this connection's port, so here it must be the very value nginx sent.
          if (obs.params?.REMOTE_PORT !== undefined)
            expect(route.backend?.params.REMOTE_PORT, 'REMOTE_PORT').toBe(obs.params.REMOTE_PORT);
        });
      }
    });
  }
});
