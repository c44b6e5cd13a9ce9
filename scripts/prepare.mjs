// `prepare`: builds dist/ whenever npm installs this package from source
// (`npm ci`, `npm install -g .` from a checkout, a git dependency). A global
// install from a folder runs it without the dev dependencies the build needs,
// so fetch them first in that case.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// Under `npm install -g`, npm's environment says "global": the build's own installs are local.
const env = { ...process.env, npm_config_global: 'false', npm_config_location: 'project' };
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

const local = (name) => {
  try {
    return require.resolve(name).startsWith(process.cwd());
  } catch {
    return false;
  }
};
if (!local('typescript') || !local('esbuild')) {
  run('npm', ['install', '--include=dev', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund']);
}
run('npm', ['run', 'build', '--silent']);
