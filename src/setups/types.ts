/**
 * One FastCGI setup: a way a request can reach a FastCGI application through
 * Apache, with everything the other checks need to probe it (endpoint, user,
 * script) and to explain it (where it is defined, which vhost and sections).
 */

/** The Apache modules, and nginx's fastcgi module (fastcgi_pass). */
export type FastcgiModule = 'fastcgi' | 'fcgid' | 'proxy_fcgi' | 'nginx';

/**
 * static: FastCgiServer (mod_fastcgi's process manager starts it);
 * dynamic: a fastcgi-script handler with no server definition (started per request);
 * external: FastCgiExternalServer (started by someone else);
 * fcgid: mod_fcgid (Apache starts processes on demand);
 * proxy: mod_proxy_fcgi (always an external backend).
 */
export type SetupMode = 'static' | 'dynamic' | 'external' | 'fcgid' | 'proxy';

export type Endpoint =
  /** `generated`: Apache makes up the socket name in this path's directory (mod_fastcgi hash, mod_fcgid IPC dir). */
  | { kind: 'unix'; path: string; generated?: boolean }
  /** `defaultPort`: no port was written and the scheme's default (8000 for fcgi://) applies. */
  | { kind: 'tcp'; host: string; port: number; defaultPort?: boolean };

export interface SourceRef {
  file: string;
  line: number;
  /** Include chain, outermost first ("/etc/apache2/apache2.conf:225"). */
  includedFrom: string[];
}

/** An Options line that shaped a directory's options, in merge order, with its words. */
export interface OptionsLine extends SourceRef {
  /** The words as written ("+FollowSymLinks", "None"). */
  args: string[];
}

export interface SectionRef extends SourceRef {
  /** As written: "VirtualHost", "IfModule", "FilesMatch". */
  name: string;
  args: string[];
  /** False when httpd skips this section's branch. */
  active: boolean;
  /** Result of a read-time conditional (<IfModule> etc.). */
  condition?: boolean;
}

export type MappingKind =
  | 'SetHandler'
  | 'AddHandler'
  | 'Action'
  | 'ProxyPass'
  | 'ProxyPassMatch'
  | 'RewriteRule'
  | 'BalancerMember'
  | 'FastCgiServer'
  /** nginx: the `location` block holding fastcgi_pass. */
  | 'location';

/** How requests reach the setup. */
export interface Mapping {
  kind: MappingKind;
  handler?: string;
  /** AddHandler extensions, with their dot (".php"). */
  extensions?: string[];
  /** URL prefix (ProxyPass, <Location>, Action/Alias URL). */
  urlPath?: string;
  /** URL regex (ProxyPassMatch, <LocationMatch>, RewriteRule). */
  urlRegex?: string;
  /** <Files>/<FilesMatch> pattern the mapping is limited to. */
  files?: string;
  /** The directive text, for evidence. */
  text: string;
  at: SourceRef;
}

export interface VhostRef {
  addresses: string[];
  serverName?: string;
  file: string;
  line: number;
}

export interface FastcgiSetup {
  /** Stable identity within one analysis ("fastcgi:static:/var/www/app.py@file:17"). */
  id: string;
  module: FastcgiModule;
  /** The LoadModule identifier httpd needs for it ("fastcgi_module"). */
  moduleId: 'fastcgi_module' | 'fcgid_module' | 'proxy_fcgi_module' | 'ngx_http_fastcgi_module';
  /** Whether that module (and for proxy_fcgi also proxy_module) is loaded. */
  loaded: boolean;
  /** False when the defining directive sits in a branch httpd skips. */
  active: boolean;
  inactiveReason?: string;
  mode: SetupMode;
  /** The directive that defines the setup, and its text. */
  definedAt: SourceRef;
  directive: string;
  reachedBy: Mapping[];
  /** undefined for the main server. */
  vhost?: VhostRef;
  /** Enclosing sections, outermost first (conditionals included). */
  sections: SectionRef[];
  endpoint?: Endpoint;
  /** mod_proxy_fcgi: the URL as written and the worker name it maps to (without unix:…|). */
  backendUrl?: string;
  workerName?: string;
  /** The script or wrapper Apache starts (static, dynamic, fcgid) or the identity path (external). */
  script?: string;
  /** Who the application runs as where Apache starts it; undefined for external backends. */
  runAs?: { user?: string; group?: string; via: 'web-server' | 'wrapper' | 'suexec' };
  /** Effective timeouts in seconds, by name (idle, appConnTimeout, io, busy, timeout, connect...). */
  timeouts: Record<string, number>;
  /** Effective Options for the script's directory (httpd merge rules). */
  options?: { directory: string; values: string[]; from: OptionsLine[] };
  /** Option words / worker parameters as written (-processes 4, enablereuse=on...). */
  params: Record<string, string>;
  /** Things the extractor could not settle, in plain words. */
  notes: string[];
}
