// The nginx configuration reader (src/nginx, readNginxConfig) against `nginx -t`
// on the same generated tree: SERVERS server blocks in as many files under
// sites-enabled/, each with a PHP location passing to PHP-FPM. Wall time and
// peak memory of each whole process, median of RUNS runs, alternating.
//
//   node bench/nginx-read.mjs [--servers N] [--runs N]
//
// Ours runs the compiled reader (dist/nginx/index.js: `npm run build` first;
// this script builds when it is missing) in a fresh node process, so start-up
// counts on both sides. This is the reader alone, not `check --offline`.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { argOf, ROOT, tempDir, writeNginxTree } from './lib.mjs';
import { measure, table } from './measure.mjs';

const SERVERS = Number(argOf('--servers') ?? 5000);
const RUNS = Number(argOf('--runs') ?? 5);
const NGINX = '/usr/sbin/nginx';
const DIST = join(ROOT, 'dist', 'nginx', 'index.js');

if (!existsSync(DIST)) {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(DIST)) {
    process.stderr.write('build failed: dist/nginx/index.js is missing\n');
    process.exit(2);
  }
}

const dir = tempDir();
try {
  const root = writeNginxTree(
    dir,
    SERVERS,
    (i) => `server {
  listen 8080;
  server_name site${i}.example.com www.site${i}.example.com;
  root /var/www/site${i};
  index index.php index.html;
  location / {
    try_files $uri $uri/ /index.php?$args;
  }
  location ~ \\.php$ {
    fastcgi_split_path_info ^(.+\\.php)(/.+)$;
    fastcgi_pass unix:/run/php/site${i}.sock;
    fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
    fastcgi_param PATH_INFO $fastcgi_path_info;
    fastcgi_buffers 16 16k;
  }
}
`,
  );
  const script = `import { readNginxConfig } from ${JSON.stringify(DIST)};
const c = readNginxConfig(${JSON.stringify(root)}, { prefix: ${JSON.stringify(`${dir}/`)} });
process.stdout.write(\`files=\${c.files.length} issues=\${c.issues.length}\\n\`);`;
  const commands = [
    { label: `nginx -t (${SERVERS} servers)`, cmd: NGINX, args: ['-t', '-q', '-c', root, '-p', `${dir}/`] },
    { label: 'readNginxConfig', cmd: process.execPath, args: ['--input-type=module', '-e', script] },
  ];
  const results = measure(commands, RUNS);
  process.stdout.write(table(commands, results));
  process.stdout.write(`ours: ${results[1].last?.stdout?.trim()}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
