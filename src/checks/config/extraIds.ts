/**
 * Finding ids this folder adds to the contract's list, each with what it means
 * and what to do, for `fcgi-doctor explain ID`.
 */
export interface IdDoc {
  id: string;
  severity: 'error' | 'warning' | 'info';
  title: string;
  explanation: string;
  fix: string;
}

export const CONFIG_EXTRA_IDS: readonly IdDoc[] = [
  {
    id: 'authorization-not-passed',
    severity: 'warning',
    title: 'The Authorization header does not reach the FastCGI application',
    explanation:
      'Apache does not hand the Authorization request header to CGI and FastCGI applications unless told to. Where a site uses HTTP authentication handled by the application (PHP_AUTH_USER, HTTP_AUTHORIZATION), logins then fail or loop with 401.',
    fix: 'Add "CGIPassAuth On" (Apache 2.4.13+) in the section that routes to the application, or SetEnvIfNoCase ^Authorization$ "(.+)" HTTP_AUTHORIZATION=$1, or -pass-header Authorization (mod_fastcgi), or FcgidPassHeader Authorization (mod_fcgid).',
  },
  {
    id: 'handler-matches-inner-extension',
    severity: 'warning',
    title: 'AddHandler also runs files like x.php.jpg',
    explanation:
      'mod_mime compares every dot-separated part of a file name with AddHandler extensions, not just the last one, so an uploaded "photo.php.jpg" is run as a script. This is a classic upload-to-code-execution hole.',
    fix: 'Replace "AddHandler … .php" with <FilesMatch "\\.php$"> SetHandler … </FilesMatch>, which matches only the last extension.',
  },
  {
    id: 'socket-in-private-tmp',
    severity: 'warning',
    title: 'A FastCGI socket under /tmp may be invisible to Apache',
    explanation:
      'When Apache runs under systemd with PrivateTmp=true (the RHEL/Fedora unit, and some other packages), it sees its own private /tmp. A socket that an application created in the real /tmp does not exist there, and every request fails with "No such file or directory" or "Connection refused".',
    fix: 'Put the socket in /run (for example /run/php/app.sock or /run/app/app.sock) and point Apache and the application at the new path.',
  },
  {
    id: 'config-variable-undefined',
    severity: 'warning',
    title: 'A ${VARIABLE} in the configuration is not defined',
    explanation:
      'Apache replaces ${NAME} with a Define or an environment variable. When neither exists it keeps the text "${NAME}" as it is (warning AH00111), so paths and names silently contain it.',
    fix: 'Define the variable before its first use (Define NAME value), or export it in the environment Apache starts with (Debian: /etc/apache2/envvars).',
  },
  {
    id: 'proxy-routes-static-files',
    severity: 'warning',
    title: 'Every file, not only PHP scripts, is sent to PHP-FPM',
    explanation:
      'A ProxyPass, ProxyPassMatch or SetHandler route that is not limited to .php files sends images, CSS and JavaScript to PHP-FPM too, which refuses them with "Access denied" (security.limit_extensions) and a 403.',
    fix: 'Limit the route to scripts: <FilesMatch "\\.php$"> SetHandler "proxy:…" </FilesMatch>, or ProxyPassMatch "^/(.*\\.php(/.*)?)$" ….',
  },
  {
    id: 'config-file-unreadable',
    severity: 'warning',
    title: 'A configuration file could not be read',
    explanation:
      'fcgi-doctor could not read a file that the configuration includes (for example permission denied), so what that file contains was not analysed (warning; Apache itself usually runs as root and may read it fine). When the file named on the command line itself cannot be read, nothing is analysed (error).',
    fix: 'Run fcgi-doctor with enough rights to read the whole configuration (for example with sudo), or fix the file\'s permissions if Apache cannot read it either.',
  },
  {
    id: 'config-analysis-limit',
    severity: 'warning',
    title: 'The configuration is too large or too deep to analyse completely',
    explanation: 'A safety limit (number of files, directives, glob matches or macro expansions) stopped the analysis; what comes after was not checked.',
    fix: 'Check for a runaway Include pattern or a macro that expands into itself.',
  },
  {
    id: 'fastcgi-setup-skipped',
    severity: 'warning',
    title: 'A FastCGI setup sits in a block that Apache skips',
    explanation:
      'The setup is inside <IfModule>, <IfDefine> or <IfFile> whose condition is false, so Apache ignores it completely: requests are handled by whatever else applies, often by serving the script as plain text.',
    fix: 'Load the module the block waits for (Debian: a2enmod NAME), or remove the block if another setup is meant to serve these requests.',
  },
];
