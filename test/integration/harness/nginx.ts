/**
 * nginx (Debian's /usr/sbin/nginx) under a private prefix in a temp dir:
 * `nginx -p <dir>/ -c <dir>/nginx.conf -e <dir>/logs/error.log`, one process
 * in the foreground (`daemon off; master_process off;`, so it runs as the
 * user running the tests and needs no `user`; with `masterProcess` a root
 * master whose worker drops to the `user` of `main`, as a packaged nginx
 * runs), pid file, error log and every
 * temp path in the dir, and the caller's text inside `http { }` (the servers
 * under test, listening on a free port above 1024). Debian's fastcgi_params,
 * fastcgi.conf and snippets/fastcgi-php.conf are copied from /etc/nginx
 * beside nginx.conf, so a case includes them by the relative names Debian's
 * sites use (relative includes resolve against the configuration's directory).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort } from './freePort.js';
import { startProcess, tailFile, type ServerProcess } from './process.js';
import { makeDir, makeTempDir, writeFile } from './tempdir.js';
import { waitForEndpoint } from './waitFor.js';

export const NGINX_BINARY = '/usr/sbin/nginx';

export interface NginxContext {
  /** nginx's prefix (-p), with a trailing slash: relative roots resolve against it. */
  prefix: string;
  docRoot: string;
  extraDir: string;
  port: number;
}

export interface StartNginxOptions {
  /** The text inside `http { }`, from the paths and port. */
  http: (ctx: NginxContext) => string;
  /** Directives of the main context (e.g. `user www-data;`), after the harness's own. */
  main?: string;
  /**
   * A master and a worker (`master_process on`), as a deployed nginx runs: its
   * process title is "nginx: master process … -c …", which fcgi-doctor reads, and
   * the requests are handled by a worker that drops to `main`'s `user`
   * (ngx_worker_process_init), so file permissions are the worker's. Needs root.
   */
  masterProcess?: boolean;
  timeoutMs?: number;
}

export interface NginxServer {
  prefix: string;
  confPath: string;
  docRoot: string;
  extraDir: string;
  port: number;
  pid: number;
  process: ServerProcess;
  errorLog(): string;
  stop(): Promise<void>;
}

/** The files of Debian's nginx-common a site includes, copied beside nginx.conf. */
const DEBIAN_INCLUDES = ['fastcgi_params', 'fastcgi.conf', 'snippets/fastcgi-php.conf'];

/** `nginx -v`'s version ("1.22.1"), or undefined when nginx is missing. */
export function nginxVersion(): string | undefined {
  const r = spawnSync(NGINX_BINARY, ['-v'], { encoding: 'utf8' });
  return /nginx\/(\S+)/.exec(`${r.stderr}${r.stdout}`)?.[1];
}

function nginxConf(logs: string, temp: string, http: string, main = '', masterProcess = false): string {
  return `# written by the fcgi-doctor integration harness
daemon off;
master_process ${masterProcess ? 'on' : 'off'};
worker_processes 1;
pid ${logs}/nginx.pid;
error_log ${logs}/error.log info;
${main}
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path ${temp}/body;
    fastcgi_temp_path ${temp}/fastcgi;
    proxy_temp_path ${temp}/proxy;
    uwsgi_temp_path ${temp}/uwsgi;
    scgi_temp_path ${temp}/scgi;
    default_type application/octet-stream;
    keepalive_timeout 0;
# --- caller's configuration ---
${http}
}
`;
}

export async function startNginx(opts: StartNginxOptions): Promise<NginxServer> {
  const tmp = makeTempDir('nginx');
  try {
    const prefix = `${tmp.path}/`;
    const logs = makeDir(tmp.join('logs'));
    const temp = makeDir(tmp.join('temp'));
    const ctx: NginxContext = {
      prefix,
      docRoot: makeDir(tmp.join('www')),
      extraDir: makeDir(tmp.join('extra')),
      port: await freePort(),
    };
    makeDir(tmp.join('snippets'));
    for (const f of DEBIAN_INCLUDES) writeFile(tmp.join(f), readFileSync(`/etc/nginx/${f}`));
    const confPath = writeFile(
      tmp.join('nginx.conf'),
      nginxConf(logs, temp, opts.http(ctx), opts.main, opts.masterProcess),
    );
    const errorLogPath = `${logs}/error.log`;
    const test = spawnSync(NGINX_BINARY, ['-t', '-q', '-p', prefix, '-c', confPath, '-e', errorLogPath], {
      encoding: 'utf8',
    });
    if (test.status !== 0) throw new Error(`nginx -t refused the configuration:\n${test.stderr}${test.stdout}`);
    const proc = startProcess(NGINX_BINARY, ['-p', prefix, '-c', confPath, '-e', errorLogPath], {
      name: 'nginx',
      outputPath: tmp.join('nginx.out'),
      ownedPaths: [tmp.path],
    });
    const stop = async () => {
      await proc.stop();
      tmp.remove();
    };
    try {
      await waitForEndpoint(
        { kind: 'tcp', host: '127.0.0.1', port: ctx.port },
        { process: proc, timeoutMs: opts.timeoutMs ?? 20_000 },
      );
    } catch (e) {
      await stop();
      throw e;
    }
    return {
      prefix,
      confPath,
      docRoot: ctx.docRoot,
      extraDir: ctx.extraDir,
      port: ctx.port,
      pid: proc.pid,
      process: proc,
      errorLog: () => tailFile(errorLogPath, 1 << 16),
      stop,
    };
  } catch (e) {
    tmp.remove();
    throw e;
  }
}
