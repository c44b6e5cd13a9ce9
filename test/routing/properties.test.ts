/**
 * Whatever the path, the route never throws, and a file it names stays under
 * the DocumentRoot (or the Alias target) unless Apache refused the request:
 * ap_normalize_path resolves every "..", %2e included, before translate_name.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { modelOf, trace } from './helpers.js';
import { normalizePath, requestUri } from '../../src/routing/apache/uri.js';
import { parseRouteUrl } from '../../src/routing/url.js';

const CONF = `<FilesMatch "\\.php$">
SetHandler "proxy:unix:/run/php/fpm.sock|fcgi://localhost"
</FilesMatch>
<VirtualHost *:80>
ServerName p.example
DocumentRoot /srv/p
Alias /alias /opt/a
</VirtualHost>
`;
const FILES = { '/srv/p/index.php': '<?php', '/srv/p/d/x.html': 'x', '/opt/a/y.php': '<?php', '/etc/passwd': 'root' };

const segment = fc.oneof(
  fc.constantFrom(
    '.',
    '..',
    '%2e',
    '%2E%2e',
    '.%2e',
    '',
    'd',
    'x.html',
    'index.php',
    '%2f',
    '%00',
    '%ff',
    '%c3%a9',
    '%',
    '%zz',
    'alias',
    'y.php',
    'etc',
    'passwd',
  ),
  fc.string({ maxLength: 6 }),
);
const urlPath = fc.array(segment, { maxLength: 12 }).map((xs) => `/${xs.join('/')}`);

describe('route properties', () => {
  const model = modelOf(CONF);
  it('never throws, never maps outside the docroot or the alias target', () => {
    fc.assert(
      fc.property(urlPath, (p) => {
        const req = parseRouteUrl(`http://p.example${p}`);
        if ('error' in req) return;
        const r = trace(model, FILES, req.url);
        if (r.file !== null) expect(r.file.startsWith('/srv/p') || r.file.startsWith('/opt/a')).toBe(true);
        if (r.outcome === 'status') expect(typeof r.status).toBe('number');
      }),
      { numRuns: 400 },
    );
  });
  it('a 100 KB path is a 414, not a hang or a throw', () => {
    const r = trace(model, FILES, `http://p.example/${'a/'.repeat(50_000)}`);
    expect(r.status).toBe(414);
  });
  it('normalisation is idempotent and leaves no dot segment', () => {
    fc.assert(
      fc.property(urlPath, (p) => {
        const n = normalizePath(p, { decodeUnreserved: true, mergeSlashes: true });
        if (!n.ok) return;
        expect(normalizePath(n.path, { decodeUnreserved: true, mergeSlashes: true }).path).toBe(n.path);
        expect(n.path.split('/').some((s) => s === '.' || s === '..')).toBe(false);
      }),
      { numRuns: 400 },
    );
  });
  it('invalid UTF-8 passes through as bytes', () => {
    const u = requestUri('/a%ff.php', { mergeSlashes: true, allowEncodedSlashes: 'off' });
    expect(u.uri).toBe('/a\u00ff.php');
    expect(requestUri('/%c3%a9.php', { mergeSlashes: true, allowEncodedSlashes: 'off' }).uri).toBe('/\u00e9.php');
  });
});
