/**
 * Apache 2.4 (Debian's apache2 binary) under a private ServerRoot in a temp
 * dir: its own httpd.conf loading only the modules asked for from
 * /usr/lib/apache2/modules, `Listen 127.0.0.1:<free port>`, PidFile,
 * ErrorLog, DefaultRuntimeDir, Mutex directory, `User`/`Group` www-data, and
 * the caller's config text (the vhost under test). Started with
 * `apache2 -d <root> -f <conf> -DFOREGROUND`; the parent stays root, the
 * children run as www-data.
 */
import { request } from 'node:http';
import { spawnSync } from 'node:child_process';
import { chownSync } from 'node:fs';
import { freePort } from './freePort.js';
import { startProcess, tailFile, type ServerProcess } from './process.js';
import { lookupGroup, lookupUser, makeDir, makeTempDir, writeFile, writeFiles, type FileSpec } from './tempdir.js';
import { waitForEndpoint } from './waitFor.js';

export const APACHE_BINARY = '/usr/sbin/apache2';
export const APACHE_MODULE_DIR = '/usr/lib/apache2/modules';

/** Modules loaded unless left out with `omitModules`. */
export const APACHE_BASE_MODULES = [
  'authz_core',
  'authz_host',
  'authn_core',
  'mime',
  'dir',
  'alias',
  'env',
  'setenvif',
];

/** Modules that others need loaded first. */
const MODULE_DEPENDENCIES: Record<string, string[]> = {
  proxy_fcgi: ['proxy'],
  proxy_http: ['proxy'],
  proxy_uwsgi: ['proxy'],
  proxy_balancer: ['proxy', 'slotmem_shm'],
  lbmethod_byrequests: ['proxy_balancer'],
};

/** What the caller's config may need to know before the server exists. */
export interface ApacheContext {
  serverRoot: string;
  docRoot: string;
  port: number;
  /** Directory for anything else the caller wants (created, 0755). */
  extraDir: string;
}

export interface StartApacheOptions {
  /** Default 'event'. */
  mpm?: 'event' | 'prefork' | 'worker';
  /** Modules to load besides the base set, by short name: 'proxy_fcgi', 'fcgid', 'rewrite', 'cgid', 'status'… */
  modules?: string[];
  /** Base modules to leave out (e.g. to reproduce a missing module). */
  omitModules?: string[];
  /** Config appended to httpd.conf: text, or a function of the paths and port. */
  config?: string | ((ctx: ApacheContext) => string);
  /** Files for the document root (mode 0644 unless given). */
  files?: Record<string, FileSpec>;
  /** LogLevel (default 'warn'; e.g. 'info proxy_fcgi:trace1'). */
  logLevel?: string;
  /** User / Group of the children (default www-data). */
  user?: string;
  group?: string;
  /** Timeout directive in seconds (default 30). */
  timeoutSeconds?: number;
  /** Port to listen on 127.0.0.1 (default a free port). */
  port?: number;
  timeoutMs?: number;
  /**
   * Runs Apache in a mount namespace of its own with an empty /var/tmp (unshare + a tmpfs), as
   * systemd's PrivateTmp=true does; /var/tmp only, since the test's own files live under /tmp.
   */
  privateVarTmp?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  bodyBytes: Buffer;
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Default 15 s. */
  timeoutMs?: number;
}

export interface ApacheServer {
  port: number;
  serverRoot: string;
  docRoot: string;
  confPath: string;
  errorLogPath: string;
  accessLogPath: string;
  pidPath: string;
  /** The parent's pid (also its process-group id). */
  pid: number;
  process: ServerProcess;
  /** The environment Apache was started with (its master's /proc/PID/environ, shells aside): PATH, LANG, APACHE_*. */
  environment: Record<string, string>;
  /** The error log so far. */
  errorLog(): string;
  /** An HTTP request to this server (GET by default). */
  http(pathname: string, opts?: HttpOptions): Promise<HttpResponse>;
  stop(): Promise<void>;
}

/** One HTTP/1.1 request to 127.0.0.1:port with node:http (no keep-alive). */
export function httpRequest(port: number, pathname: string, opts: HttpOptions = {}): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: pathname,
        method: opts.method ?? 'GET',
        agent: false,
        headers: {
          Host: 'localhost',
          ...(body !== undefined ? { 'Content-Length': String(body.length) } : {}),
          ...(opts.headers ?? {}),
        },
        timeout: opts.timeoutMs ?? 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const bodyBytes = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bodyBytes.toString('utf8'), bodyBytes });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`HTTP ${pathname}: no answer within ${opts.timeoutMs ?? 15_000} ms`)),
    );
    req.on('error', reject);
    req.end(body);
  });
}

function moduleList(opts: StartApacheOptions): string[] {
  const omit = new Set(opts.omitModules ?? []);
  const out: string[] = [];
  const add = (m: string) => {
    for (const dep of MODULE_DEPENDENCIES[m] ?? []) add(dep);
    if (!out.includes(m)) out.push(m);
  };
  for (const m of APACHE_BASE_MODULES) if (!omit.has(m)) add(m);
  for (const m of opts.modules ?? []) add(m);
  return out;
}

function mpmConfig(mpm: string): string {
  switch (mpm) {
    case 'prefork':
      return 'StartServers 2\nMinSpareServers 1\nMaxSpareServers 3\nMaxRequestWorkers 10\nMaxConnectionsPerChild 0';
    default:
      return 'StartServers 1\nServerLimit 2\nThreadsPerChild 10\nMaxRequestWorkers 20\nMinSpareThreads 5\nMaxSpareThreads 20\nMaxConnectionsPerChild 0';
  }
}

function httpdConf(
  opts: StartApacheOptions,
  ctx: ApacheContext,
  paths: Record<'pid' | 'error' | 'access' | 'run' | 'lock' | 'fcgid', string>,
): string {
  const mpm = opts.mpm ?? 'event';
  const loads = [`LoadModule mpm_${mpm}_module ${APACHE_MODULE_DIR}/mod_mpm_${mpm}.so`];
  for (const m of moduleList(opts)) loads.push(`LoadModule ${m}_module ${APACHE_MODULE_DIR}/mod_${m}.so`);
  const extra = typeof opts.config === 'function' ? opts.config(ctx) : (opts.config ?? '');
  return `# written by the fcgi-doctor integration harness
ServerRoot "${ctx.serverRoot}"
DefaultRuntimeDir ${paths.run}
PidFile ${paths.pid}
Mutex file:${paths.lock} default
${loads.join('\n')}

User ${opts.user ?? 'www-data'}
Group ${opts.group ?? opts.user ?? 'www-data'}
ServerName localhost
Listen 127.0.0.1:${ctx.port}
Timeout ${opts.timeoutSeconds ?? 30}
KeepAlive Off
${mpmConfig(mpm)}

ErrorLog ${paths.error}
LogLevel ${opts.logLevel ?? 'warn'}
LogFormat "%h %l %u %t \\"%r\\" %>s %b %D" timed
CustomLog ${paths.access} timed
TypesConfig /etc/mime.types

DocumentRoot "${ctx.docRoot}"
<Directory />
    Options FollowSymLinks
    AllowOverride None
    Require all denied
</Directory>
<Directory "${ctx.docRoot}">
    Options FollowSymLinks
    AllowOverride None
    Require all granted
</Directory>
<IfModule dir_module>
    DirectoryIndex index.html index.php
</IfModule>
<IfModule fcgid_module>
    FcgidIPCDir ${paths.fcgid}/sock
    FcgidProcessTableFile ${paths.fcgid}/shm
</IfModule>

# --- caller's configuration ---
${extra}
`;
}

interface Prepared {
  tmp: ReturnType<typeof makeTempDir>;
  ctx: ApacheContext;
  confPath: string;
  paths: Record<'pid' | 'error' | 'access' | 'run' | 'lock' | 'fcgid' | 'logs', string>;
  env: Record<string, string>;
}

/** The PATH Apache runs with (startProcess's own). */
const APACHE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Writes the private ServerRoot and httpd.conf (does not start anything). */
async function prepare(opts: StartApacheOptions): Promise<Prepared> {
  const tmp = makeTempDir('apache');
  try {
    const serverRoot = tmp.path;
    const docRoot = makeDir(tmp.join('htdocs'));
    const extraDir = makeDir(tmp.join('extra'));
    writeFiles(docRoot, opts.files ?? {});
    const run = makeDir(tmp.join('run'));
    const lock = makeDir(tmp.join('lock'));
    const logs = makeDir(tmp.join('logs'));
    const fcgid = makeDir(tmp.join('fcgid'));
    const user = lookupUser(opts.user ?? 'www-data');
    const gid = lookupGroup(opts.group ?? opts.user ?? 'www-data');
    // mod_fcgid's process manager runs as User and creates its sockets here.
    chownSync(makeDir(`${fcgid}/sock`), user.uid, gid);
    const port = opts.port ?? (await freePort());
    const ctx: ApacheContext = { serverRoot, docRoot, port, extraDir };
    const paths = {
      pid: `${run}/apache2.pid`,
      error: `${logs}/error.log`,
      access: `${logs}/access.log`,
      run,
      lock,
      fcgid,
    };
    const confPath = writeFile(tmp.join('httpd.conf'), httpdConf(opts, ctx, paths));
    // Apache's whole environment, explicit: the routing model is told it (ApacheServer.environment), as the CLI
    // reads a running master's from /proc/PID/environ.
    const env: Record<string, string> = {
      PATH: APACHE_PATH,
      LANG: 'C',
      APACHE_RUN_DIR: run,
      APACHE_LOCK_DIR: lock,
      APACHE_LOG_DIR: logs,
      APACHE_PID_FILE: paths.pid,
      APACHE_RUN_USER: opts.user ?? 'www-data',
      APACHE_RUN_GROUP: opts.group ?? opts.user ?? 'www-data',
    };
    return { tmp, ctx, confPath, paths: { ...paths, logs }, env };
  } catch (e) {
    tmp.remove();
    throw e;
  }
}

export interface ApacheConfigTest {
  /** apache2 -t exited 0 ("Syntax OK"). */
  ok: boolean;
  /** What apache2 -t printed (stdout and stderr). */
  output: string;
  confPath: string;
}

/** Writes the configuration `startApache(opts)` would use and runs `apache2 -t` on it; the temp dir is removed. */
export async function testApacheConfig(opts: StartApacheOptions = {}): Promise<ApacheConfigTest> {
  const { tmp, ctx, confPath, env } = await prepare(opts);
  try {
    const r = spawnSync(APACHE_BINARY, ['-t', '-d', ctx.serverRoot, '-f', confPath], {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...env },
      encoding: 'utf8',
      timeout: 20_000,
    });
    return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}`, confPath };
  } finally {
    tmp.remove();
  }
}

async function startOnce(opts: StartApacheOptions): Promise<ApacheServer> {
  const { tmp, ctx, confPath, paths, env } = await prepare(opts);
  const { serverRoot, docRoot, port } = ctx;
  try {
    const args = ['-d', serverRoot, '-f', confPath, '-DFOREGROUND'];
    // unshare and sh both exec: the process started is Apache's master itself, as the pid file says.
    const [command, argv] = opts.privateVarTmp
      ? [
          'unshare',
          [
            '--mount',
            '--propagation',
            'private',
            'sh',
            '-c',
            'mount -t tmpfs tmpfs /var/tmp && exec "$0" "$@"',
            APACHE_BINARY,
            ...args,
          ],
        ]
      : [APACHE_BINARY, args];
    const proc = startProcess(command, argv, {
      name: 'apache2',
      outputPath: `${paths.logs}/apache2.out`,
      cwd: serverRoot,
      ownedPaths: [serverRoot],
      env,
    });
    const stop = async () => {
      await proc.stop();
      tmp.remove();
    };
    try {
      await waitForEndpoint(
        { kind: 'tcp', host: '127.0.0.1', port },
        {
          process: proc,
          timeoutMs: opts.timeoutMs ?? 30_000,
          diagnostics: () => `--- ${paths.error} ---\n${tailFile(paths.error, 4096)}`,
        },
      );
    } catch (e) {
      await stop();
      throw e;
    }
    return {
      port,
      serverRoot,
      docRoot,
      confPath,
      errorLogPath: paths.error,
      accessLogPath: paths.access,
      pidPath: paths.pid,
      pid: proc.pid,
      process: proc,
      environment: { ...env },
      errorLog: () => tailFile(paths.error, 1 << 20),
      http: (pathname, o) => httpRequest(port, pathname, o),
      stop,
    };
  } catch (e) {
    tmp.remove();
    throw e;
  }
}

/** Starts Apache and waits until its port accepts connections. Retries on another port if the one picked was taken meanwhile. */
export async function startApache(opts: StartApacheOptions = {}): Promise<ApacheServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      const clash = e instanceof Error && /Address already in use|could not bind/i.test(e.message);
      if (!clash || opts.port !== undefined || attempt >= 3) throw e;
    }
  }
}
