import { describe, expect, it } from 'vitest';
import { errors, ids, only, probe, probeText } from './helpers.js';

const TCP = 'ProxyPass /app "fcgi://127.0.0.1:9000/"';
const FPM_TCP = {
  '/etc/php/8.2/fpm/php-fpm.conf': '[global]\ninclude=/etc/php/8.2/fpm/pool.d/*.conf\n',
  '/etc/php/8.2/fpm/pool.d/www.conf':
    '[www]\nuser = www-data\ngroup = www-data\nlisten = 9000\npm = static\npm.max_children = 2\n',
};

describe('backend-unreachable', () => {
  it('fires when nothing listens on the port', async () => {
    const f = only(await probe(TCP), 'backend-unreachable');
    expect(probeText(f)).toContain('no listener on port 9000');
    expect(f.location?.line).toBeGreaterThan(0);
  });
  it('names a listener bound to another address only', async () => {
    const r = await probe(TCP, {
      tcpListeners: [{ address: '10.0.0.5', port: 9000, inode: 1, family: 4 }],
      localAddresses: ['127.0.0.1', '10.0.0.5'],
    });
    expect(only(r, 'backend-unreachable').message).toContain('listens on 10.0.0.5 only');
  });
  it('a pool configured on that port: PHP-FPM is not running', async () => {
    const r = await probe(TCP, { files: FPM_TCP });
    expect(only(r, 'backend-unreachable').fix).toContain('systemctl start php8.2-fpm');
  });
  it('a remote host is connected to, never scanned', async () => {
    const conf = 'ProxyPass /app "fcgi://10.9.8.7:9000/"';
    const refused = await probe(conf, {
      connect: { 'tcp:10.9.8.7:9000': { ok: false, code: 'ECONNREFUSED', message: 'refused', ms: 1 } },
    });
    expect(only(refused, 'backend-unreachable').message).toContain('another machine');
    const ok = await probe(conf, { connect: { 'tcp:10.9.8.7:9000': { ok: true, ms: 1 } } });
    expect(ids(ok)).toEqual([]);
  });
  it('stays quiet when a loopback or wildcard listener serves the address', async () => {
    expect(
      errors(await probe(TCP, { tcpListeners: [{ address: '127.0.0.1', port: 9000, inode: 1, family: 4 }] })),
    ).toEqual([]);
    expect(
      errors(
        await probe('ProxyPass /app "fcgi://localhost:9000/"', {
          tcpListeners: [{ address: '::1', port: 9000, inode: 1, family: 6 }],
        }),
      ),
    ).toEqual([]);
  });
});

describe('backend-exposed', () => {
  it('fires (warning) for 0.0.0.0 while Apache uses 127.0.0.1, with the holder and the pool fix', async () => {
    const r = await probe(TCP, {
      files: FPM_TCP,
      tcpListeners: [{ address: '0.0.0.0', port: 9000, inode: 7, family: 4 }],
      processes: [
        {
          pid: 200,
          comm: 'php-fpm8.2',
          cmdline: ['php-fpm: master process (/etc/php/8.2/fpm/php-fpm.conf)'],
          sockets: [7],
        },
      ],
    });
    const f = only(r, 'backend-exposed');
    expect(f.severity).toBe('warning');
    expect(probeText(f)).toContain('php-fpm: master process');
    expect(f.fix).toContain('listen = 127.0.0.1:9000');
    expect(errors(r)).toEqual([]);
  });
  it('fires for :: too', async () => {
    expect(ids(await probe(TCP, { tcpListeners: [{ address: '::', port: 9000, inode: 7, family: 6 }] }))).toContain(
      'backend-exposed',
    );
  });
  it('stays quiet on loopback, or when the pool admits only loopback clients', async () => {
    expect(
      ids(await probe(TCP, { tcpListeners: [{ address: '127.0.0.1', port: 9000, inode: 7, family: 4 }] })),
    ).toEqual([]);
    const allowed = await probe(TCP, {
      files: {
        ...FPM_TCP,
        '/etc/php/8.2/fpm/pool.d/www.conf': '[www]\nlisten = 9000\nlisten.allowed_clients = 127.0.0.1\n',
      },
      tcpListeners: [{ address: '0.0.0.0', port: 9000, inode: 7, family: 4 }],
    });
    expect(ids(allowed)).not.toContain('backend-exposed');
  });
});
