import { describe, expect, it } from 'vitest';
import { buildRequestEnvironment, headerToParam } from '../../src/client/params.js';

const env = (...args: Parameters<typeof buildRequestEnvironment>) => new Map(buildRequestEnvironment(...args));

describe('buildRequestEnvironment', () => {
  it('fills every variable common FastCGI servers need', () => {
    const e = env();
    for (const name of [
      'GATEWAY_INTERFACE',
      'SERVER_SOFTWARE',
      'SERVER_PROTOCOL',
      'SERVER_NAME',
      'SERVER_ADDR',
      'SERVER_PORT',
      'REMOTE_ADDR',
      'REMOTE_PORT',
      'REQUEST_METHOD',
      'REQUEST_URI',
      'QUERY_STRING',
      'DOCUMENT_ROOT',
      'SCRIPT_NAME',
      'SCRIPT_FILENAME',
      'CONTENT_LENGTH',
      'CONTENT_TYPE',
    ]) {
      expect(e.has(name), name).toBe(true);
    }
    expect(e.get('GATEWAY_INTERFACE')).toBe('CGI/1.1');
    expect(e.get('SERVER_PROTOCOL')).toBe('HTTP/1.1');
    expect(e.get('REQUEST_METHOD')).toBe('GET');
    expect(e.get('CONTENT_LENGTH')).toBe('');
    expect(e.get('CONTENT_TYPE')).toBe('');
    expect(e.get('QUERY_STRING')).toBe('');
  });

  it('never repeats a name', () => {
    const list = buildRequestEnvironment({
      headers: [
        ['Host', 'a'],
        ['Content-Type', 'x'],
      ],
      params: [
        ['REQUEST_METHOD', 'PUT'],
        ['X', '1'],
      ],
    });
    const names = list.map(([n]) => n);
    expect(new Set(names).size).toBe(names.length);
  });

  it('derives DOCUMENT_ROOT, SCRIPT_NAME and REQUEST_URI from --script', () => {
    const e = env({ script: '/var/www/html/index.php' });
    expect(e.get('SCRIPT_FILENAME')).toBe('/var/www/html/index.php');
    expect(e.get('DOCUMENT_ROOT')).toBe('/var/www/html');
    expect(e.get('SCRIPT_NAME')).toBe('/index.php');
    expect(e.get('REQUEST_URI')).toBe('/index.php');
  });

  it('makes SCRIPT_NAME relative to an explicit document root', () => {
    expect(env({ script: '/var/www/html/app/x.php', documentRoot: '/var/www/html' }).get('SCRIPT_NAME')).toBe(
      '/app/x.php',
    );
    expect(env({ script: '/var/www/html/app/x.php', documentRoot: '/var/www/html/' }).get('SCRIPT_NAME')).toBe(
      '/app/x.php',
    );
    // not under the root: the base name, never a path that climbs out
    expect(env({ script: '/srv/x.php', documentRoot: '/var/www' }).get('SCRIPT_NAME')).toBe('/x.php');
    // /var/www is not a prefix of /var/www2
    expect(env({ script: '/var/www2/y.php', documentRoot: '/var/www' }).get('SCRIPT_NAME')).toBe('/y.php');
  });

  it("sends /ping for PHP-FPM's ping.path consistently", () => {
    const e = env({ script: '/ping' });
    expect(e.get('SCRIPT_FILENAME')).toBe('/ping');
    expect(e.get('SCRIPT_NAME')).toBe('/ping');
    expect(e.get('DOCUMENT_ROOT')).toBe('/');
    expect(e.get('REQUEST_URI')).toBe('/ping');
  });

  it('splits the query string off --uri and keeps the full REQUEST_URI', () => {
    const e = env({ script: '/var/www/index.php', uri: '/shop/item?id=3&x=a%20b' });
    expect(e.get('REQUEST_URI')).toBe('/shop/item?id=3&x=a%20b');
    expect(e.get('QUERY_STRING')).toBe('id=3&x=a%20b');
    expect(e.get('SCRIPT_NAME')).toBe('/index.php');
  });

  it('upper-cases the method', () => {
    expect(env({ method: 'post' }).get('REQUEST_METHOD')).toBe('POST');
  });

  it('sets CONTENT_LENGTH and a content type for a body; CONTENT_LENGTH 0 for an empty one', () => {
    const e = env({ contentLength: 1048576 });
    expect(e.get('CONTENT_LENGTH')).toBe('1048576');
    expect(e.get('CONTENT_TYPE')).toBe('application/octet-stream');
    const empty = env({ contentLength: 0 });
    expect(empty.get('CONTENT_LENGTH')).toBe('0');
    expect(empty.get('CONTENT_TYPE')).toBe('');
  });

  it('turns headers into HTTP_* and lets them override the defaults', () => {
    const e = env({
      headers: [
        ['X-Forwarded-For', '10.0.0.1'],
        ['Host', 'example.org'],
        ['Content-Type', 'application/json'],
      ],
    });
    expect(e.get('HTTP_X_FORWARDED_FOR')).toBe('10.0.0.1');
    expect(e.get('HTTP_HOST')).toBe('example.org');
    expect(e.get('CONTENT_TYPE')).toBe('application/json');
    expect(e.has('HTTP_CONTENT_TYPE')).toBe(false);
  });

  it('applies explicit parameters last', () => {
    const e = env({
      script: '/a/b.php',
      headers: [['Host', 'h']],
      params: [
        ['SCRIPT_FILENAME', '/other.php'],
        ['HTTP_HOST', 'p'],
        ['APP_ENV', 'ci'],
      ],
    });
    expect(e.get('SCRIPT_FILENAME')).toBe('/other.php');
    expect(e.get('HTTP_HOST')).toBe('p');
    expect(e.get('APP_ENV')).toBe('ci');
  });

  it('names the tool and its version', () => {
    expect(env({ softwareVersion: '1.2.3' }).get('SERVER_SOFTWARE')).toBe('fcgi-doctor/1.2.3');
    expect(env({ serverName: 'example.org', serverPort: 8443 }).get('SERVER_PORT')).toBe('8443');
    expect(env({ serverName: 'example.org' }).get('SERVER_NAME')).toBe('example.org');
  });
});

describe('headerToParam', () => {
  it('maps header names the way web servers do', () => {
    expect(headerToParam('Accept')).toBe('HTTP_ACCEPT');
    expect(headerToParam(' accept-encoding ')).toBe('HTTP_ACCEPT_ENCODING');
    expect(headerToParam('content-length')).toBe('CONTENT_LENGTH');
    expect(headerToParam('Content-Type')).toBe('CONTENT_TYPE');
  });
});
