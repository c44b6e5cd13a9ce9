/**
 * Directives in a place httpd forbids (ap_check_cmd_context) or with the wrong
 * number of arguments: config-syntax-error, as `apachectl -t` would say.
 * Directives of a module that is not loaded are "Invalid command" for httpd;
 * those of the FastCGI modules are left to module-not-loaded.
 */
import { DIRECTIVES, flatTree, ModuleRegistry, render, SECTIONS, type Directive } from '../../apache/index.js';
import type { ConfigCheck } from './context.js';
import { FoldByCause } from './fold.js';
import { finding } from './make.js';

const DIR_SECTIONS = new Set([
  'directory',
  'directorymatch',
  'files',
  'filesmatch',
  'location',
  'locationmatch',
  'proxy',
  'proxymatch',
  'if',
  'elseif',
  'else',
  'limit',
  'limitexcept',
  'requireall',
  'requireany',
  'requirenone',
]);
export const FASTCGI_MODULES = new Set(['fastcgi_module', 'fcgid_module', 'proxy_module', 'proxy_fcgi_module']);

function contextError(d: Directive, scopes: readonly Directive[]): string | undefined {
  const inner = scopes.at(-1);
  if (d.isSection) {
    if (d.name === 'virtualhost' && inner) return `<VirtualHost> cannot occur within <${inner.written}> section`;
    if (['directory', 'directorymatch', 'location', 'locationmatch'].includes(d.name)) {
      const bad = scopes.find((s) => DIR_SECTIONS.has(s.name) && !['if', 'elseif', 'else'].includes(s.name));
      if (bad) return `<${d.written}> cannot occur within <${bad.written}> section`;
    }
    if (
      (d.name === 'files' || d.name === 'filesmatch') &&
      scopes.some((s) => s.name === 'location' || s.name === 'locationmatch')
    ) {
      return `<${d.written}> cannot occur within <Location> section`;
    }
    return undefined;
  }
  const spec = DIRECTIVES.get(d.name);
  if (!spec) return undefined;
  const dirScope = scopes.find((s) => DIR_SECTIONS.has(s.name));
  switch (spec.where) {
    case 'global':
      if (inner) return `${d.written} cannot occur within <${inner.written}> section`;
      break;
    case 'server':
      if (dirScope) return `${d.written} not allowed here`;
      break;
    case 'notdir': {
      const bad = scopes.find((s) =>
        ['directory', 'directorymatch', 'files', 'filesmatch', 'if', 'elseif', 'else'].includes(s.name),
      );
      if (bad) return `${d.written} cannot occur within <${bad.written}> section`;
      const loc = scopes.find((s) => s.name === 'location' || s.name === 'locationmatch');
      if (loc && (d.name === 'proxypass' || d.name === 'proxypassmatch')) {
        const second = d.args[1];
        if (
          second !== undefined &&
          !second.includes('=') &&
          !['nocanon', 'interpolate', 'noquery'].includes(second.toLowerCase())
        ) {
          return 'ProxyPass|ProxyPassMatch can not have a path when defined in a location.';
        }
      }
      break;
    }
    case 'dir':
      if (!scopes.some((s) => s.name === 'directory')) return `${d.written} not allowed here`;
      break;
    default:
  }
  if (spec.min !== undefined && d.args.length < spec.min)
    return `${d.written} takes ${spec.min === spec.max ? spec.min : `at least ${spec.min}`} argument${spec.min === 1 ? '' : 's'}, got ${d.args.length}`;
  if (spec.max !== undefined && d.args.length > spec.max)
    return `${d.written} takes ${spec.min === spec.max ? '' : 'at most '}${spec.max} argument${spec.max === 1 ? '' : 's'}, got ${d.args.length}`;
  return undefined;
}

export const directiveContextCheck: ConfigCheck = {
  ids: ['config-syntax-error'],
  run(ctx) {
    // Each cause (a problem in a place, a module not loaded) once, at its first line.
    const out = new FoldByCause();
    const modules = new ModuleRegistry([]);
    for (const m of ctx.model.modulesLoaded) modules.add(m);
    // A lone vhost file has no LoadModule lines: "unknown" would be noise there.
    const knowsModules = ctx.model.layout !== 'standalone';
    const flat = flatTree(ctx.model.tree);
    for (let i = 0; i < flat.nodes.length; i++) {
      if (flat.live[i] === 0) continue;
      const d = flat.nodes[i] as Directive;
      // The scoping sections around d (ancestors that are sections and not TRANSPARENT).
      const scopes = flat.chains[i] as readonly Directive[];
      const problem = contextError(d, scopes);
      const quoted = () => `${d.file}:${d.line}: ${render(d)}`;
      if (problem) {
        out.add(`context|${problem.toLowerCase()}`, quoted, () =>
          finding({
            id: 'config-syntax-error',
            severity: 'error',
            title: `${d.isSection ? `<${d.written}>` : d.written} is not allowed here`,
            message: `Apache refuses to start: "${problem}".`,
            at: d,
            evidence: [d],
            fix: `Move ${d.isSection ? `the <${d.written}> section` : d.written} to a place where Apache accepts it (see the directive's "Context" in the Apache documentation).`,
          }),
        );
      }
      const spec = d.isSection ? SECTIONS.get(d.name) : DIRECTIVES.get(d.name);
      if (knowsModules && spec && !modules.has(spec.module) && !FASTCGI_MODULES.has(spec.module)) {
        const shown = d.isSection ? `<${d.written}` : d.written;
        out.add(`module|${d.isSection ? '<' : ''}${d.name}|${spec.module}`, quoted, () =>
          finding({
            id: 'config-syntax-error',
            severity: 'error',
            title: `${shown} needs ${spec.module}, which is not loaded`,
            message: `Apache refuses to start: "Invalid command '${shown}', perhaps misspelled or defined by a module not included in the server configuration". ${render(d)} needs ${spec.module}.`,
            at: d,
            evidence: [d],
            fix: `Load the module (Debian: a2enmod ${spec.module.replace(/_module$/, '')}), or wrap the line in <IfModule ${spec.module}>.`,
          }),
        );
      }
    }
    return out.findings();
  },
};
