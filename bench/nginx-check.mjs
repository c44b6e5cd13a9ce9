// `check --offline` on nginx (issue 17's performance target) against `nginx -t`
// on the same generated tree: SERVERS server blocks in as many files under
// sites-enabled/, each with a PHP location passing to PHP-FPM. Wall time and
// peak memory of each whole process, median of RUNS runs, alternating.
//
//   node bench/nginx-check.mjs [--servers N] [--runs N]
//
// Target: check --offline ≤ 1× nginx -t, peak memory < 256 MiB. It runs the
// built CLI (bin/fcgi-doctor.cjs: `npm run build` first), so start-up counts
// on both sides; bench/nginx-read.mjs times the reader alone.
import { rmSync } from 'node:fs';
import { BIN, ensureBuilt, tempDir, writeNginxTree } from './lib.mjs';
import { measure, table } from './measure.mjs';

const argOf = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const SERVERS = Number(argOf('--servers') ?? 5000);
const RUNS = Number(argOf('--runs') ?? 5);
const NGINX = '/usr/sbin/nginx';

ensureBuilt();
const dir = tempDir();
try {
  const root = writeNginxTree(
    dir,
    SERVERS,
    (i) => `server {
  listen 8080;
  server_name site${i}.example.com;
  root /var/www/site${i};
  index index.php index.html;
  location / {
    try_files $uri $uri/ /index.php?$args;
  }
  location ~ \\.php$ {
    try_files $uri =404;
    fastcgi_pass unix:/run/php/site${i}.sock;
    fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
    fastcgi_param HTTP_PROXY "";
  }
}
`,
  );
  const commands = [
    { label: `nginx -t (${SERVERS} servers)`, cmd: NGINX, args: ['-t', '-q', '-c', root, '-p', `${dir}/`] },
    {
      label: 'check --offline --server nginx',
      cmd: process.execPath,
      args: [BIN, 'check', '--offline', '--server', 'nginx', '--root', root, '--format', 'json'],
    },
  ];
  const results = measure(commands, RUNS);
  process.stdout.write(table(commands, results));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
