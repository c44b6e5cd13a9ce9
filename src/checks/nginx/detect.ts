/**
 * Which web server a file belongs to, and which web servers a machine has, for
 * `check FILE` and `check` (issue 17 §4). A file's content decides first:
 * Apache's configuration is made of `<Section>` tags and `Directive args`
 * lines, nginx's of `name args;` statements and `{ }` blocks. Its place
 * (/etc/nginx, /etc/apache2, /etc/httpd) decides when the content says
 * neither (an empty site, a comment-only file).
 */
export type WebServerKind = 'apache' | 'nginx';

const APACHE_TAG =
  /^[ \t]*<\/?(VirtualHost|Directory|DirectoryMatch|Location|LocationMatch|Files|FilesMatch|IfModule|IfDefine|IfVersion|Proxy|Macro)\b/im;
const APACHE_DIRECTIVE =
  /^[ \t]*(ServerName|DocumentRoot|ProxyPass|SetHandler|AddHandler|LoadModule|Include|IncludeOptional|ServerRoot|FcgidWrapper|FastCgiServer)[ \t]/m;
const NGINX_BLOCK = /(^|[\s;{}])(server|http|events|location|upstream|stream)(\s+[^;{}\n]*)?\s*\{/m;
const NGINX_STATEMENT =
  /(^|[\s;{}])(fastcgi_pass|fastcgi_param|server_name|listen|try_files|proxy_pass|worker_processes)\s+[^;\n]*;/m;

/** The web server whose configuration `text` (the head of `file`) is; undefined when nothing tells. */
export function webServerOfText(file: string, text: string): WebServerKind | undefined {
  // Comments out: a commented example of the other server must not decide.
  const body = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n');
  const apache = APACHE_TAG.test(body) || APACHE_DIRECTIVE.test(body);
  const nginx = NGINX_BLOCK.test(body) || NGINX_STATEMENT.test(body);
  if (apache && !nginx) return 'apache';
  if (nginx && !apache) return 'nginx';
  if (/^\/etc\/nginx(\/|$)|\/nginx\.conf$|\/nginx\//.test(file)) return 'nginx';
  if (/^\/etc\/(apache2|httpd)(\/|$)|\/(apache2|httpd)\.conf$/.test(file)) return 'apache';
  return undefined;
}

/** Where each server's root configuration usually is (locateNginxRoot and Apache's locate know the rest). */
export const APACHE_ROOTS = [
  '/etc/apache2/apache2.conf',
  '/etc/httpd/conf/httpd.conf',
  '/usr/local/apache2/conf/httpd.conf',
];
export const NGINX_ROOTS = [
  '/etc/nginx/nginx.conf',
  '/usr/local/nginx/conf/nginx.conf',
  '/usr/local/etc/nginx/nginx.conf',
];

/**
 * The web servers `check` with no file looks at: each whose root configuration is in a
 * usual place or whose master runs. Apache alone when neither is found, so the message
 * is the one users know ("no Apache configuration found").
 */
export function webServersOnMachine(
  exists: (p: string) => boolean,
  commandLines: readonly (readonly string[])[],
): WebServerKind[] {
  const titles = commandLines.map((c) => c.join(' '));
  const apache =
    APACHE_ROOTS.some(exists) || titles.some((t) => /(^|\/)(apache2|httpd)(\s|$)/.test(t.split(' ')[0] ?? ''));
  const nginx = NGINX_ROOTS.some(exists) || titles.some((t) => t.startsWith('nginx: master process'));
  const out: WebServerKind[] = [];
  if (apache || !nginx) out.push('apache');
  if (nginx) out.push('nginx');
  return out;
}
