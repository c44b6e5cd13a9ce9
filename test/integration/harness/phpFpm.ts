/**
 * PHP-FPM under a private configuration: its own php-fpm.conf (pid, error_log,
 * `daemonize = no`), one file per pool in `pool.d/`, a document root with the
 * caller's scripts, sockets in `run/`. The master runs as root (as on a real
 * server) and the workers as www-data; PHP-FPM refuses a pool running as root
 * unless started with -R (`allowRoot`).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Endpoint } from './endpoint.js';
import { freePort } from './freePort.js';
import { BINARIES } from './requireServer.js';
import { startProcess, tailFile, type ServerProcess } from './process.js';
import { makeDir, makeTempDir, writeFile, writeFiles, type FileSpec } from './tempdir.js';
import { waitFor, waitForEndpoint } from './waitFor.js';

/** The installed PHP-FPM, whatever its version (requireServer's findPhpFpmBinary). */
export const PHP_FPM_BINARY = BINARIES.phpFpm.path;

/** Where a pool listens: a Unix socket (default `<dir>/run/<pool>.sock`) or TCP (default 127.0.0.1:<free port>). */
export type PhpFpmListen = { kind: 'unix'; path?: string } | { kind: 'tcp'; host?: string; port?: number };

export interface PhpFpmPoolOptions {
  /** Pool name (default `www` for the first pool, `pool2`, `pool3`… for the others). */
  name?: string;
  /** Default `{ kind: 'unix' }`. */
  listen?: PhpFpmListen;
  /** listen.owner / listen.group (default www-data); `null` leaves the directive out, so the socket stays root's. */
  listenOwner?: string | null;
  listenGroup?: string | null;
  /** listen.mode (default '0660'); `null` leaves it out. */
  listenMode?: string | null;
  /** listen.allowed_clients (TCP only). */
  listenAllowedClients?: string;
  listenBacklog?: number;
  /** Pool user / group (default www-data). `root` needs `allowRoot` on the start options. */
  user?: string;
  group?: string;
  /** Default 'static'. */
  pm?: 'static' | 'dynamic' | 'ondemand';
  /** pm.max_children (default 2). */
  maxChildren?: number;
  /** dynamic: pm.start_servers / pm.min_spare_servers / pm.max_spare_servers (defaults 1 / 1 / maxChildren). */
  startServers?: number;
  minSpareServers?: number;
  maxSpareServers?: number;
  /** pm.max_requests. */
  maxRequests?: number;
  /** ping.path (default '/ping'); `null` disables it. */
  pingPath?: string | null;
  /** ping.response (FPM's default 'pong'). */
  pingResponse?: string;
  /** pm.status_path, e.g. '/status' (default none). */
  statusPath?: string;
  /** security.limit_extensions (default ['.php']). */
  limitExtensions?: string[];
  /** request_slowlog_timeout (e.g. '1s'); the slow log goes to `<dir>/log/<pool>.slow.log`. */
  slowlogTimeout?: string;
  /** request_terminate_timeout (e.g. '5s'). */
  requestTerminateTimeout?: string;
  /** catch_workers_output (default yes, so app stderr lands in the error log). */
  catchWorkersOutput?: boolean;
  /** php_admin_value[...] lines, e.g. `{ memory_limit: '32M' }`. */
  phpAdminValues?: Record<string, string>;
  /** Raw lines appended to the pool section. */
  extra?: string;
}

export interface StartPhpFpmOptions extends PhpFpmPoolOptions {
  /** PHP scripts and other files for the document root, `{ 'index.php': '<?php echo 1;' }`. */
  scripts?: Record<string, FileSpec>;
  /**
   * Several pools; the pool options given at the top level are the defaults of
   * each. Without it there is one pool made of the top-level options.
   */
  pools?: PhpFpmPoolOptions[];
  /** log_level of the global section (default 'notice'). */
  logLevel?: 'alert' | 'error' | 'warning' | 'notice' | 'debug';
  /** Raw lines appended to [global]. */
  globalExtra?: string;
  /** Start with -R so that a pool may run as root. */
  allowRoot?: boolean;
  /** Start-up deadline (default 20 s). */
  timeoutMs?: number;
  /**
   * Run PHP-FPM through this command, e.g. `unshare --mount …` to start it in a mount
   * namespace of its own: `command ...args <php-fpm> <its args>`. It must exec the
   * binary (no fork), so that the process started is the master.
   */
  launcher?: { command: string; args: string[] };
}

export interface PhpFpmPool {
  name: string;
  endpoint: Endpoint;
  poolConfPath: string;
  /** Present when slowlogTimeout was set. */
  slowlogPath: string | undefined;
}

export interface PhpFpmServer {
  /** The first pool's endpoint. */
  endpoint: Endpoint;
  /** Every pool, in order. */
  pools: PhpFpmPool[];
  /** The temp dir holding everything. */
  dir: string;
  docRoot: string;
  confPath: string;
  /** The first pool's file. */
  poolConfPath: string;
  errorLogPath: string;
  pidPath: string;
  /** The master's pid (we spawned it: it is also the process-group id). */
  pid: number;
  process: ServerProcess;
  /** The error log so far. */
  errorLog(): string;
  /** Kills master and workers, removes the temp dir. */
  stop(): Promise<void>;
}

const POOL_KEYS: (keyof PhpFpmPoolOptions)[] = [
  'listen',
  'listenOwner',
  'listenGroup',
  'listenMode',
  'listenAllowedClients',
  'listenBacklog',
  'user',
  'group',
  'pm',
  'maxChildren',
  'startServers',
  'minSpareServers',
  'maxSpareServers',
  'maxRequests',
  'pingPath',
  'pingResponse',
  'statusPath',
  'limitExtensions',
  'slowlogTimeout',
  'requestTerminateTimeout',
  'catchWorkersOutput',
  'phpAdminValues',
  'extra',
];

function poolDefaults(opts: StartPhpFpmOptions): PhpFpmPoolOptions {
  const out: Record<string, unknown> = {};
  for (const k of POOL_KEYS) if (opts[k] !== undefined) out[k] = opts[k];
  return out as PhpFpmPoolOptions;
}

async function resolveListen(listen: PhpFpmListen | undefined, dir: string, pool: string): Promise<Endpoint> {
  if (!listen || listen.kind === 'unix') {
    return { kind: 'unix', path: listen?.path ?? `${dir}/run/${pool}.sock` };
  }
  const host = listen.host ?? '127.0.0.1';
  return { kind: 'tcp', host, port: listen.port ?? (await freePort(host)) };
}

function poolConf(name: string, p: PhpFpmPoolOptions, endpoint: Endpoint, slowlogPath: string | undefined): string {
  const user = p.user ?? 'www-data';
  const lines = [
    `; written by the fcgi-doctor integration harness`,
    `[${name}]`,
    `user = ${user}`,
    `group = ${p.group ?? (user === 'www-data' ? 'www-data' : user)}`,
    `listen = ${endpoint.kind === 'unix' ? endpoint.path : `${endpoint.host}:${endpoint.port}`}`,
  ];
  const owner = p.listenOwner === undefined ? 'www-data' : p.listenOwner;
  const group = p.listenGroup === undefined ? 'www-data' : p.listenGroup;
  const mode = p.listenMode === undefined ? '0660' : p.listenMode;
  if (owner !== null) lines.push(`listen.owner = ${owner}`);
  if (group !== null) lines.push(`listen.group = ${group}`);
  if (mode !== null) lines.push(`listen.mode = ${mode}`);
  if (p.listenAllowedClients) lines.push(`listen.allowed_clients = ${p.listenAllowedClients}`);
  if (p.listenBacklog !== undefined) lines.push(`listen.backlog = ${p.listenBacklog}`);
  const pm = p.pm ?? 'static';
  const max = p.maxChildren ?? 2;
  lines.push(`pm = ${pm}`, `pm.max_children = ${max}`);
  if (pm === 'dynamic') {
    lines.push(
      `pm.start_servers = ${p.startServers ?? 1}`,
      `pm.min_spare_servers = ${p.minSpareServers ?? 1}`,
      `pm.max_spare_servers = ${p.maxSpareServers ?? max}`,
    );
  }
  if (pm === 'ondemand') lines.push('pm.process_idle_timeout = 10s');
  if (p.maxRequests !== undefined) lines.push(`pm.max_requests = ${p.maxRequests}`);
  const ping = p.pingPath === undefined ? '/ping' : p.pingPath;
  if (ping !== null) lines.push(`ping.path = ${ping}`);
  if (p.pingResponse !== undefined) lines.push(`ping.response = ${p.pingResponse}`);
  if (p.statusPath !== undefined) lines.push(`pm.status_path = ${p.statusPath}`);
  lines.push(`security.limit_extensions = ${(p.limitExtensions ?? ['.php']).join(' ')}`);
  if (slowlogPath !== undefined) {
    lines.push(`slowlog = ${slowlogPath}`, `request_slowlog_timeout = ${p.slowlogTimeout}`);
  }
  if (p.requestTerminateTimeout !== undefined) lines.push(`request_terminate_timeout = ${p.requestTerminateTimeout}`);
  lines.push(`catch_workers_output = ${p.catchWorkersOutput === false ? 'no' : 'yes'}`);
  for (const [k, v] of Object.entries(p.phpAdminValues ?? {})) lines.push(`php_admin_value[${k}] = ${v}`);
  if (p.extra) lines.push(p.extra);
  return `${lines.join('\n')}\n`;
}

/** Starts PHP-FPM and waits until every pool accepts connections. */
export async function startPhpFpm(opts: StartPhpFpmOptions = {}): Promise<PhpFpmServer> {
  const tmp = makeTempDir('php-fpm');
  try {
    const dir = tmp.path;
    const docRoot = makeDir(tmp.join('htdocs'));
    makeDir(tmp.join('run'));
    makeDir(tmp.join('log'));
    makeDir(tmp.join('pool.d'));
    writeFiles(docRoot, opts.scripts ?? {});
    const defaults = poolDefaults(opts);
    const poolOpts = (opts.pools ?? [{}]).map((p) => ({ ...defaults, ...p }));
    const pools: PhpFpmPool[] = [];
    for (const [i, p] of poolOpts.entries()) {
      const name = p.name ?? (i === 0 ? 'www' : `pool${i + 1}`);
      const endpoint = await resolveListen(p.listen, dir, name);
      const slowlogPath = p.slowlogTimeout !== undefined ? tmp.join('log', `${name}.slow.log`) : undefined;
      const poolConfPath = writeFile(tmp.join('pool.d', `${name}.conf`), poolConf(name, p, endpoint, slowlogPath));
      pools.push({ name, endpoint, poolConfPath, slowlogPath });
    }
    const first = pools[0];
    if (!first) throw new Error('startPhpFpm: no pool');
    const errorLogPath = tmp.join('log', 'php-fpm.log');
    const pidPath = tmp.join('run', 'php-fpm.pid');
    const confPath = writeFile(
      tmp.join('php-fpm.conf'),
      [
        '; written by the fcgi-doctor integration harness',
        '[global]',
        `pid = ${pidPath}`,
        `error_log = ${errorLogPath}`,
        `log_level = ${opts.logLevel ?? 'notice'}`,
        'daemonize = no',
        ...(opts.globalExtra ? [opts.globalExtra] : []),
        `include = ${tmp.join('pool.d')}/*.conf`,
        '',
      ].join('\n'),
    );
    const args = ['--nodaemonize', '--fpm-config', confPath];
    if (opts.allowRoot) args.push('--allow-to-run-as-root');
    const [command, argv] = opts.launcher
      ? [opts.launcher.command, [...opts.launcher.args, PHP_FPM_BINARY, ...args]]
      : [PHP_FPM_BINARY, args];
    const proc = startProcess(command, argv, {
      name: 'php-fpm',
      outputPath: tmp.join('log', 'php-fpm.out'),
      cwd: dir,
      ownedPaths: [dir],
    });
    const errorLog = () => tailFile(errorLogPath, 1 << 20);
    const stop = async () => {
      await proc.stop();
      tmp.remove();
    };
    try {
      const diagnostics = () => `--- ${errorLogPath} ---\n${tailFile(errorLogPath, 4096)}`;
      for (const pool of pools) {
        await waitForEndpoint(pool.endpoint, { process: proc, timeoutMs: opts.timeoutMs ?? 20_000, diagnostics });
      }
      // The pid file is written once the master is ready to manage its children.
      await waitFor(() => existsSync(pidPath) && readFileSync(pidPath, 'utf8').trim() !== '', {
        what: 'the php-fpm pid file',
        process: proc,
        timeoutMs: 5000,
        diagnostics,
      });
    } catch (e) {
      await stop();
      throw e;
    }
    return {
      endpoint: first.endpoint,
      pools,
      dir,
      docRoot,
      confPath,
      poolConfPath: first.poolConfPath,
      errorLogPath,
      pidPath,
      pid: proc.pid,
      process: proc,
      errorLog,
      stop,
    };
  } catch (e) {
    tmp.remove();
    throw e;
  }
}
