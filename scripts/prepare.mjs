// `prepare`: builds dist/ whenever npm installs this package from source
// (`npm ci`, `npm install -g .` from a checkout, a git dependency). A global
// install from a folder runs it without the dev dependencies the build needs,
// so fetch them first in that case.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

try {
  require.resolve('typescript');
  require.resolve('esbuild');
} catch {
  run('npm', ['install', '--include=dev', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund']);
}
run('npm', ['run', 'build', '--silent']);
