import { describe, expect, it } from 'vitest';
import { parseRouteUrl } from '../../src/routing/url.js';

describe('parseRouteUrl', () => {
  it('http URL with port, query, lower-cased host', () => {
    expect(parseRouteUrl('http://Blog.Example.ORG:8080/index.php/foo?x=1')).toMatchObject({
      scheme: 'http',
      host: 'blog.example.org',
      port: 8080,
      path: '/index.php/foo',
      query: 'x=1',
      method: 'GET',
    });
  });
  it('default ports, and no query is undefined while "?" is ""', () => {
    const r = parseRouteUrl('https://a.example');
    expect(r).toMatchObject({ port: 443, path: '/' });
    expect('query' in r).toBe(false);
    expect(parseRouteUrl('http://a.example/?')).toMatchObject({ port: 80, query: '' });
  });
  it('a bare path means http://localhost', () => {
    expect(parseRouteUrl('/x.php')).toMatchObject({ host: 'localhost', port: 80, path: '/x.php' });
  });
  it('IPv6 literals', () => {
    expect(parseRouteUrl('http://[::1]:8080/')).toMatchObject({ host: '[::1]', port: 8080 });
  });
  it('keeps %-escapes as sent; drops the fragment', () => {
    expect(parseRouteUrl('http://a/%2e%2e/x#frag')).toMatchObject({ path: '/%2e%2e/x' });
  });
  it('method and headers', () => {
    expect(parseRouteUrl('http://a/', { method: 'post', headers: { 'X-Y': '1' } })).toMatchObject({
      method: 'POST',
      headers: { 'x-y': '1', host: 'a' },
    });
  });
  it('the Host header a browser sends: the port only when not the default', () => {
    expect(parseRouteUrl('http://A:8080/')).toMatchObject({ host: 'a', port: 8080, headers: { host: 'a:8080' } });
    expect(parseRouteUrl('https://a:443/')).toMatchObject({ port: 443, headers: { host: 'a' } });
  });
  it('a Host header given is sent as given and names the host; the connection keeps the URL port', () => {
    expect(parseRouteUrl('http://127.0.0.1:8080/', { headers: { Host: 'Blog.Test' } })).toMatchObject({
      host: 'blog.test',
      port: 8080,
      headers: { host: 'Blog.Test' },
    });
    expect(parseRouteUrl('http://a/', { headers: { Host: 'bad host' } })).toHaveProperty('error');
  });
  it('clear errors, never throws', () => {
    for (const bad of [
      '',
      'not a url',
      'ftp://a/',
      'http://',
      'http://a b/',
      'http://a:99999/',
      'http://[zz]/',
      'http://u@a/',
      'http://a:x/',
    ])
      expect(parseRouteUrl(bad)).toHaveProperty('error');
    expect(parseRouteUrl('http://a/', { headers: { 'x-a': 'b\r\nc' } })).toHaveProperty('error');
  });
  it('a long path is not an error (Apache answers 414)', () => {
    expect(parseRouteUrl(`http://a/${'x'.repeat(100_000)}`)).not.toHaveProperty('error');
  });
});
