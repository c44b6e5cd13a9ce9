// `fcgi-doctor trace URL --offline --server nginx` against `nginx -t` on the
// same generated tree: SERVERS server blocks in as many files under
// sites-enabled/ (each with a PHP location, Debian's snippet style), the URL
// naming the middle one. Wall time and peak memory of each whole command,
// medians of RUNS runs, alternating (bench/measure.mjs).
//
//   node bench/trace-nginx.mjs [--servers N] [--runs N]
//
// Both sides read and check the whole tree; trace also builds the model and
// routes the request (its document root exists, so try_files finds the
// script). `nginx -t` also opens the listening sockets' configuration and the
// logs, which is why the tree logs inside its own directory.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { argOf, BIN, ROOT, tempDir, writeNginxTree } from './lib.mjs';
import { measure, table } from './measure.mjs';

const SERVERS = Number(argOf('--servers') ?? 5000);
const RUNS = Number(argOf('--runs') ?? 5);
const NGINX = '/usr/sbin/nginx';

if (!existsSync(NGINX)) {
  process.stderr.write(`${NGINX} is missing: install nginx (npm run test:servers)\n`);
  process.exit(2);
}
if (!existsSync(join(ROOT, 'dist', 'bundle', 'main.cjs'))) {
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.exit(2);
}

const dir = tempDir();
try {
  const site = Math.floor(SERVERS / 2);
  writeFileSync(
    join(dir, 'fastcgi.conf'),
    `fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
fastcgi_param QUERY_STRING $query_string;
fastcgi_param REQUEST_METHOD $request_method;
fastcgi_param SCRIPT_NAME $fastcgi_script_name;
fastcgi_param REQUEST_URI $request_uri;
fastcgi_param DOCUMENT_ROOT $document_root;
fastcgi_param SERVER_PROTOCOL $server_protocol;
fastcgi_param SERVER_NAME $server_name;
fastcgi_param SERVER_PORT $server_port;
`,
  );
  const root = writeNginxTree(
    dir,
    SERVERS,
    (i) => `server {
  listen 8080;
  server_name site${i}.example.com www.site${i}.example.com;
  root ${dir}/www/site${i};
  index index.php index.html;
  location / {
    try_files $uri $uri/ /index.php?$args;
  }
  location ~ [^/]\\.php(/|$) {
    fastcgi_split_path_info ^(.+?\\.php)(/.*)$;
    try_files $fastcgi_script_name =404;
    set $path_info $fastcgi_path_info;
    fastcgi_param PATH_INFO $path_info;
    include fastcgi.conf;
    fastcgi_pass unix:/run/php/site${i}.sock;
  }
}
`,
  );
  // The routed site's script exists, as on a real server.
  mkdirSync(join(dir, 'www', `site${site}`), { recursive: true });
  writeFileSync(join(dir, 'www', `site${site}`, 'index.php'), '<?php echo 1;\n');
  const url = `http://site${site}.example.com:8080/index.php/extra?x=1`;
  const commands = [
    {
      label: `nginx -t (${SERVERS} servers in ${SERVERS} files)`,
      cmd: NGINX,
      args: ['-t', '-q', '-c', root, '-p', `${dir}/`],
    },
    {
      label: 'fcgi-doctor trace --offline --server nginx',
      cmd: process.execPath,
      args: [BIN, 'trace', url, '--offline', '--server', 'nginx', '--root', root, '--format', 'json'],
    },
  ];
  const results = measure(commands, RUNS);
  process.stdout.write(table(commands, results));
  const out = results[1].last?.stdout ?? '';
  try {
    const doc = JSON.parse(out);
    const b = doc.trace?.backend;
    process.stdout.write(
      `ours: ${doc.trace?.outcome} → ${b?.target ?? '-'}, SCRIPT_FILENAME ${b?.params?.SCRIPT_FILENAME ?? '-'}, PATH_INFO ${b?.params?.PATH_INFO ?? '-'}, ${doc.trace?.steps?.length ?? 0} steps, ${doc.findings?.length ?? 0} findings\n`,
    );
  } catch {
    process.stdout.write(`ours: no JSON (${results[1].last?.stderr?.slice(0, 300) ?? ''})\n`);
  }
  process.stdout.write(`ratio (wall): ${(results[1].wall / results[0].wall).toFixed(2)}× nginx -t\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
