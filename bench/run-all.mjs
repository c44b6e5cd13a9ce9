// `npm run bench`: every benchmark in turn, each printing its figures beside
// its reference tool (node -e 0, fastcgi-client, grep, apache2 -t, nginx -t). Quick
// sizes by default; run a script on its own for the full figures.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const benches = [
  ['ping-startup.mjs', '15'],
  ['status-startup.mjs', '15'],
  ['ping-throughput.mjs', '20000', '32', '3'],
  ['logs-throughput.mjs', '--size', '256M', '--quick'],
  ['config-offline.mjs', '--runs', '5'],
  ['trace-route.mjs', '--runs', '5'],
  ['trace-nginx.mjs', '--runs', '3'],
  ['check-vhost.mjs', '--runs', '3'],
  ['metrics-endpoint.mjs', '15'],
];
let failed = 0;
for (const [script, ...args] of benches) {
  process.stdout.write(`\n## ${script} ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [join(here, script), ...args], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
