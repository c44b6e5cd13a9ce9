/**
 * The Apache routing model held to the real Apache (issue 14, section 4).
 *
 * Every case of fixtures/routing/<name>/case.yaml runs against a real Apache
 * 2.4 (one per case, cases one after another) with `fcgi-doctor serve` as the
 * FastCGI app; each request's outcome (forwarded to the app with these
 * params / a file Apache sent itself / a status) is compared with what
 * routeApache says for the same request on the same httpd.conf.
 *
 * To see what Apache does without the model (to iterate on the model):
 *   ROUTING_ORACLE_ONLY=1 npx vitest run test/integration/routing-differential.test.ts
 * prints one JSON line per request ("routing-oracle {...}") and skips the comparison.
 * ROUTING_CASE=<substring> runs only the cases whose name contains it.
 *
 * A case or request marked `unsupported: reason` must make the model say so
 * in `uncertain` instead of answering wrongly; once the model answers it right
 * without doubt, the mark must go (the test says so).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeConfig } from '../../src/checks/config/index.js';
import { routeApache } from '../../src/routing/apache/index.js';
import type { ApacheRoutingModel } from '../../src/routing/apache/model.js';
import { liveFileSystem } from '../../src/system/fileSystem.js';
import { apacheServerSoftware, type ServerSoftware } from '../../src/system/serverVersion.js';
import { BINARIES, hasBinary, requireBuiltCli } from './harness/requireServer.js';
import {
  compareRoute,
  expectRouteAgrees,
  loadRoutingCases,
  observe,
  routeRequestOf,
  startOracle,
  type OracleRun,
} from './harness/routingOracle.js';

const oracleOnly = process.env.ROUTING_ORACLE_ONLY === '1';
const only = process.env.ROUTING_CASE;
const cases = loadRoutingCases().filter((c) => only === undefined || c.name.includes(only));
const needsFcgid = cases.some((c) => c.modules.includes('fcgid'));
const ready =
  requireBuiltCli() &&
  hasBinary(BINARIES.apache) &&
  hasBinary(BINARIES.modProxyFcgi) &&
  (!needsFcgid || hasBinary(BINARIES.modFcgid));

describe.skipIf(!ready)('routing: the model against a real Apache', () => {
  const fs = liveFileSystem();

  for (const c of cases) {
    describe(c.name, () => {
      let run: OracleRun | undefined;
      let model: ApacheRoutingModel | undefined;
      let software: ServerSoftware = {};
      beforeAll(async () => {
        run = await startOracle(c);
        if (oracleOnly) return;
        // The model reads the very httpd.conf the harness wrote (no checks: only the model is wanted).
        const analysed = analyzeConfig({ root: run.apache.confPath, serverRoot: run.apache.serverRoot, checks: [] });
        expect(analysed.internalErrors, 'reading the configuration').toEqual([]);
        model = analysed.model;
        // SERVER_SOFTWARE learnt as `trace` learns it: `apache2 -v` and the loaded modules' version components.
        software = apacheServerSoftware(model.modulesLoaded);
      });
      afterAll(async () => {
        await run?.stop();
      });

      for (const r of c.requests) {
        it(`${r.name}: ${r.method ?? 'GET'} ${r.url} (Host ${r.host ?? 'localhost'})`, async () => {
          if (!run) throw new Error('the oracle did not start');
          const obs = await observe(run, c, r);
          if (oracleOnly) console.log(`routing-oracle ${JSON.stringify(obs)}`);
          // Apache's answer is what the case recorded: else the machine changed, not the model.
          expect(
            { outcome: obs.outcome, ...(obs.outcome === 'status' ? { status: obs.status } : {}) },
            `Apache's answer (error log:\n${run.apache.errorLog().slice(-2000)})`,
          ).toEqual({
            outcome: r.expect.outcome,
            ...(r.expect.status !== undefined ? { status: r.expect.status } : {}),
          });
          if (oracleOnly) return;

          const request = routeRequestOf(run, r, obs);
          const route = routeApache(model as ApacheRoutingModel, request, {
            fs,
            ...software,
            environment: run.apache.environment,
          });
          const mismatches = compareRoute(obs, route);
          expectRouteAgrees(c, r, route, mismatches);
        });
      }
    });
  }
});
