// `check --offline` on nginx (issue 17's performance target) against `nginx -t`
// on the same generated tree: SERVERS server blocks in as many files under
// sites-enabled/, each with a PHP location passing to PHP-FPM. Wall time and
// peak memory of each whole process, median of RUNS runs, alternating.
//
//   node bench/nginx-check.mjs [--servers N] [--runs N] [--shape inline|snippet]
//
// Target: check --offline ≤ 1× nginx -t, peak memory < 256 MiB. It runs the
// built CLI (bin/fcgi-doctor.cjs: `npm run build` first), so start-up counts
// on both sides; bench/nginx-read.mjs times the reader alone.
import { rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { argOf, BIN, ensureBuilt, tempDir, writeNginxTree } from './lib.mjs';
import { measure, table } from './measure.mjs';

const SERVERS = Number(argOf('--servers') ?? 5000);
const RUNS = Number(argOf('--runs') ?? 5);
// --shape snippet: each server includes a shared params file with no HTTP_PROXY line (as Debian's
// snippets/fastcgi-php.conf does), so check also writes one httpoxy note per server: 5,000 findings.
const SHAPE = argOf('--shape') ?? 'inline';
const NGINX = '/usr/sbin/nginx';

ensureBuilt();
const dir = tempDir();
try {
  if (SHAPE === 'snippet')
    writeFileSync(
      join(dir, 'fastcgi-php.conf'),
      'fastcgi_split_path_info ^(.+?\\.php)(/.*)$;\ntry_files $fastcgi_script_name =404;\nset $path_info $fastcgi_path_info;\nfastcgi_param PATH_INFO $path_info;\nfastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;\nfastcgi_param QUERY_STRING $query_string;\n',
    );
  const snippetSite = (i) => `server {
  listen 8080;
  server_name site${i}.example.com www.site${i}.example.com;
  root /var/www/site${i};
  index index.php index.html;
  location / {
    try_files $uri $uri/ /index.php?$args;
  }
  location ~ [^/]\\.php(/|$) {
    include ${dir}/fastcgi-php.conf;
    fastcgi_pass unix:/run/php/site${i}.sock;
  }
}
`;
  const root = writeNginxTree(
    dir,
    SERVERS,
    SHAPE === 'snippet'
      ? snippetSite
      : (i) => `server {
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
  const before = loadavg()[0];
  const results = measure(commands, RUNS);
  process.stdout.write(table(commands, results));
  const findings = (() => {
    try {
      return JSON.parse(results[1].last?.stdout ?? '').findings.length;
    } catch {
      return '?';
    }
  })();
  process.stdout.write(
    `shape ${SHAPE}: ${findings} findings written; ratio (wall) ${(results[1].wall / results[0].wall).toFixed(2)}× nginx -t; load average ${before.toFixed(2)} → ${loadavg()[0].toFixed(2)} (2 shared cores: above ~2, nginx's one thread fares better than node's several)\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
