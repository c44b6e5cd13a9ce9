/**
 * The route of one request through a web server: what the server does with
 * it step by step (each with the config line that decided it), and where it
 * ends — a FastCGI backend with the exact params it receives, a file the
 * server sends itself, or a status the server answers with.
 *
 * Plain data: `trace --format json` prints it (as the contract's `trace`
 * member) and `check` reads it to find the scripts a vhost really serves.
 */
import type { Endpoint, FastcgiModule, SetupMode } from '../setups/types.js';

/** One request, as the client sends it. */
export interface RouteRequest {
  /** The URL as the user gave it (for reports). */
  url: string;
  scheme: 'http' | 'https';
  /**
   * The host the Host header names, without its port, lower-cased ('' when
   * the request has none): it picks the name-based vhost and, with
   * UseCanonicalName Off, is SERVER_NAME. The Host header itself (with the
   * port it may name) is `headers.host`.
   */
  host: string;
  /**
   * The port the connection arrives on (the URL's, or 80/443): it picks the
   * IP-based vhosts. It is not SERVER_PORT: httpd takes that from the Host
   * header's port, else the ServerName's, else the scheme's default
   * (core.c ap_get_server_port), never from the connection unless
   * UseCanonicalPhysicalPort On.
   */
  port: number;
  /**
   * Local IP address the connection arrives on, for IP-based vhost
   * selection; undefined: whatever address the configuration listens on
   * (the first Listen that has this port).
   */
  localAddress?: string;
  /** The client's address and port (REMOTE_ADDR, REMOTE_PORT), when known; else the params say so in `uncertain`. */
  remoteAddress?: string;
  remotePort?: number;
  method: string;
  /** The path exactly as sent on the request line (still %-encoded), starting with '/'. */
  path: string;
  /** Query string without the '?' ('' for none; undefined when the URL had no '?'). */
  query?: string;
  /**
   * Every request header the client sends, names lower-cased: each becomes an
   * HTTP_* param. `host` is the Host header exactly as sent (parseRouteUrl
   * writes what a browser sends: host[:port], the port only when not the
   * scheme's default); when absent, the model assumes that same browser form
   * from `host` and `port`.
   */
  headers: Record<string, string>;
}

/** One thing the server did, with the line of configuration that made it do so. */
export interface RouteStep {
  /** Short kind: "vhost", "alias", "rewrite", "proxypass", "documentroot", "directoryindex", "pathinfo", "section", "htaccess", "handler", "access", "backend", "redirect", "status"… */
  what: string;
  file?: string;
  line?: number;
  /** What happened, in plain words ("Alias /app /srv/app: /app/x.php → /srv/app/x.php"). */
  text: string;
}

export type RouteOutcome = 'fastcgi' | 'static' | 'status';

export interface RouteBackend {
  /** The Apache module, or 'nginx' (its fastcgi module: fastcgi_pass). */
  module: FastcgiModule | 'nginx';
  mode: SetupMode;
  /** The endpoint as ping writes it ("unix:/run/php/php8.2-fpm.sock", "127.0.0.1:9000"); null when Apache starts the process. */
  target: string | null;
  endpoint?: Endpoint;
  /** The id of the matching FastcgiSetup of the configuration model, when one matches. */
  setupId?: string;
  /** Exactly what the backend receives (a param the module does not send is absent). */
  params: Record<string, string>;
  /**
   * Params the backend receives whose value the model could not know, left out of
   * `params` ("PATH: the PATH of the environment Apache was started with"); also in the
   * route's `uncertain`. They say nothing of where the request goes.
   */
  unknown?: string[];
  /** nginx: the `upstream` block fastcgi_pass names, with its servers as written (target is the first one). */
  upstream?: { name: string; file: string; line: number; servers: string[] };
  /** The script Apache executes itself (mod_fcgid, mod_fastcgi static/dynamic), or the file the backend is asked to run. */
  script?: string;
}

/** A directive a .htaccess file holds that Apache cannot run there: every URL beneath answers 500. */
export interface HtaccessProblem {
  file: string;
  line: number;
  directive: string;
  /** 'unknown': no loaded module defines it; 'not-allowed': AllowOverride does not permit it; 'unreadable': Apache cannot read the file (403); 'syntax': a malformed line */
  kind: 'unknown' | 'not-allowed' | 'unreadable' | 'syntax';
  /** The AllowOverride line that forbids it ('not-allowed'). */
  allowOverride?: { file: string; line: number; text: string };
  /** Apache's own message for it, as its error log writes it. */
  message: string;
  /** The arguments as written after the directive's name (what a fix moves elsewhere, e.g. "memory_limit 256M"). */
  text?: string;
}

export interface Route {
  url: string;
  request: RouteRequest;
  /** The vhost that serves the request; null for the main server. */
  vhost: { file: string; line: number; serverName?: string } | null;
  steps: RouteStep[];
  /** The file the URL maps to (r->filename after the PATH_INFO split), or null (proxied, no file). */
  file: string | null;
  /** The PATH_INFO part split off the URL, when there is one. */
  pathInfo?: string;
  /** r->handler at the end ("proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost", "fcgid-script", "fastcgi-script"), or null (default handler). */
  handler: string | null;
  outcome: RouteOutcome;
  /** The HTTP status when the outcome is "status" (403, 404, 500, 302…). */
  status?: number;
  /** Location of a redirect. */
  location?: string;
  backend?: RouteBackend;
  /** What could not be decided statically, and why ("RewriteCond %{HTTP_COOKIE} depends on the request's cookies"). */
  uncertain: string[];
  /** .htaccess problems met on the way (the request answers 500 because of them). */
  htaccess: HtaccessProblem[];
  /** Options in effect for the file's directory after every merge (sorted names), when a file was reached. */
  options?: string[];
  /**
   * File checks the web server's worker was refused (nginx: its `user` may not search a directory
   * or read the file): the doctor sees the path, the worker gets "Permission denied" and answers
   * differently. Only when the route was traced as the worker's user.
   */
  refused?: RouteRefusal[];
}

/** One file check of the route that the worker's user may not make. */
export interface RouteRefusal {
  /** Whose check: try_files, index, static (the file sent), if (-f/-d/-e), realpath ($realpath_root). */
  directive: 'try_files' | 'index' | 'static' | 'if' | 'realpath';
  /** The path the web server looked at. */
  path: string;
  /** The worker's user. */
  user: string;
  /** The path whose permission bits refuse: the target itself or a directory above it. */
  refusedAt: string;
  /** The bits the worker lacks there: "x" (search a directory), "r" (read). */
  missing: string[];
  /** The directive's place in the configuration, when it has one. */
  file?: string;
  line?: number;
}
