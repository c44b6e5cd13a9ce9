import { describe, expect, it } from 'vitest';
import { FCGI_URL_DEFAULT_PORT, formatTarget, parseTarget, TargetError, type Target } from '../../src/client/target.js';

describe('parseTarget', () => {
  const cases: Array<[string, Target]> = [
    ['/run/php/php8.2-fpm.sock', { kind: 'unix', path: '/run/php/php8.2-fpm.sock' }],
    ['/tmp/odd:name.sock', { kind: 'unix', path: '/tmp/odd:name.sock' }],
    ['./fcgi.sock', { kind: 'unix', path: './fcgi.sock' }],
    ['../run/fcgi.sock', { kind: 'unix', path: '../run/fcgi.sock' }],
    ['unix:/tmp/fcgi.sock', { kind: 'unix', path: '/tmp/fcgi.sock' }],
    ['UNIX:/tmp/fcgi.sock', { kind: 'unix', path: '/tmp/fcgi.sock' }],
    ['unix:///tmp/fcgi.sock', { kind: 'unix', path: '/tmp/fcgi.sock' }],
    // Apache's SetHandler form: the part after | names the worker, not the socket
    ['unix:/run/php/www.sock|fcgi://localhost/', { kind: 'unix', path: '/run/php/www.sock' }],
    ['  /tmp/padded.sock  ', { kind: 'unix', path: '/tmp/padded.sock' }],
    ['127.0.0.1:9000', { kind: 'tcp', host: '127.0.0.1', port: 9000 }],
    ['php:9000', { kind: 'tcp', host: 'php', port: 9000 }],
    ['tcp://backend.local:9001', { kind: 'tcp', host: 'backend.local', port: 9001 }],
    ['tcp://10.0.0.1:9000/', { kind: 'tcp', host: '10.0.0.1', port: 9000 }],
    ['[::1]:9000', { kind: 'tcp', host: '::1', port: 9000 }],
    ['tcp://[fe80::1]:1', { kind: 'tcp', host: 'fe80::1', port: 1 }],
    ['fcgi://127.0.0.1:9000', { kind: 'tcp', host: '127.0.0.1', port: 9000 }],
    ['fcgi://127.0.0.1:9000/var/www/html/$1', { kind: 'tcp', host: '127.0.0.1', port: 9000 }],
    ['FCGI://Backend:65535/', { kind: 'tcp', host: 'Backend', port: 65535 }],
    ['fcgi://localhost', { kind: 'tcp', host: 'localhost', port: FCGI_URL_DEFAULT_PORT }],
    ['fcgi://localhost/', { kind: 'tcp', host: 'localhost', port: 8000 }],
    ['fcgi://[::1]/', { kind: 'tcp', host: '::1', port: 8000 }],
  ];
  it.each(cases)('%s', (input, expected) => {
    expect(parseTarget(input)).toEqual(expected);
  });

  const bad: Array<[string, RegExp]> = [
    ['', /empty target/],
    ['   ', /empty target/],
    ['/tmp/a\nb', /control characters/],
    ['\u001b]0;x\u0007:9000', /control characters/],
    ['unix:relative.sock', /must be absolute/],
    ['unix:', /must be absolute/],
    ['localhost', /no port in target "localhost"/],
    ['tcp://localhost', /no port/],
    ['tcp://localhost:', /no port/],
    [':9000', /no host/],
    ['host:abc', /bad port "abc"/],
    ['host:0', /port 0 out of range/],
    ['host:65536', /port 65536 out of range/],
    ['host:123456', /bad port/],
    ['host:-1', /bad port/],
    ['::1:9000', /must be written in brackets/],
    ['http://localhost:9000', /unsupported scheme "http:\/\/"/],
    ['uwsgi://localhost:9000', /unsupported scheme/],
  ];
  it.each(bad)('refuses %j', (input, message) => {
    expect(() => parseTarget(input)).toThrow(TargetError);
    expect(() => parseTarget(input)).toThrow(message);
  });
});

describe('formatTarget', () => {
  it('writes targets as a person would, brackets around IPv6', () => {
    expect(formatTarget({ kind: 'unix', path: '/tmp/x.sock' })).toBe('/tmp/x.sock');
    expect(formatTarget({ kind: 'tcp', host: '127.0.0.1', port: 9000 })).toBe('127.0.0.1:9000');
    expect(formatTarget({ kind: 'tcp', host: '::1', port: 9000 })).toBe('[::1]:9000');
  });

  it('round-trips through parseTarget', () => {
    for (const input of ['/a/b.sock', 'h:1', '[::1]:9000', '10.1.2.3:65535']) {
      expect(formatTarget(parseTarget(formatTarget(parseTarget(input))))).toBe(formatTarget(parseTarget(input)));
      expect(parseTarget(formatTarget(parseTarget(input)))).toEqual(parseTarget(input));
    }
  });
});
