import { describe, expect, it } from 'vitest';
import { fpmMasterCommands } from '../../../src/system/index.js';
import { poolChrootCheck } from '../../../src/checks/probes/poolChroot.js';
import { scriptInContainerCheck } from '../../../src/checks/probes/scriptInContainer.js';
import { explainContainerScript } from '../../../src/checks/request/fpmContainer.js';
import type { Finding } from '../../../src/findings/finding.js';
import { fixtureSystem, type FixtureFile, type FixtureProcess } from '../../../src/system/fixture.js';
import { probe, probeText } from './helpers.js';

const SOCK = '/run/php/app.sock';
const SOCKET_INODE = 900;
const SOCKET_FILE_INO = 777_777;
const CONTAINER_NS = 'mnt:[4026532999]';

const site = `<VirtualHost *:80>
ServerName shop.example.org
DocumentRoot /srv/shop
DirectoryIndex index.php
<Directory /srv/shop>
  Require all granted
</Directory>
<FilesMatch "\\.php$">
  SetHandler "proxy:unix:${SOCK}|fcgi://localhost"
</FilesMatch>
</VirtualHost>`;

const socketFile: FixtureFile = { type: 'socket', uid: 33, gid: 33, mode: 0o660, ino: SOCKET_FILE_INO };

/** The official php:fpm image's master and worker, in their own mount namespace; the site is at /var/www/html there. */
function container(
  opts: { files?: Record<string, FixtureFile | string>; ns?: string | 'hidden'; sockets?: boolean } = {},
) {
  const containerFiles = opts.files ?? {
    '/usr/local/etc/php-fpm.conf': '[global]\ninclude=etc/php-fpm.d/*.conf\n',
    '/var/www/html/index.php': '<?php echo 1;',
    [SOCK]: socketFile,
  };
  const ns = opts.ns ?? CONTAINER_NS;
  const sockets = opts.sockets === false ? [] : [SOCKET_INODE];
  const procs: FixtureProcess[] = [
    {
      pid: 300,
      comm: 'php-fpm',
      cmdline: ['php-fpm: master process (/usr/local/etc/php-fpm.conf)'],
      sockets,
      mountNamespace: ns,
      containerFiles,
    },
    {
      pid: 301,
      ppid: 300,
      comm: 'php-fpm',
      cmdline: ['php-fpm: pool www'],
      uid: 33,
      gid: 33,
      sockets,
      mountNamespace: ns,
      containerFiles,
    },
  ];
  return procs;
}

const hostFiles = { '/srv/shop/index.php': '<?php echo 1;', [SOCK]: socketFile };

function run(
  processes: FixtureProcess[],
  opts: { files?: Record<string, FixtureFile | string>; listed?: boolean } = {},
) {
  return probe(
    site,
    {
      files: { ...hostFiles, ...(opts.files ?? {}) },
      processes,
      unixListeners: opts.listed === false ? [] : [{ path: SOCK, inode: SOCKET_INODE }],
    },
    { checks: [poolChrootCheck, scriptInContainerCheck] },
  );
}

describe('primary-script-unknown: the script is not in the container PHP-FPM runs in (scriptInContainerCheck)', () => {
  it("fires: the master behind the socket is in another mount namespace, and its files lack the host's path", async () => {
    const r = await run(container());
    expect(r.findings.map((f) => [f.id, f.severity])).toEqual([['primary-script-unknown', 'error']]);
    const f = r.findings[0] as Finding;
    expect(f.message).toContain(
      'is handed to PHP-FPM as /srv/shop/index.php, a file that exists on this machine; but the PHP-FPM master serving it (pid 300) runs in a container',
    );
    expect(f.message).toContain('The container has a file of the same name and size at /var/www/html/index.php.');
    const evidence = probeText(f);
    expect(evidence).toContain('/run/php/app.sock is held by the PHP-FPM master pid 300');
    expect(evidence).toContain(`its mount namespace ${CONTAINER_NS} is not this machine's mnt:[4026531840]`);
    expect(evidence).toContain('/proc/300/root/srv/shop/index.php: no such file');
    expect(f.fix).toContain("The file is in the web server's filesystem but not in the container PHP-FPM runs in");
    expect(f.fix).toContain('docker run -v /srv/shop:/srv/shop');
    expect(f.fix).toContain('ProxyFCGISetEnvIf "true" SCRIPT_FILENAME "/var/www/html%{reqenv:SCRIPT_NAME}"');
    expect(f.location?.line).toBeGreaterThan(0);
    expect(f.setup).toBeDefined();
  });

  it('fires without a listener in this network namespace: the master whose view holds the same socket file', async () => {
    const r = await run(container({ sockets: false }), { listed: false });
    expect(r.findings.map((f) => f.id)).toEqual(['primary-script-unknown']);
    expect(probeText(r.findings[0] as Finding)).toContain(
      '/run/php/app.sock is the socket file of the PHP-FPM master pid 300',
    );
  });

  it('the container path is not guessed when no usual root holds the script: the fix says to send the path the container sees', async () => {
    const r = await run(container({ files: { [SOCK]: socketFile } }));
    const f = r.findings[0] as Finding;
    expect(f.message).not.toContain('The container has');
    expect(f.fix).toContain('<root in the container>');
  });

  it('quiet: the site is mounted into the container at the same path', async () => {
    const r = await run(container({ files: { '/srv/shop/index.php': '<?php echo 1;', [SOCK]: socketFile } }));
    expect(r.findings).toEqual([]);
  });

  it('quiet: PHP-FPM shares this machine’s mount namespace (no container)', async () => {
    const procs = container().map((p) => {
      const { mountNamespace: _ns, containerFiles: _files, ...rest } = p;
      return rest;
    });
    const r = await run(procs);
    expect(r.findings).toEqual([]);
  });

  it("quiet: the master's namespace is not visible (another user's process without root)", async () => {
    const r = await run(container({ ns: 'hidden' }));
    expect(r.findings).toEqual([]);
  });

  it('quiet: the script is missing on this machine too (another cause, not the container)', async () => {
    const r = await probe(
      site.replace('/srv/shop', '/srv/gone').replace('/srv/shop', '/srv/gone'),
      { files: { [SOCK]: socketFile }, processes: container(), unixListeners: [{ path: SOCK, inode: SOCKET_INODE }] },
      { checks: [scriptInContainerCheck] },
    );
    expect(r.findings).toEqual([]);
  });

  it('precedence: a pool on this machine with chroot at that socket is the chroot check’s, not this one', async () => {
    const pool = {
      '/etc/php/8.2/fpm/php-fpm.conf': '[global]\ninclude=/etc/php/8.2/fpm/pool.d/*.conf\n',
      '/etc/php/8.2/fpm/pool.d/www.conf': `[www]\nuser = www-data\ngroup = www-data\nlisten = ${SOCK}\npm = static\npm.max_children = 2\nchroot = /srv/jail\n`,
    };
    const r = await run(container(), { files: pool });
    expect(r.findings.map((f) => [f.id, f.location?.file])).toEqual([
      ['primary-script-unknown', '/etc/php/8.2/fpm/pool.d/www.conf'],
    ]);
    expect(r.findings[0]?.message).toContain('chroot /srv/jail');
  });
});

describe('a master with a /tmp of its own (systemd PrivateTmp=true) and a site under /tmp', () => {
  it('fires, naming PrivateTmp rather than a container, and the fix moves the site out of /tmp', async () => {
    const tmpSite = site.replaceAll('/srv/shop', '/tmp/shop');
    // Its view: the machine's files, less what is under /tmp (a /tmp of its own).
    const view = { '/tmp/.keep': '', [SOCK]: socketFile };
    const r = await probe(
      tmpSite,
      {
        files: { '/tmp/shop/index.php': '<?php echo 1;', [SOCK]: socketFile },
        processes: container({ files: view }),
        unixListeners: [{ path: SOCK, inode: SOCKET_INODE }],
      },
      { checks: [scriptInContainerCheck] },
    );
    expect(r.findings.map((f) => f.id)).toEqual(['primary-script-unknown']);
    const f = r.findings[0] as Finding;
    expect(f.message).toContain('runs with a /tmp of its own (systemd PrivateTmp=true, another mount namespace)');
    expect(f.fix).toContain('move the site out of /tmp');
    expect(f.fix).not.toContain('docker');
  });
});

describe('a PHP-FPM master in a container, with every live check', () => {
  it("its configuration is its container's, not read from this machine's paths: no fpm-config-error, one primary-script-unknown", async () => {
    const r = await probe(site, {
      files: hostFiles,
      processes: container(),
      unixListeners: [{ path: SOCK, inode: SOCKET_INODE }],
    });
    expect(r.findings.map((f) => f.id)).toEqual(['primary-script-unknown']);
  });
});

describe('ping: explainContainerScript', () => {
  const answered: Finding = {
    id: 'primary-script-unknown',
    severity: 'error',
    title: 'The backend cannot find the script (Primary script unknown)',
    message: 'unix:/run/php/app.sock answered 404.',
    evidence: [],
  };
  const target = { kind: 'unix' as const, path: SOCK };

  it('names the container, and guesses no path for a bare file name', () => {
    const system = fixtureSystem({
      files: { '/var/www/html/shop/index.php': '<?php', [SOCK]: socketFile },
      processes: container({ files: { '/var/www/html/index.php': '<?php', [SOCK]: socketFile } }),
      unixListeners: [{ path: SOCK, inode: SOCKET_INODE }],
    });
    const f = explainContainerScript(answered, system, target, '/var/www/html/shop/index.php');
    expect(f?.message).toBe(
      '/run/php/app.sock answered "Primary script unknown": /var/www/html/shop/index.php exists on this machine, but the PHP-FPM master behind /run/php/app.sock (pid 300) runs in a container (another mount namespace), and its files do not hold it.',
    );
    expect(f?.fix).toContain('<root in the container>');
    expect(f?.evidence.map((e) => e.text)).toContain(
      '/proc/300/root/var/www/html/shop/index.php: no such file (the script as PHP-FPM sees it)',
    );
  });

  it('leaves the finding alone when the master shares this machine’s files', () => {
    const system = fixtureSystem({
      files: { '/srv/shop/index.php': '<?php', [SOCK]: socketFile },
      processes: container().map(({ mountNamespace: _n, containerFiles: _f, ...p }) => p),
      unixListeners: [{ path: SOCK, inode: SOCKET_INODE }],
    });
    expect(explainContainerScript(answered, system, target, '/srv/shop/index.php')).toBeUndefined();
  });
});

describe('fpmMasters and masters in other mount namespaces', () => {
  const conf = '/etc/php/8.2/fpm/php-fpm.conf';
  const master = (files: Record<string, FixtureFile | string> | undefined): FixtureProcess => ({
    pid: 400,
    comm: 'php-fpm8.2',
    cmdline: [`php-fpm: master process (${conf})`],
    mountNamespace: CONTAINER_NS,
    ...(files ? { containerFiles: files } : {}),
  });

  it("keeps a master whose configuration is this machine's file (a service with its own /tmp)", () => {
    const file: FixtureFile = { content: '[global]\n', ino: 424_242 };
    const system = fixtureSystem({ files: { [conf]: file }, processes: [master({ [conf]: file })] });
    expect(fpmMasterCommands(system.processes, system.fs).map((m) => m.pid)).toEqual([400]);
  });

  it('leaves out a master whose configuration is another file of that name (a container)', () => {
    const system = fixtureSystem({
      files: { [conf]: '[global]\n' },
      processes: [master({ [conf]: "[global]\n; the image's own\n" })],
    });
    expect(fpmMasterCommands(system.processes, system.fs)).toEqual([]);
  });

  it('keeps it when /proc/PID/root cannot be read (not root): nothing to go on', () => {
    const system = fixtureSystem({
      files: { [conf]: '[global]\n' },
      processes: [{ ...master(undefined), mountNamespace: 'hidden' }],
    });
    expect(fpmMasterCommands(system.processes, system.fs).map((m) => m.pid)).toEqual([400]);
  });
});
