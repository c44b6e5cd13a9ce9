import { describe, expect, it } from 'vitest';
import {
  MemoryNginxSource,
  type NginxMemoryEntry,
  PERMISSIVE_GRAMMAR,
  readNginxConfig,
} from '../../src/nginx/index.js';

const ROOT = '/etc/nginx/nginx.conf';

function issues(conf: string, extra: Record<string, NginxMemoryEntry> = {}): string[] {
  const c = readNginxConfig(ROOT, { source: new MemoryNginxSource({ [ROOT]: conf, ...extra }) });
  return c.issues.map((i) => `${i.severity} ${i.message} @${i.file.replace('/etc/nginx/', '')}:${i.line ?? '-'}`);
}

const http = (body: string): string => `events {}\nhttp {\n${body}\n}\n`;

describe('ngx_conf_handler with the table of Debian nginx 1.22', () => {
  it('accepts a PHP site and reports nothing', () => {
    expect(
      issues(
        http(`server {
  listen 80 default_server;
  root /var/www/html;
  index index.php;
  location ~ \\.php$ {
    try_files $uri =404;
    fastcgi_split_path_info ^(.+\\.php)(/.+)$;
    fastcgi_pass unix:/run/php/php8.2-fpm.sock;
    fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
    fastcgi_param PATH_INFO $fastcgi_path_info;
  }
}`),
      ),
    ).toEqual([]);
  });

  it('reports an unknown directive on the line of its ;', () => {
    expect(issues(http('server {\n fastcgi_pas\n  127.0.0.1:9000;\n}'))).toEqual([
      'emerg unknown directive "fastcgi_pas" @nginx.conf:5',
    ]);
  });

  it('reports a directive in the wrong context', () => {
    expect(issues(http('server {\n fastcgi_pass 127.0.0.1:9000;\n}'))).toEqual([
      'emerg "fastcgi_pass" directive is not allowed here @nginx.conf:4',
    ]);
    expect(issues(http('location / {}'))).toEqual(['emerg "location" directive is not allowed here @nginx.conf:3']);
  });

  it('reports argument counts, ; and { mistakes', () => {
    expect(issues(http('server { listen; }'))).toEqual([
      'emerg invalid number of arguments in "listen" directive @nginx.conf:3',
    ]);
    expect(issues(http('sendfile on off;'))).toEqual([
      'emerg invalid number of arguments in "sendfile" directive @nginx.conf:3',
    ]);
    expect(issues(http('server;'))).toEqual(['emerg directive "server" has no opening "{" @nginx.conf:3']);
    expect(issues(http('server { listen 80 { } }'))).toEqual([
      'emerg directive "listen" is not terminated by ";" @nginx.conf:3',
    ]);
  });

  it('reports what nginx calls duplicate, and not arrays', () => {
    expect(issues(http('server { root /a; root /b; }'))).toEqual(['emerg "root" directive is duplicate @nginx.conf:3']);
    expect(issues(http('server { location / { root /a; alias /b/; } }'))).toEqual([
      'emerg "alias" directive is duplicate, "root" directive was specified earlier @nginx.conf:3',
    ]);
    expect(issues(http('server { location ~ x { fastcgi_pass a:1; fastcgi_pass b:1; } }'))).toEqual([
      'emerg "fastcgi_pass" directive is duplicate @nginx.conf:3',
    ]);
    expect(issues(http('server { location ~ x { fastcgi_param A 1; fastcgi_param A 2; } }'))).toEqual([]);
    expect(issues(http('server { root /a; location / { root /b; if ($host) { root /c; } } }'))).toEqual([]);
  });

  it('reports duplicate locations on the later one, across includes', () => {
    expect(
      issues(http('server {\n include l.conf;\n location = /x {}\n include l.conf;\n}'), {
        '/etc/nginx/l.conf': '\nlocation /x {}\n',
      }),
    ).toEqual(['emerg duplicate location "/x" @l.conf:2']);
    expect(issues(http('server {\n location /x {}\n location ~ /x {}\n location = /x {}\n}'))).toEqual([]);
    expect(issues(http('server {\n location /x {}\n location ^~ /x {}\n}'))).toEqual([
      'emerg duplicate location "/x" @nginx.conf:5',
    ]);
  });

  it('reports the location nesting rules', () => {
    expect(issues(http('server { location /a/ { location /b/ {} } }'))).toEqual([
      'emerg location "/b/" is outside location "/a/" @nginx.conf:3',
    ]);
    expect(issues(http('server { location = /a { location /a/b {} } }'))).toEqual([
      'emerg location "/a/b" cannot be inside the exact location "/a" @nginx.conf:3',
    ]);
    expect(issues(http('server { location /a/ { location ~ \\.php$ {} } }'))).toEqual([]);
  });

  it('knows a dynamic module only once load_module names it, and only before the blocks', () => {
    const so = { '/usr/share/nginx/modules/ngx_stream_module.so': 'ELF' };
    expect(issues('events {}\nstream { server { listen 9000; } }\n', so)).toEqual([
      'emerg unknown directive "stream" @nginx.conf:2',
    ]);
    expect(
      issues('load_module modules/ngx_stream_module.so;\nevents {}\nstream { server { listen 9000; } }\n', so),
    ).toEqual([]);
    expect(issues('events {}\nload_module modules/ngx_stream_module.so;\n', so)).toEqual([
      'emerg "load_module" directive is specified too late @nginx.conf:2',
    ]);
    expect(issues('load_module /x/ngx_mail_module.so;\nevents {}\n')).toEqual([
      'emerg dlopen() "/x/ngx_mail_module.so" failed (/x/ngx_mail_module.so: cannot open shared object file: No such file or directory) @nginx.conf:1',
    ]);
  });

  it('reads entry blocks (types, map) with their own include and no directive check', () => {
    expect(
      issues(http('types { text/html html; include t; }\nmap $uri $b { default 0; ~x 1; include m; }'), {
        '/etc/nginx/t': 'image/png png;',
        '/etc/nginx/m': '/a 1;',
      }),
    ).toEqual([]);
    expect(issues(http('types { text/html { } }'))).toEqual(['emerg unexpected "{" @nginx.conf:3']);
  });

  it('reports a missing events section without a line', () => {
    expect(issues('worker_processes 1;\n')).toEqual(['emerg no "events" section in configuration @nginx.conf:-']);
  });

  it('goes on past errors: every problem in one reading', () => {
    expect(issues(http('server { bogus 1; listen; }\nserver { root /a; root /b; }'))).toEqual([
      'emerg unknown directive "bogus" @nginx.conf:3',
      'emerg invalid number of arguments in "listen" directive @nginx.conf:3',
      'emerg "root" directive is duplicate @nginx.conf:4',
      'warn conflicting server name "" on 0.0.0.0:80, ignored @nginx.conf:4',
    ]);
  });

  it('with the permissive grammar, checks nothing but the syntax', () => {
    const c = readNginxConfig(ROOT, {
      source: new MemoryNginxSource({ [ROOT]: 'anything goes;\nhttp { server { fastcgi_pass x; } }\n' }),
      grammar: PERMISSIVE_GRAMMAR,
    });
    expect(c.issues).toEqual([]);
  });
});

describe('unknown "x" variable (ngx_http_variables_init_vars)', () => {
  it('fires on a misspelt variable, at the first directive using it', () => {
    expect(
      issues(
        http(
          'server {\n location ~ \\.php$ {\n  fastcgi_param SCRIPT_FILENAME $docment_root$fastcgi_script_name;\n }\n}',
        ),
      ),
    ).toEqual(['emerg unknown "docment_root" variable @nginx.conf:5']);
  });

  it('stays quiet on builtins, prefixes, set, map, geo, captures, and regular expressions', () => {
    expect(
      issues(
        http(`map $http_host $site { default x; }
geo $remote_addr $inside { default 0; }
split_clients "$remote_addr" $bucket { 50% a; * b; }
server {
  server_name ~^(?<sub>[a-z]+)\\.example\\.com$;
  set $base /srv/$sub;
  root $base/\${site}$inside$bucket;
  if ($request_uri ~ "^/(?P<page>[a-z]+)$xyz") { return 200 "$page $1 $arg_q $cookie_sid $http_x_real_ip"; }
  location ~ ^/(?'item'\\d+)$ { return 200 $item; }
  rewrite ^/old/(.*)$ /new/$1 last;
}`),
      ),
    ).toEqual([]);
  });
});

describe('the handlers whose argument mistakes are common', () => {
  it('if conditions', () => {
    expect(issues(http('server { if ($host) { return 404; } if (!-f $request_filename) { return 404; } }'))).toEqual(
      [],
    );
    expect(issues(http('server { if ($host = a) { return 404; } if ( $uri ~* "x" ) { return 403; } }'))).toEqual([]);
    expect(issues(http('server { if $host { return 404; } }'))).toEqual([
      'emerg invalid condition "$host" @nginx.conf:3',
    ]);
    expect(issues(http('server { if ($host == a) { return 404; } }'))).toEqual([
      'emerg unexpected "==" in condition @nginx.conf:3',
    ]);
    expect(issues(http('server { if (-q $uri) { return 404; } }'))).toEqual([
      'emerg invalid condition "-q" @nginx.conf:3',
    ]);
  });

  it('flags, return codes, parameters, log formats, map lines, variable syntax', () => {
    expect(issues(http('sendfile yes;'))).toEqual([
      'emerg invalid value "yes" in "sendfile" directive, it must be "on" or "off" @nginx.conf:3',
    ]);
    expect(issues(http('server { return 4o4; }'))).toEqual(['emerg invalid return code "4o4" @nginx.conf:3']);
    expect(issues(http('server { return https://$host$request_uri; return 301 /x; }'))).toEqual([]);
    expect(issues(http('server { location ~ x { fastcgi_param A $uri if_empty; } }'))).toEqual([
      'emerg invalid parameter "if_empty" @nginx.conf:3',
    ]);
    expect(issues(http('server { add_header X 1 allways; }'))).toEqual([
      'emerg invalid parameter "allways" @nginx.conf:3',
    ]);
    expect(
      issues(http('log_format main "$uri";\naccess_log /x main;\naccess_log /y MAIN;\naccess_log /z combined;')),
    ).toEqual([]);
    expect(issues(http('access_log /x main;'))).toEqual(['emerg unknown log format "main" @nginx.conf:3']);
    expect(issues(http('log_format combined "$uri";'))).toEqual([
      'emerg duplicate "log_format" name "combined" @nginx.conf:3',
    ]);
    expect(issues(http('map $uri $m { hostnames; default 0; /a 1 2; }'))).toEqual([
      'emerg invalid number of the map parameters @nginx.conf:3',
    ]);
    expect(issues(http('server { return 200 "costs $ 5"; }'))).toEqual(['emerg invalid variable name @nginx.conf:3']);
    expect(issues(http('server { root /srv/${host; }'))).toEqual([
      'emerg the closing bracket in "host" variable is missing @nginx.conf:3',
    ]);
    expect(issues(http('server { set x 1; }'))).toEqual(['emerg invalid variable name "x" @nginx.conf:3']);
  });
});

describe('worker_connections against the listening sockets (ngx_event_init_conf)', () => {
  it('counts one socket per wildcard port, plus addresses with options of their own, plus *:80 for servers without listen', () => {
    const conf = (n: number, servers: string) => `events { worker_connections ${n}; }\nhttp {\n${servers}\n}\n`;
    expect(
      issues(conf(3, 'server { listen 8080; } server { listen 127.0.0.1:8080; } server { listen [::]:8080; }')),
    ).toEqual([]);
    expect(
      issues(conf(2, 'server { listen 8080; } server { listen 127.0.0.1:8080; } server { listen [::]:8080; }')),
    ).toEqual(['emerg 2 worker_connections are not enough for 2 listening sockets @nginx.conf:-']);
    expect(issues(conf(2, 'server { listen 8080; } server { listen 127.0.0.1:8080 backlog=10; }'))).toEqual([
      'emerg 2 worker_connections are not enough for 2 listening sockets @nginx.conf:-',
    ]);
    expect(issues(conf(2, 'server { listen 8081; } server { server_name x; }'))).toEqual([
      'emerg 2 worker_connections are not enough for 2 listening sockets @nginx.conf:-',
    ]);
  });
});

describe('map, geo and split_clients variables, log files', () => {
  it('the defined variable needs its $, a map value is a complex value', () => {
    expect(issues(http('map $uri m { default 0; }'))).toEqual(['emerg invalid variable name "m" @nginx.conf:3']);
    expect(issues(http('map $uri $m { default 0; /a $nope; }'))).toEqual([
      'emerg unknown "nope" variable @nginx.conf:3',
    ]);
    expect(issues(http('map $uri $m { default 0; /a 1$; }'))).toEqual(['emerg invalid variable name @nginx.conf:3']);
    expect(issues(http('map $uri $m { default $host; ~^/(?<p>.*) $p; }'))).toEqual([]);
  });

  it('a log file whose directory does not exist is what nginx -t fails to open', () => {
    const c = readNginxConfig(ROOT, {
      prefix: '/usr/share/nginx/',
      source: new MemoryNginxSource({
        [ROOT]:
          'error_log /var/log/nginx/error.log;\nevents {}\nhttp {\n access_log /var/log/site/access.log;\n access_log logs/x.log;\n access_log /var/log/$host.log;\n}\n',
        '/var/log/nginx': { dir: true },
      }),
    });
    expect(c.issues.map((i) => `${i.message} @${i.line}`)).toEqual([
      'open() "/var/log/site/access.log" failed (2: No such file or directory) @4',
      'open() "/usr/share/nginx/logs/x.log" failed (2: No such file or directory) @5',
    ]);
  });
});

describe('enum and bitmask slots', () => {
  it('accept their words in any case, and refuse others as nginx does', () => {
    expect(
      issues(http('ssl_protocols TLSv1.2 tlsv1.3;\ngzip_proxied expired no-cache auth;\nserver_tokens build;')),
    ).toEqual([]);
    expect(issues(http('ssl_protocols TLSv1.2 TLSv1.4;'))).toEqual(['emerg invalid value "TLSv1.4" @nginx.conf:3']);
    expect(issues(http('server_tokens of;'))).toEqual(['emerg invalid value "of" @nginx.conf:3']);
    expect(issues(http('server_tokens off;\nserver_tokens on;'))).toEqual([
      'emerg "server_tokens" directive is duplicate @nginx.conf:4',
    ]);
  });
});

describe('limit_except, error_page, allow/deny, upstream servers', () => {
  it('accept what nginx accepts', () => {
    expect(
      issues(
        http(`upstream u { server 127.0.0.1:9000 weight=5 max_fails=3 fail_timeout=30s; server unix:/x.sock backup; }
server {
 allow 10.0.0.0/8; allow ::1; allow unix:; deny all;
 error_page 404 /404.html; error_page 500 502 = /50x.html; error_page 403 =200 /x; error_page 404 = @fb;
 location /dav/ { limit_except get POST { deny all; } }
 location @fb { return 204; }
}`),
      ),
    ).toEqual([]);
  });

  it('refuse what nginx refuses, in its words', () => {
    expect(issues(http('server { location / { limit_except GETT { deny all; } } }'))).toEqual([
      'emerg invalid method "GETT" @nginx.conf:3',
    ]);
    expect(issues(http('server { error_page 200 /x; }'))).toEqual([
      'emerg value "200" must be between 300 and 599 @nginx.conf:3',
    ]);
    expect(issues(http('server { error_page 404 =x /x; }'))).toEqual(['emerg invalid value "=x" @nginx.conf:3']);
    expect(issues(http('server { deny al; }'))).toEqual(['emerg invalid parameter "al" @nginx.conf:3']);
    expect(issues(http('server { allow 10.0.0.0/33; }'))).toEqual([
      'emerg invalid parameter "10.0.0.0/33" @nginx.conf:3',
    ]);
    expect(issues(http('upstream u { server 127.0.0.1:9000 weigth=5; }'))).toEqual([
      'emerg invalid parameter "weigth=5" @nginx.conf:3',
    ]);
  });
});

describe('conflicting server names (ngx_http_server_names)', () => {
  it('warns, as nginx does, for a name a later server of the same address cannot have', () => {
    expect(
      issues(
        http(`server { listen 8080; server_name a.example.com A.example.com; }
server { listen 8080; server_name a.example.com *.example.com; }
server { listen 8080; }
server { listen 8080; server_name ""; }
server { listen 127.0.0.1:8080; server_name a.example.com; }
server { listen 8081; server_name .example.com; }
server { listen 8081; server_name x.example.com *.example.com ~^re$; }
server { listen 8081; server_name ~^re$; }`),
      ),
    ).toEqual([
      'warn conflicting server name "a.example.com" on 0.0.0.0:8080, ignored @nginx.conf:3',
      'warn conflicting server name "a.example.com" on 0.0.0.0:8080, ignored @nginx.conf:4',
      'warn conflicting server name "" on 0.0.0.0:8080, ignored @nginx.conf:6',
      'warn conflicting server name "*.example.com" on 0.0.0.0:8081, ignored @nginx.conf:9',
    ]);
  });
});

describe('regular expressions whose parentheses or brackets do not balance (pcre2_compile)', () => {
  it('reports them in nginx words, where nginx compiles them', () => {
    expect(issues(http('server {\n location ~ "^/(index|app\\.php(/|$)" { }\n}'))).toEqual([
      'emerg pcre2_compile() failed: missing closing parenthesis in "^/(index|app\\.php(/|$)" @nginx.conf:4',
    ]);
    expect(issues(http('server { rewrite ^/a)b /x last; }'))).toEqual([
      'emerg pcre2_compile() failed: unmatched closing parenthesis in "^/a)b" at ")b" @nginx.conf:3',
    ]);
    expect(issues(http('server { if ($uri ~ "[a-z") { return 404; } }'))).toEqual([
      'emerg pcre2_compile() failed: missing terminating ] for character class in "[a-z" @nginx.conf:3',
    ]);
  });

  it('stays quiet on escapes, classes, \\Q…\\E and comments', () => {
    expect(
      issues(
        http(`server {
 server_name ~^(?<sub>[^.]+)\\.example\\.com$;
 location ~ "^/[(]x\\)(?#comment (here)$" { }
 location ~* \\Q(\\E\\.(?:png|jpg)$ { }
 location ~ []a]+ { }
 location ~ [[:alpha:]]+ { }
 if ($uri ~ ^/(a|b)$) { return 404; }
 fastcgi_split_path_info ^(.+\\.php)(/.+)$;
}`),
      ),
    ).toEqual([]);
  });
});
