// The generated Apache tree the configuration benchmarks share: N vhosts in N
// included files, each with one FastCGI setup, cycling through the three
// modules' usual forms. With `files`, each vhost's DocumentRoot is created
// under the tree and holds that many files (a PHP front controller, scripts,
// static assets, a subdirectory), so the walk of `check` has real work.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MODS = '/usr/lib/apache2/modules';

/** One vhost's file: a FastCGI setup of one of the three usual kinds. */
export function vhostText(i, docroot) {
  const name = `site${i}.example`;
  const setups = [
    `    <FilesMatch \\.php$>\n        SetHandler "proxy:unix:/run/php/site${i}.sock|fcgi://site${i}/"\n    </FilesMatch>`,
    `    ProxyPassMatch ^/(.*\\.php(/.*)?)$ fcgi://127.0.0.1:${9000 + (i % 1000)}${docroot}/$1`,
    `    <Directory ${docroot}>\n        Options +ExecCGI\n        AddHandler fcgid-script .fcgi\n        Require all granted\n    </Directory>`,
  ];
  return `<VirtualHost *:18080>\n    ServerName ${name}\n    DocumentRoot ${docroot}\n${setups[i % 3]}\n</VirtualHost>\n`;
}

/**
 * Writes httpd.conf and sites/NNNNN.conf under `dir`. `docroots`: 'var-www'
 * (DocumentRoot /var/www/siteN.example, not created) or 'tree' (created under
 * dir/www, each with `files` files).
 */
export function generateTree(dir, { vhosts, docroots = 'var-www', files = 0 }) {
  mkdirSync(join(dir, 'sites'), { recursive: true });
  writeFileSync(
    join(dir, 'httpd.conf'),
    [
      `LoadModule mpm_event_module ${MODS}/mod_mpm_event.so`,
      `LoadModule authz_core_module ${MODS}/mod_authz_core.so`,
      `LoadModule mime_module ${MODS}/mod_mime.so`,
      `LoadModule dir_module ${MODS}/mod_dir.so`,
      `LoadModule alias_module ${MODS}/mod_alias.so`,
      `LoadModule proxy_module ${MODS}/mod_proxy.so`,
      `LoadModule proxy_fcgi_module ${MODS}/mod_proxy_fcgi.so`,
      `LoadModule fcgid_module ${MODS}/mod_fcgid.so`,
      'DefaultRuntimeDir /tmp',
      `PidFile ${dir}/httpd.pid`,
      'ErrorLog /dev/null',
      'ServerName bench.test',
      'Listen 127.0.0.1:18080',
      'DirectoryIndex index.php index.html',
      'Include sites/*.conf',
      '',
    ].join('\n'),
  );
  for (let i = 0; i < vhosts; i++) {
    const docroot = docroots === 'tree' ? join(dir, 'www', `site${i}.example`) : `/var/www/site${i}.example`;
    writeFileSync(join(dir, 'sites', `${String(i).padStart(5, '0')}.conf`), vhostText(i, docroot));
    if (docroots === 'tree') writeDocroot(docroot, i, files);
  }
}

/** `files` files: index, scripts of the vhost's kind, assets, half of them one level down. */
function writeDocroot(docroot, i, files) {
  mkdirSync(join(docroot, 'assets'), { recursive: true });
  const ext = i % 3 === 2 ? 'fcgi' : 'php';
  for (let k = 0; k < files; k++) {
    const sub = k % 2 === 0 ? '' : 'assets';
    const name =
      k === 0 ? `index.${ext}` : k % 4 === 1 ? `page${k}.${ext}` : k % 4 === 3 ? `style${k}.css` : `img${k}.png`;
    const text = name.endsWith('.fcgi')
      ? '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho ok\n'
      : '<?php echo 1;\n';
    writeFileSync(join(docroot, sub, name), text, { mode: name.endsWith('.fcgi') ? 0o755 : 0o644 });
  }
}
