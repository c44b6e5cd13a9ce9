/**
 * What the configuration loads: module identifiers from LoadModule, the source
 * file names that <IfModule> also accepts, and a table of the directives we know
 * (which module provides each, where it may appear, how many arguments it takes).
 * The table covers core and the modules a FastCGI setup touches; directives we
 * do not know are never reported as unknown, because we cannot tell.
 */
import type { LoadedModule } from './tree.js';

/** Modules compiled into Debian's apache2 binary (`apache2 -l`). */
export const DEBIAN_STATIC_MODULES = [
  'core_module',
  'so_module',
  'watchdog_module',
  'http_module',
  'log_config_module',
  'logio_module',
  'version_module',
  'unixd_module',
];

const FILE_NAME_EXCEPTIONS: Record<string, string> = {
  core_module: 'core.c',
  http_module: 'http_core.c',
  mpm_event_module: 'event.c',
  mpm_worker_module: 'worker.c',
  mpm_prefork_module: 'prefork.c',
  php_module: 'mod_php.c',
};

/** The __FILE__ basename httpd registers for a module identifier. */
export function moduleFileName(id: string): string {
  const known = FILE_NAME_EXCEPTIONS[id];
  if (known) return known;
  return `mod_${id.replace(/_module$/, '')}.c`;
}

export class ModuleRegistry {
  readonly list: LoadedModule[] = [];
  private readonly names = new Set<string>();

  constructor(staticIds: readonly string[]) {
    for (const id of staticIds) this.add({ id, fileName: moduleFileName(id), path: '(static)' });
  }

  add(m: LoadedModule): boolean {
    if (this.names.has(m.id)) return false;
    this.list.push(m);
    this.names.add(m.id);
    this.names.add(m.fileName);
    return true;
  }

  /** <IfModule> test: exact, case-sensitive, either form. */
  has(nameOrFile: string): boolean {
    return this.names.has(nameOrFile);
  }
}

/**
 * Where a directive may appear (httpd's cmd->req_override and ap_check_cmd_context):
 * global = main server only; server = main server or <VirtualHost>; notdir = not
 * inside <Directory>/<Files>; dir = only inside <Directory>; any = anywhere.
 */
export type Where = 'global' | 'server' | 'notdir' | 'dir' | 'any';

export interface DirectiveSpec {
  module: string;
  where: Where;
  min?: number;
  max?: number;
}

function specs(module: string, where: Where, names: string, min?: number, max?: number): [string, DirectiveSpec][] {
  return names
    .split(/\s+/)
    .filter(Boolean)
    .map((n) => [n.toLowerCase(), { module, where, min, max }]);
}

const FCGID_SERVER_ONLY =
  'FcgidIPCDir FcgidMaxProcesses FcgidProcessTableFile FcgidBusyScanInterval FcgidErrorScanInterval FcgidIdleScanInterval FcgidZombieScanInterval FcgidSpawnScore FcgidSpawnScoreUpLimit FcgidTerminationScore FcgidTimeScore FcgidFixPathinfo FcgidWin32PreventOrphans SocketPath MaxProcessCount SharememPath';
const FCGID_SERVER =
  'FcgidBusyTimeout FcgidConnectTimeout FcgidIdleTimeout FcgidInitialEnv FcgidIOTimeout FcgidMaxProcessesPerClass FcgidMaxRequestInMem FcgidMaxRequestLen FcgidMaxRequestsPerProcess FcgidMinProcessesPerClass FcgidOutputBufferSize FcgidPassHeader FcgidProcessLifeTime FcgidCmdOptions IPCCommTimeout IPCConnectTimeout IdleTimeout BusyTimeout DefaultInitEnv MaxRequestLen MaxRequestsPerProcess DefaultMaxClassProcessCount DefaultMinClassProcessCount PassHeader ProcessLifeTime';
const FCGID_DIR =
  'FcgidWrapper FCGIWrapper FcgidAccessChecker FcgidAccessCheckerAuthoritative FcgidAuthenticator FcgidAuthenticatorAuthoritative FcgidAuthorizer FcgidAuthorizerAuthoritative';

export const DIRECTIVES: ReadonlyMap<string, DirectiveSpec> = new Map([
  ...specs('core_module', 'any', 'Define', 1, 2),
  ...specs('core_module', 'any', 'UnDefine Include IncludeOptional SetHandler AcceptPathInfo CGIPassAuth', 1, 1),
  ...specs('core_module', 'any', 'Options'),
  ...specs('core_module', 'any', 'Error AddDefaultCharset ForceType LimitRequestBody'),
  ...specs('core_module', 'global', 'ServerRoot DefaultRuntimeDir', 1, 1),
  ...specs('core_module', 'global', 'PidFile Mutex'),
  ...specs('core_module', 'server', 'ServerName DocumentRoot Timeout', 1, 1),
  ...specs(
    'core_module',
    'server',
    'ServerAlias ServerAdmin ErrorLog LogLevel KeepAlive ServerSignature ServerTokens HostnameLookups',
  ),
  ...specs('core_module', 'dir', 'AllowOverride AllowOverrideList'),
  ...specs('core_module', 'global', 'Listen'),
  ...specs('so_module', 'global', 'LoadModule', 2, 2),
  ...specs('so_module', 'global', 'LoadFile'),
  ...specs('unixd_module', 'global', 'User Group', 1, 1),
  ...specs('log_config_module', 'server', 'CustomLog LogFormat TransferLog GlobalLog'),
  ...specs('mime_module', 'any', 'AddHandler AddType RemoveHandler AddEncoding AddCharset AddLanguage TypesConfig'),
  ...specs('actions_module', 'any', 'Action', 2, 3),
  ...specs('actions_module', 'any', 'Script', 2, 2),
  ...specs('alias_module', 'server', 'Alias ScriptAlias AliasMatch ScriptAliasMatch'),
  ...specs('alias_module', 'any', 'Redirect RedirectMatch RedirectPermanent RedirectTemp'),
  ...specs('dir_module', 'any', 'DirectoryIndex DirectorySlash FallbackResource'),
  ...specs('authz_core_module', 'any', 'Require AuthzProviderAlias AuthMerging'),
  ...specs('authn_core_module', 'any', 'AuthType AuthName'),
  ...specs('authn_file_module', 'any', 'AuthUserFile'),
  ...specs('setenvif_module', 'any', 'SetEnvIf SetEnvIfNoCase BrowserMatch BrowserMatchNoCase SetEnvIfExpr'),
  ...specs('env_module', 'any', 'SetEnv PassEnv UnsetEnv'),
  ...specs('headers_module', 'any', 'Header RequestHeader'),
  ...specs('rewrite_module', 'any', 'RewriteEngine RewriteRule RewriteCond RewriteBase RewriteOptions'),
  ...specs('rewrite_module', 'server', 'RewriteMap'),
  ...specs('proxy_module', 'notdir', 'ProxyPass ProxyPassMatch ProxyPassReverse'),
  ...specs(
    'proxy_module',
    'server',
    'ProxyTimeout ProxyRequests ProxyPreserveHost ProxyErrorOverride ProxyBadHeader ProxyVia',
  ),
  ...specs('proxy_module', 'any', 'ProxySet BalancerMember ProxyAddHeaders'),
  ...specs('proxy_fcgi_module', 'any', 'ProxyFCGIBackendType ProxyFCGISetEnvIf'),
  ...specs('fastcgi_module', 'server', 'FastCgiServer AppClass FastCgiExternalServer ExternalAppClass', 1),
  ...specs('fastcgi_module', 'global', 'FastCgiConfig FCGIConfig FastCgiIpcDir FastCgiWrapper FastCgiSuexec'),
  ...specs(
    'fastcgi_module',
    'any',
    'FastCgiAuthenticator FastCgiAuthenticatorAuthoritative FastCgiAuthorizer FastCgiAuthorizerAuthoritative FastCgiAccessChecker FastCgiAccessCheckerAuthoritative',
  ),
  ...specs('fcgid_module', 'global', FCGID_SERVER_ONLY),
  ...specs('fcgid_module', 'server', FCGID_SERVER),
  ...specs('fcgid_module', 'any', FCGID_DIR),
  ...specs('suexec_module', 'server', 'SuexecUserGroup', 2, 2),
  ...specs('macro_module', 'any', 'Use UndefMacro'),
  ...specs('ssl_module', 'server', 'SSLEngine SSLCertificateFile SSLCertificateKeyFile'),
]);

/** Sections and the module that registers them (for <IfSection> and unknown-section checks). */
export const SECTIONS: ReadonlyMap<string, DirectiveSpec> = new Map([
  ...specs('core_module', 'global', 'VirtualHost'),
  ...specs('core_module', 'server', 'Directory DirectoryMatch Location LocationMatch'),
  ...specs(
    'core_module',
    'any',
    'Files FilesMatch If ElseIf Else Limit LimitExcept IfModule IfDefine IfFile IfDirective IfSection',
  ),
  ...specs('version_module', 'any', 'IfVersion'),
  ...specs('proxy_module', 'server', 'Proxy ProxyMatch'),
  ...specs('macro_module', 'any', 'Macro'),
  ...specs('authz_core_module', 'any', 'RequireAll RequireAny RequireNone'),
]);

/** Directives (lower-case) that mod_fcgid also registers as aliases: they prove nothing about mod_fastcgi. */
export const SHARED_FASTCGI_FCGID = new Set(
  'fastcgiauthenticator fastcgiauthenticatorauthoritative fastcgiauthorizer fastcgiauthorizerauthoritative fastcgiaccesschecker fastcgiaccesscheckerauthoritative'.split(
    ' ',
  ),
);

/** Does a loaded module provide this directive? Unknown directives: undefined. */
export function directiveProvided(name: string, modules: ModuleRegistry): boolean | undefined {
  const spec = DIRECTIVES.get(name.toLowerCase());
  if (!spec) return undefined;
  if (SHARED_FASTCGI_FCGID.has(name.toLowerCase()) && modules.has('fcgid_module')) return true;
  return modules.has(spec.module);
}

export function sectionProvided(name: string, modules: ModuleRegistry): boolean | undefined {
  const spec = SECTIONS.get(name.toLowerCase());
  if (!spec) return undefined;
  return modules.has(spec.module);
}
