import { describe, expect, it } from 'vitest';
import { analyzeNginx } from '../../../src/checks/nginx/index.js';
import { headerBlockBytes, headerBufferFindings, nginxSize } from '../../../src/checks/nginx/headerBuffer.js';
import type { SetupRequestResult } from '../../../src/checks/request/setupRequest.js';
import { MemoryNginxSource } from '../../../src/nginx/index.js';

const conf = (extra = '') =>
  new MemoryNginxSource({
    '/etc/nginx/nginx.conf': `events {}\nhttp {\n  server {\n    location ~ \\.php$ {\n      ${extra}\n      fastcgi_pass unix:/run/php/php8.2-fpm.sock;\n    }\n  }\n}\n`,
  });

function answered(extra: string, headerBytes: number) {
  const a = analyzeNginx({ root: '/etc/nginx/nginx.conf', source: conf(extra) });
  if (!a) throw new Error('no configuration');
  const line = `X-Big: ${'a'.repeat(headerBytes - 'X-Big: \r\n\r\n'.length)}\r\n\r\n`;
  const request = {
    setup: a.setups[0],
    url: 'http://localhost/index.php',
    script: '/var/www/html/index.php',
    response: { status: 200, headers: [['X-Big', '…']], raw: { stdout: Buffer.from(`${line}body`) } },
  } as unknown as SetupRequestResult;
  return headerBufferFindings(a, [request]);
}

describe('upstream-header-too-big from a real answer', () => {
  it("fires when the header block does not fit nginx's default 4k buffer", () => {
    const f = answered('', 6000);
    expect(f.map((x) => [x.id, x.location?.line])).toEqual([['upstream-header-too-big', 6]]);
    expect(f[0]?.message).toContain('6000 bytes of headers');
  });
  it('fires against a fastcgi_buffer_size set too small, at its line', () => {
    expect(answered('fastcgi_buffer_size 1k;', 2000)[0]?.location?.line).toBe(5);
  });
  it('stays quiet when the headers fit', () => {
    expect(answered('', 1000)).toEqual([]);
    expect(answered('fastcgi_buffer_size 16k;', 6000)).toEqual([]);
  });
  it('reads sizes and header blocks as nginx and CGI do', () => {
    expect(nginxSize('16k')).toBe(16384);
    expect(nginxSize('1M')).toBe(1048576);
    expect(nginxSize('x')).toBeUndefined();
    expect(headerBlockBytes(Buffer.from('Status: 200\n\nbody'))).toBe(13);
    expect(headerBlockBytes(Buffer.from('no end'))).toBeUndefined();
  });
});
