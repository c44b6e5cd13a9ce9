import { describe, expect, it } from 'vitest';
import { MemoryNginxSource, readNginxConfig, startupLookups } from '../../src/nginx/index.js';

const ROOT = '/etc/nginx/nginx.conf';
const read = (http: string) =>
  readNginxConfig(ROOT, { source: new MemoryNginxSource({ [ROOT]: `events {}\nhttp {\n${http}\n}\n` }) });

describe('implicit upstreams and the names nginx resolves at start', () => {
  it('fastcgi_pass to a name with no port and no upstream of that name is "no port in upstream"', () => {
    const c = read('server {\n location ~ \\.php$ {\n  fastcgi_pass php;\n }\n}');
    expect(c.issues.map((i) => `${i.message} @${i.line}`)).toEqual(['no port in upstream "php" @5']);
  });

  it('an upstream block of that name, defined before or after, makes it fine', () => {
    const c = read('server { location / { fastcgi_pass php; } }\nupstream PHP { server unix:/run/php.sock; }');
    expect(c.issues).toEqual([]);
    expect(startupLookups(c)).toEqual([]);
  });

  it('lists the host names nginx resolves, with its words for a name that does not resolve', () => {
    const c = read(`upstream pool { server fpm1:9000; server 10.0.0.2:9000; server unix:/x.sock; }
server {
 listen web.internal:8080;
 location ~ \\.php$ { fastcgi_pass php:9000; }
 location /a/ { fastcgi_pass php:9000; }
 location /b/ { proxy_pass https://api.example.com/v1/; }
 location /c/ { proxy_pass http://127.0.0.1:8000; }
 location /d/ { fastcgi_pass pool; }
 location /e/ { fastcgi_pass $backend; }
}`);
    expect(startupLookups(c).map((l) => [l.host, l.port, l.message, l.directive.line])).toEqual([
      ['fpm1', 9000, 'host not found in upstream "fpm1:9000"', 3],
      ['web.internal', 8080, 'host not found in "web.internal:8080" of the "listen" directive', 5],
      ['php', 9000, 'host not found in upstream "php"', 6],
      ['api.example.com', 443, 'host not found in upstream "api.example.com"', 8],
    ]);
  });
});
