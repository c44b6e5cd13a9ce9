/**
 * What a .htaccess file may hold: each directive's override class (httpd's
 * command_rec req_override) and the module that defines it, for core and the
 * modules a FastCGI site's .htaccess touches. httpd decides from these two
 * facts alone whether a .htaccess line runs (config.c invoke_cmd: "(parms->
 * override & cmd->req_override) == 0" → "X not allowed here"; a name in no
 * loaded module's table → "Invalid command 'X', perhaps misspelled or defined
 * by a module not included in the server configuration").
 *
 * Sources (github:apache/httpd, each module's command_rec table, AP_INIT_*):
 * server/core.c core_cmds, modules/http/mod_mime.c, modules/mappers/
 * mod_dir.c, mod_alias.c, mod_rewrite.c, mod_actions.c, mod_negotiation.c,
 * modules/metadata/mod_setenvif.c, mod_env.c, mod_headers.c, mod_expires.c,
 * modules/filters/mod_deflate.c, modules/aaa/mod_authz_core.c,
 * mod_access_compat.c, mod_auth_basic.c, mod_authn_core.c, mod_authn_file.c,
 * modules/proxy/mod_proxy.c, mod_proxy_fcgi.c, modules/generators/
 * mod_autoindex.c; github:apache/httpd-mod_fcgid modules/fcgid/mod_fcgid.c
 * fcgid_cmds (wrapper and authorizers ACCESS_CONF|OR_FILEINFO, the rest
 * RSRC_CONF); github:FastCGI-Archives/mod_fastcgi mod_fastcgi.c fastcgi_cmds
 * (its authorizer directives ACCESS_CONF, the rest RSRC_CONF);
 * mod_php (php-src sapi/apache2handler/apache_config.c: php_value/php_flag
 * OR_OPTIONS, php_admin_value/php_admin_flag ACCESS_CONF|RSRC_CONF).
 *
 * A directive missing from this table is unknown to us, never reported.
 */

/** One override class, as AllowOverride names it. */
export type OverrideClass = 'AuthConfig' | 'FileInfo' | 'Indexes' | 'Limit' | 'Options';

export interface OverrideSpec {
  /** cmd->name as the module registers it: httpd's messages use this spelling ("order not allowed here"). */
  name: string;
  /** The modules (identifiers as LoadModule names them) any of which defines it. */
  modules: readonly string[];
  /** The classes that let .htaccess hold it; empty: never in .htaccess (RSRC_CONF/ACCESS_CONF only). */
  classes: ReadonlySet<OverrideClass>;
  /** ACCESS_CONF is among its contexts: AllowOverrideList keeps it (core.c set_override_list). */
  accessConf: boolean;
  /** EXEC_ON_READ: httpd runs it while it builds the tree, before any other line runs (config.c ap_build_config_sub). */
  execOnRead: boolean;
  /** A section opener ("<Files"). */
  section: boolean;
  /** args_how FLAG: one word, On or Off (config.c invoke_cmd: "X must be On or Off" otherwise). */
  flag: boolean;
  /** Another req_override when this module (one of `modules`) is loaded: it defines the name its own way. */
  when?: { module: string; classes: ReadonlySet<OverrideClass> };
}

/** The AP_INIT_FLAG directives among those .htaccess may hold (each module's command_rec table). */
const FLAGS = new Set(
  'CGIPassAuth QualifyRedirectURL AuthBasicAuthoritative AuthzSendForbiddenOnFailure IndexIgnoreReset IndexForbiddenReturn404 DirectoryCheckHandler ExpiresActive RewriteEngine FastCgiAuthenticatorAuthoritative FastCgiAuthorizerAuthoritative FastCgiAccessCheckerAuthoritative FcgidAuthenticatorAuthoritative FcgidAuthorizerAuthoritative FcgidAccessCheckerAuthoritative'
    .toLowerCase()
    .split(' '),
);

const ALL: readonly OverrideClass[] = ['AuthConfig', 'FileInfo', 'Indexes', 'Limit', 'Options'];

/**
 * `where`: the req_override words, space separated: a class name, "All"
 * (OR_ALL), "dir" (ACCESS_CONF), "read" (EXEC_ON_READ); "" = RSRC_CONF only.
 */
function classesOf(words: readonly string[]): Set<OverrideClass> {
  const classes = new Set<OverrideClass>();
  for (const w of words) {
    if (w === 'All') for (const c of ALL) classes.add(c);
    else if ((ALL as readonly string[]).includes(w)) classes.add(w as OverrideClass);
  }
  return classes;
}

function row(
  module: string | readonly string[],
  where: string,
  names: string,
  when?: { module: string; where: string },
): [string, OverrideSpec][] {
  const words = where.split(' ').filter(Boolean);
  const classes = classesOf(words);
  const modules = typeof module === 'string' ? [module] : module;
  return names
    .split(/\s+/)
    .filter(Boolean)
    .map((n) => [
      n.toLowerCase(),
      {
        name: n,
        modules,
        classes,
        accessConf: words.includes('dir'),
        execOnRead: words.includes('read'),
        section: n.startsWith('<'),
        flag: FLAGS.has(n.toLowerCase()),
        ...(when ? { when: { module: when.module, classes: classesOf(when.where.split(' ')) } } : {}),
      },
    ]);
}

const PHP = ['php_module', 'php7_module', 'php5_module'];

const TABLE: ReadonlyMap<string, OverrideSpec> = new Map([
  // server/core.c core_cmds
  ...row(
    'core_module',
    '',
    '<Directory <Location <VirtualHost <DirectoryMatch <LocationMatch AccessFileName DocumentRoot Protocol AcceptFilter ServerAdmin ServerName ErrorLog ErrorLogFormat ServerAlias ServerPath Timeout NameVirtualHost ServerTokens LimitRequestLine LimitRequestFieldsize LimitRequestFields Mutex RegexDefaultOptions LimitInternalRecursion StrictHostCheck AllowEncodedSlashes ScoreBoardFile ExtendedStatus SeeRequestTail PidFile MaxRequestsPerChild MaxConnectionsPerChild CoreDumpDirectory MaxMemFree ThreadStackSize TraceEnable MergeTrailers HttpProtocolOptions RegisterHttpMethod Protocols ProtocolsHonorOrder MergeSlashes Listen User Group',
  ),
  ...row(
    'core_module',
    'All',
    '<Files <FilesMatch Error <If <ElseIf <Else ServerSignature LimitRequestBody LimitXMLRequestBody RLimitCPU RLimitMEM RLimitNPROC',
  ),
  ...row('core_module', 'Limit AuthConfig', '<Limit <LimitExcept'),
  ...row('core_module', 'read All', '<IfModule <IfDefine <IfFile <IfDirective <IfSection'),
  ...row(
    'core_module',
    'FileInfo',
    'AddDefaultCharset AcceptPathInfo ErrorDocument DefaultType FileETag EnableMMAP EnableSendfile CGIVar QualifyRedirectURL ForceType SetHandler SetOutputFilter SetInputFilter',
  ),
  ...row('core_module', 'read', 'Define UnDefine ServerRoot DefaultRuntimeDir'),
  ...row(
    'core_module',
    'dir',
    'AllowOverride AllowOverrideList HostnameLookups UseCanonicalName UseCanonicalPhysicalPort LogLevel MaxRanges MaxRangeOverlaps MaxRangeReversals',
  ),
  ...row('core_module', 'Options', 'Options'),
  ...row('core_module', 'dir read', 'Include IncludeOptional'),
  ...row('core_module', 'AuthConfig', 'CGIPassAuth'),
  ...row('so_module', 'read', 'LoadModule LoadFile'),
  // modules/http/mod_mime.c
  ...row(
    'mime_module',
    'FileInfo',
    'AddCharset AddEncoding AddHandler AddInputFilter AddLanguage AddOutputFilter AddType DefaultLanguage MultiviewsMatch RemoveCharset RemoveEncoding RemoveHandler RemoveInputFilter RemoveLanguage RemoveOutputFilter RemoveType',
  ),
  ...row('mime_module', '', 'TypesConfig'),
  ...row('mime_module', 'dir', 'ModMimeUsePathInfo'),
  // modules/mappers/mod_dir.c
  ...row(
    'dir_module',
    'Indexes',
    'FallbackResource DirectoryIndex DirectorySlash DirectoryCheckHandler DirectoryIndexRedirect',
  ),
  // modules/mappers/mod_alias.c: Alias/ScriptAlias may sit in <Directory> (2.4.26+ one-argument form) but never in .htaccess
  ...row('alias_module', 'dir', 'Alias ScriptAlias'),
  ...row('alias_module', 'FileInfo', 'Redirect RedirectMatch RedirectTemp RedirectPermanent'),
  ...row('alias_module', '', 'AliasMatch ScriptAliasMatch'),
  // modules/mappers/mod_rewrite.c
  ...row('rewrite_module', 'FileInfo', 'RewriteEngine RewriteOptions RewriteBase RewriteCond RewriteRule'),
  ...row('rewrite_module', '', 'RewriteMap'),
  // modules/mappers/mod_actions.c
  ...row('actions_module', 'FileInfo', 'Action'),
  ...row('actions_module', 'dir', 'Script'),
  // modules/mappers/mod_negotiation.c
  ...row('negotiation_module', '', 'CacheNegotiatedDocs'),
  ...row('negotiation_module', 'FileInfo', 'LanguagePriority ForceLanguagePriority'),
  // modules/metadata
  ...row('setenvif_module', 'FileInfo', 'SetEnvIf SetEnvIfNoCase SetEnvIfExpr BrowserMatch BrowserMatchNoCase'),
  ...row('env_module', 'FileInfo', 'PassEnv SetEnv UnsetEnv'),
  ...row('headers_module', 'FileInfo', 'Header RequestHeader'),
  ...row('expires_module', 'Indexes', 'ExpiresActive ExpiresByType ExpiresDefault'),
  // modules/filters/mod_deflate.c
  ...row(
    'deflate_module',
    '',
    'DeflateFilterNote DeflateWindowSize DeflateBufferSize DeflateMemLevel DeflateCompressionLevel DeflateAlterEtag',
  ),
  ...row('deflate_module', 'All', 'DeflateInflateLimitRequestBody DeflateInflateRatioLimit DeflateInflateRatioBurst'),
  // modules/aaa
  ...row(
    'authz_core_module',
    'AuthConfig',
    'Require <RequireAll <RequireAny <RequireNone AuthMerging AuthzSendForbiddenOnFailure',
  ),
  ...row('authz_core_module', '', '<AuthzProviderAlias'),
  ...row('access_compat_module', 'Limit', 'order allow deny'),
  ...row('access_compat_module', 'AuthConfig', 'Satisfy'),
  ...row(
    'auth_basic_module',
    'AuthConfig',
    'AuthBasicProvider AuthBasicAuthoritative AuthBasicFake AuthBasicUseDigestAlgorithm',
  ),
  ...row('authn_core_module', 'AuthConfig', 'AuthType AuthName'),
  ...row('authn_core_module', '', '<AuthnProviderAlias'),
  ...row('authn_file_module', 'AuthConfig', 'AuthUserFile'),
  // modules/proxy
  ...row('proxy_fcgi_module', 'FileInfo', 'ProxyFCGIBackendType ProxyFCGISetEnvIf'),
  ...row(
    'proxy_module',
    '',
    '<Proxy <ProxyMatch ProxyRequests ProxyRemote ProxyRemoteMatch ProxyBlock ProxyReceiveBufferSize ProxyIOBufferSize ProxyMaxForwards NoProxy ProxyDomain ProxyVia ProxyTimeout ProxyBadHeader BalancerGrowth BalancerPersist BalancerInherit ProxyPassInherit ProxyStatus ProxySourceAddress',
  ),
  ...row(
    'proxy_module',
    'dir',
    'ProxyPassInterpolateEnv ProxyPass ProxyPassMatch ProxyPassReverse ProxyPassReverseCookiePath ProxyPassReverseCookieDomain ProxyErrorOverride ProxyPreserveHost BalancerMember ProxySet ProxyAddHeaders',
  ),
  // modules/generators/mod_autoindex.c
  ...row(
    'autoindex_module',
    'Indexes',
    'AddIcon AddIconByType AddIconByEncoding AddAlt AddAltByType AddAltByEncoding IndexOptions IndexOrderDefault IndexIgnore IndexIgnoreReset AddDescription HeaderName ReadmeName DefaultIcon IndexStyleSheet IndexHeadInsert IndexForbiddenReturn404',
  ),
  ...row('autoindex_module', 'All', 'FancyIndexing'),
  // mod_fcgid (mod_fcgid.c fcgid_cmds): the wrapper and the authorizer directives are ACCESS_CONF|OR_FILEINFO
  ...row(
    'fcgid_module',
    'dir FileInfo',
    'FcgidWrapper FCGIWrapper FcgidAccessChecker FcgidAccessCheckerAuthoritative FcgidAuthenticator FcgidAuthenticatorAuthoritative FcgidAuthorizer FcgidAuthorizerAuthoritative',
  ),
  ...row(
    'fcgid_module',
    '',
    'FcgidIPCDir FcgidMaxProcesses FcgidProcessTableFile FcgidBusyScanInterval FcgidErrorScanInterval FcgidIdleScanInterval FcgidZombieScanInterval FcgidSpawnScore FcgidSpawnScoreUpLimit FcgidTerminationScore FcgidTimeScore FcgidFixPathinfo FcgidBusyTimeout FcgidConnectTimeout FcgidIdleTimeout FcgidInitialEnv FcgidIOTimeout FcgidMaxProcessesPerClass FcgidMaxRequestInMem FcgidMaxRequestLen FcgidMaxRequestsPerProcess FcgidMinProcessesPerClass FcgidOutputBufferSize FcgidPassHeader FcgidProcessLifeTime FcgidCmdOptions',
  ),
  // Names both modules register: mod_fastcgi.c makes them ACCESS_CONF only, mod_fcgid's aliases ACCESS_CONF|OR_FILEINFO.
  ...row(
    ['fastcgi_module', 'fcgid_module'],
    'dir',
    'FastCgiAuthenticator FastCgiAuthenticatorAuthoritative FastCgiAuthorizer FastCgiAuthorizerAuthoritative FastCgiAccessChecker FastCgiAccessCheckerAuthoritative',
    { module: 'fcgid_module', where: 'dir FileInfo' },
  ),
  // mod_fastcgi.c: server-level only
  ...row(
    'fastcgi_module',
    '',
    'FastCgiServer AppClass FastCgiExternalServer ExternalAppClass FastCgiConfig FCGIConfig FastCgiIpcDir FastCgiWrapper FastCgiSuexec',
  ),
  // mod_php (php-src sapi/apache2handler/apache_config.c php_dir_cmds)
  ...row(PHP, 'Options', 'php_value php_flag'),
  ...row(PHP, 'dir', 'php_admin_value php_admin_flag'),
  ...row(PHP, '', 'PHPINIDir'),
  // mod_suexec
  ...row('suexec_module', '', 'SuexecUserGroup'),
]);

/** The spec of a directive (lower-case name; sections with their '<'), undefined when we do not know it. */
export function overrideSpec(name: string): OverrideSpec | undefined {
  return TABLE.get(name.toLowerCase());
}

/** The classes that let .htaccess hold it on a server with these modules loaded. */
export function overrideClasses(spec: OverrideSpec, loaded: ReadonlySet<string>): ReadonlySet<OverrideClass> {
  return spec.when && loaded.has(spec.when.module) ? spec.when.classes : spec.classes;
}

/** Is it defined by a loaded module? */
export function definedBy(spec: OverrideSpec, loaded: ReadonlySet<string>): boolean {
  return spec.modules.some((m) => loaded.has(m));
}
