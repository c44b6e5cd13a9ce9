/**
 * A 5,000-vhost tree: the route uses the per-tree indexes (vhost table,
 * section index), so a second route costs far less than the first (which
 * builds them) and stays well under the parse itself. Not a benchmark: a
 * guard against rescanning the whole tree per step.
 */
import { describe, expect, it } from 'vitest';
import { modelOf, trace } from './helpers.js';

describe('5,000 vhosts', () => {
  it('routes use the indexes, not rescans', () => {
    let conf = `<FilesMatch "\\.php$">\nSetHandler "proxy:unix:/run/php/fpm.sock|fcgi://localhost"\n</FilesMatch>\n`;
    for (let i = 0; i < 5000; i++)
      conf += `<VirtualHost *:80>\nServerName site${i}.example\nDocumentRoot /srv/site${i}\n<Directory /srv/site${i}>\nAllowOverride None\nRequire all granted\n</Directory>\n</VirtualHost>\n`;
    const t0 = performance.now();
    const model = modelOf(conf);
    const parse = performance.now() - t0;
    const files = { '/srv/site4999/index.php': '<?php', '/srv/site2500/index.php': '<?php' };
    const first = trace(model, files, 'http://site4999.example/index.php');
    expect(first.outcome).toBe('fastcgi');
    const t1 = performance.now();
    for (let i = 0; i < 20; i++)
      expect(trace(model, files, 'http://site2500.example/index.php').file).toBe('/srv/site2500/index.php');
    const per = (performance.now() - t1) / 20;
    expect(per).toBeLessThan(Math.max(20, parse / 20));
  });
});
