/**
 * `check --http` (the built bin) on a real Apache 2.4 in front of a real
 * PHP-FPM pool: the URLs the check traced are asked through Apache itself and
 * its answers held against the route the model predicted from the files.
 */
import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startApache, type ApacheServer } from './harness/apache.js';
import { startPhpFpm, type PhpFpmServer } from './harness/phpFpm.js';
import { BIN, BINARIES, hasBinary, requireBuiltCli } from './harness/requireServer.js';
import { assertNoCrashInOutput } from '../checks/strict.js';

const haveServers =
  requireBuiltCli() && hasBinary(BINARIES.apache) && hasBinary(BINARIES.modProxyFcgi) && hasBinary(BINARIES.phpFpm);

interface Finding {
  id: string;
  severity: string;
  message: string;
  evidence: Array<{ kind: string; text: string }>;
  location?: { file: string; line?: number };
}

/** The ids the web step emits. */
const WEB_IDS = ['source-served-as-text', 'route-mismatch', 'backend-error-status'];

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

/** A vhost on the harness's port, with the caller's lines for the PHP handler. */
async function site(scripts: Record<string, string>, handler: (sock: string, docRoot: string) => string) {
  const fpm: PhpFpmServer = await startPhpFpm({ scripts });
  stops.push(() => fpm.stop());
  const sock = fpm.endpoint.kind === 'unix' ? fpm.endpoint.path : '';
  let vhost = '';
  let port = 0;
  const text = (body: string) =>
    `<VirtualHost *:${port}>\nServerName site.test\nDocumentRoot ${fpm.docRoot}\n<Directory ${fpm.docRoot}>\nRequire all granted\n</Directory>\n${body}</VirtualHost>\n`;
  const apache: ApacheServer = await startApache({
    modules: ['proxy_fcgi'],
    config: (ctx) => {
      vhost = `${ctx.extraDir}/site.conf`;
      port = ctx.port;
      writeFileSync(vhost, text(handler(sock, fpm.docRoot)));
      return `Include ${vhost}\n`;
    },
  });
  stops.push(() => apache.stop());
  return { fpm, apache, vhost, sock, rewrite: (body: string) => writeFileSync(vhost, text(body)) };
}

const filesMatch = (sock: string) =>
  `<FilesMatch \\.php$>\nSetHandler "proxy:unix:${sock}|fcgi://localhost"\n</FilesMatch>\n`;

async function checkHttp(root: string, vhost: string) {
  const r = await execa(
    process.execPath,
    [BIN, 'check', vhost, '--root', root, '--format', 'json', '--since', '1h', '--http'],
    { reject: false, timeout: 60_000 },
  );
  assertNoCrashInOutput(String(r.stdout));
  const json = JSON.parse(String(r.stdout)) as { findings: Finding[]; checked: { notices: string[] } };
  return {
    code: r.exitCode,
    web: json.findings.filter((f) => WEB_IDS.includes(f.id)),
    notices: json.checked.notices.filter((n) => n.startsWith('--http')),
  };
}

/**
 * Apache reads its configuration twice at start-up (httpd's main(): the pre-config pass, then the real
 * one after the listeners are open), so a file changed as soon as the port answers may still be read.
 * An answer from a child proves the configuration it runs was read: only then is the file changed.
 */
async function answered(apache: ApacheServer, body: string | RegExp) {
  const r = await apache.http('/index.php', { headers: { Host: 'site.test' } });
  if (typeof body === 'string') expect(r.body).toBe(body);
  else expect(r.body).toMatch(body);
}

/** The requests Apache's access log saw (the test itself asks for nothing before the check). */
function requested(apache: ApacheServer): string[] {
  return readFileSync(apache.accessLogPath, 'utf8')
    .split('\n')
    .map((l) => /"GET (\S+) HTTP/.exec(l)?.[1])
    .filter((x): x is string => x !== undefined);
}

describe.skipIf(!haveServers)('check --http on a real Apache and PHP-FPM', () => {
  it('a healthy site: the traced URL is asked through Apache, and the web step finds nothing', async () => {
    const { apache, vhost } = await site({ 'index.php': '<?php echo "hello";' }, filesMatch);
    const { code, web, notices } = await checkHttp(apache.confPath, vhost);
    expect(web).toEqual([]);
    expect(notices).toEqual([]);
    expect(code).toBe(0);
    expect(requested(apache)).toContain('/index.php');
  });

  it("Debian's server-wide wiring, a vhost elsewhere: each traced URL asked with the vhost's Host, a denied one included; no finding", async () => {
    const fpm = await startPhpFpm({
      scripts: {
        'index.php': '<?php echo "blog";',
        'sub/page.php': '<?php echo "page";',
        'admin/index.php': '<?php echo "admin";',
      },
    });
    stops.push(() => fpm.stop());
    const sock = fpm.endpoint.kind === 'unix' ? fpm.endpoint.path : '';
    let vhost = '';
    const apache = await startApache({
      modules: ['proxy_fcgi'],
      config: (ctx) => {
        vhost = `${ctx.extraDir}/blog.conf`;
        writeFileSync(
          vhost,
          `<VirtualHost *:${ctx.port}>\nServerName blog.example.org\nDocumentRoot ${fpm.docRoot}\n<Directory ${fpm.docRoot}>\nRequire all granted\n</Directory>\n<Directory ${fpm.docRoot}/admin>\nRequire all denied\n</Directory>\n</VirtualHost>\n`,
        );
        // Debian's conf-available/php8.2-fpm.conf, with the test pool's socket.
        return `<FilesMatch ".+\\.ph(?:ar|p|tml)$">\nSetHandler "proxy:unix:${sock}|fcgi://localhost"\n</FilesMatch>\nDirectoryIndex index.html index.php\nInclude ${vhost}\n`;
      },
    });
    stops.push(() => apache.stop());
    const { web, notices } = await checkHttp(apache.confPath, vhost);
    expect(web).toEqual([]);
    expect(notices).toEqual([]);
    expect(requested(apache).sort()).toEqual(['/admin/index.php', '/index.php', '/sub/page.php']);
  });

  it('a script that fails in PHP while the backend answers another: backend-error-status for that URL only', async () => {
    const { apache, vhost } = await site(
      { 'index.php': '<?php echo "hello";', 'sub/index.php': '<?php undefined_function();' },
      filesMatch,
    );
    expect((await apache.http('/sub/index.php', { headers: { Host: 'site.test' } })).status).toBe(500);
    const { web } = await checkHttp(apache.confPath, vhost);
    expect(web.map((f) => f.id)).toEqual(['backend-error-status']);
    expect(web[0]!.message).toMatch(/\/sub\/index\.php.*answered 500.*direct request for another script with 200/);
  });

  it('the configuration changed on disk after Apache started (not reloaded): route-mismatch, with the reload as fix', async () => {
    const { apache, vhost, sock, rewrite } = await site({ 'index.php': '<?php echo "hello";' }, filesMatch);
    await answered(apache, 'hello');
    // Process start times are known to the second (/proc's btime): a change more than a second after
    // the children started is seen as a fact, not guessed.
    await new Promise((r) => setTimeout(r, 1500));
    // The file now denies .php; the running Apache still sends it to PHP-FPM.
    rewrite(
      `<FilesMatch \\.php$>\nSetHandler "proxy:unix:${sock}|fcgi://localhost"\nRequire all denied\n</FilesMatch>\n`,
    );
    expect((await apache.http('/index.php', { headers: { Host: 'site.test' } })).body).toBe('hello');
    const { web, notices } = await checkHttp(apache.confPath, vhost);
    // The notices too: a request that failed says why there.
    expect({ web: web.map((f) => `${f.id}/${f.severity}`), notices }).toEqual({
      web: ['route-mismatch/warning'],
      notices: [],
    });
    const f = web[0]!;
    expect(f.message).toMatch(
      /Apache answered 200; the configuration on disk says the request is answered by Apache itself with status 403/,
    );
    expect(f.message).toMatch(
      /was changed at .* after the running Apache .* loaded its configuration .*: the change is not live, Apache was not reloaded/,
    );
    expect(f.location?.file).toBe(vhost);
    expect(
      f.evidence.some(
        (e) => e.kind === 'request' && /GET http:\/\/site\.test:\d+\/index\.php .*status 200/.test(e.text),
      ),
    ).toBe(true);
  });

  it("the file now sends .php to PHP-FPM, the running Apache still denies it: route-mismatch on Apache's own 403 page", async () => {
    const { apache, vhost, sock, rewrite } = await site(
      { 'index.php': '<?php echo "hello";' },
      () => '<FilesMatch \\.php$>\nRequire all denied\n</FilesMatch>\n',
    );
    await answered(apache, /<title>403 Forbidden<\/title>/);
    rewrite(filesMatch(sock));
    const { web, notices } = await checkHttp(apache.confPath, vhost);
    // The notices too: a request that failed says why there.
    expect({ web: web.map((f) => `${f.id}/${f.severity}`), notices }).toEqual({
      web: ['route-mismatch/warning'],
      notices: [],
    });
    expect(web[0]!.message).toMatch(/answered 403 itself, with its own error page.*FastCGI backend unix:/);
  });

  it('the file now has a handler the running Apache lacks: the bytes of the script are the source, and the reload is the fix', async () => {
    const page = '<html><body><?php echo "hi"; ?></body></html>\n';
    const { apache, vhost, sock, rewrite } = await site({ 'index.php': page }, () => '');
    await answered(apache, page);
    rewrite(filesMatch(sock));
    const { web, code } = await checkHttp(apache.confPath, vhost);
    expect(web.map((f) => f.id)).toEqual(['source-served-as-text']);
    expect(web[0]!.message).toMatch(
      /bytes of the script file itself.*(does not run this configuration|the change is not live)/,
    );
    expect(code).toBe(1);
  });

  it('AddType application/x-httpd-php where no handler reaches the file: source-served-as-text by its Content-Type', async () => {
    // The handler covers /app/ only; the page at / starts with HTML, so only its type gives the source away.
    const page = '<html><body><?php echo "hi"; ?></body></html>\n';
    const { apache, vhost } = await site(
      { 'index.php': page, 'app/index.php': '<?php echo "app";' },
      (sock) =>
        `AddType application/x-httpd-php .php\n<Location /app/>\nSetHandler "proxy:unix:${sock}|fcgi://localhost"\n</Location>\n`,
    );
    const served = await apache.http('/index.php', { headers: { Host: 'site.test' } });
    expect(served.headers['content-type']).toBe('application/x-httpd-php');
    expect(served.body).toBe(page);
    const { web, code } = await checkHttp(apache.confPath, vhost);
    expect(web.map((f) => f.id)).toEqual(['source-served-as-text']);
    expect(web[0]!.evidence[0]!.text).toMatch(/\/index\.php .*Content-Type application\/x-httpd-php/);
    expect(code).toBe(1);
  });
});
