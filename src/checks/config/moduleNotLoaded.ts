/**
 * module-not-loaded: a FastCGI directive or handler whose module is not loaded.
 * A directive outside <IfModule> stops Apache ("Invalid command"); a handler
 * (fastcgi-script, fcgid-script, proxy:…) with no module behind it makes Apache
 * serve the script's source as plain text (verified on 2.4.71). A setup inside
 * an <IfModule> that is false is skipped silently: fastcgi-setup-skipped.
 */
import { DIRECTIVES, flatTree, ModuleRegistry, render, type Directive } from '../../apache/index.js';
import type { Finding } from '../../findings/finding.js';
import type { FastcgiSetup } from '../../setups/index.js';
import type { ConfigCheck, ConfigModel } from './context.js';
import { FASTCGI_MODULES } from './directiveContext.js';
import { FoldByCause } from './fold.js';
import { finding } from './make.js';

const A2ENMOD: Record<string, string> = {
  fastcgi_module: 'fastcgi',
  fcgid_module: 'fcgid',
  proxy_module: 'proxy',
  proxy_fcgi_module: 'proxy_fcgi',
};

/** Live directives of FastCGI modules that are not loaded: each stops Apache ("Invalid command"). */
function* unloadedDirectives(
  tree: readonly Directive[],
  modules: ModuleRegistry,
): Generator<{ d: Directive; module: string }> {
  const flat = flatTree(tree);
  for (let i = 0; i < flat.nodes.length; i++) {
    if (flat.live[i] === 0) continue;
    const d = flat.nodes[i] as Directive;
    const spec = DIRECTIVES.get(d.name);
    if (!spec || !FASTCGI_MODULES.has(spec.module) || modules.has(spec.module)) continue;
    if (spec.module === 'fastcgi_module' && modules.has('fcgid_module') && d.name.startsWith('fastcgiauth')) continue;
    yield { d, module: spec.module };
  }
}

function loadedModules(model: ConfigModel): ModuleRegistry {
  const modules = new ModuleRegistry([]);
  for (const m of model.modulesLoaded) modules.add(m);
  return modules;
}

/**
 * The lines ("file:line") where a module-not-loaded finding is one Apache stops at
 * (a directive it does not know); the others (a handler with no module behind it)
 * start and serve the script as text.
 */
export function moduleLinesStoppingApache(model: ConfigModel): Set<string> {
  const out = new Set<string>();
  if (model.layout === 'standalone') return out;
  for (const { d } of unloadedDirectives(model.tree, loadedModules(model))) out.add(`${d.file}:${d.line}`);
  return out;
}

function missingFor(s: FastcgiSetup, modules: ModuleRegistry): string[] {
  const need = s.module === 'proxy_fcgi' ? ['proxy_module', 'proxy_fcgi_module'] : [s.moduleId];
  return need.filter((m) => !modules.has(m));
}

function enable(missing: readonly string[]): string {
  return `Load it: on Debian "a2enmod ${missing.map((m) => A2ENMOD[m] ?? m.replace(/_module$/, '')).join(' ')}" then "systemctl restart apache2"; elsewhere add LoadModule ${missing[0] ?? ''} <path>/mod_${(missing[0] ?? '').replace(/_module$/, '')}.so.`;
}

export const moduleNotLoadedCheck: ConfigCheck = {
  ids: ['module-not-loaded', 'fastcgi-setup-skipped'],
  run(ctx) {
    // A lone file has no LoadModule lines: what is loaded is unknown, not missing.
    if (ctx.model.layout === 'standalone') return [];
    const out: Finding[] = [];
    const modules = loadedModules(ctx.model);
    const reported = new Set<Directive | string>();
    // 1. Directives of an unloaded FastCGI module, in live configuration: Apache stops.
    // Each directive name once, at its first line (where Apache stops).
    const directives = new FoldByCause();
    for (const { d, module } of unloadedDirectives(ctx.model.tree, modules)) {
      const spec = { module };
      reported.add(`${d.file}:${d.line}`);
      directives.add(
        `${d.name}|${spec.module}`,
        () => `${d.file}:${d.line}: ${render(d)}`,
        () =>
          finding({
            id: 'module-not-loaded',
            severity: 'error',
            title: `${d.written} needs ${spec.module}, which is not loaded`,
            message: `Apache refuses to start: "Invalid command '${d.written}', perhaps misspelled or defined by a module not included in the server configuration". The line ${render(d)} belongs to ${spec.module}, and no LoadModule loads it.`,
            at: d,
            evidence: [d],
            fix: enable([spec.module]),
          }),
      );
    }
    out.push(...directives.findings());
    // 2. Live handlers with nothing behind them; 3. setups in skipped blocks. Apache starts
    // with both. One missing module is one cause however many lines need it, and one false
    // <IfModule> one cause however many setups it holds.
    const unserved = new FoldByCause({ stopsAtFirst: false });
    const skipped = new FoldByCause({ stopsAtFirst: false });
    for (const s of ctx.model.setups) {
      const key = `${s.definedAt.file}:${s.definedAt.line}`;
      if (reported.has(key)) continue;
      const missing = missingFor(s, modules);
      const line = () => `${s.definedAt.file}:${s.definedAt.line}: ${s.directive}`;
      if (s.active && missing.length > 0) {
        reported.add(key);
        const handler = s.reachedBy.find((m) => m.kind === 'SetHandler' || m.kind === 'AddHandler');
        unserved.add(`${missing.join(' and ')}|${handler ? 'handler' : 'route'}`, line, () =>
          finding({
            id: 'module-not-loaded',
            severity: 'error',
            title: `${missing.join(' and ')} not loaded: requests are not passed to FastCGI`,
            message: handler
              ? `The handler "${handler.handler ?? ''}" is set, but ${missing.join(' and ')} is not loaded. Apache starts without complaint and then serves the script itself, as plain text: visitors download its source code (and any passwords in it).`
              : `This route needs ${missing.join(' and ')}, which is not loaded: every request fails with 500 ("AH01144: No protocol handler was valid for the URL").`,
            at: s.definedAt,
            evidence: [line()],
            fix: enable(missing),
          }),
        );
      } else if (!s.active && s.inactiveReason && !s.inactiveReason.startsWith('inside <Macro')) {
        reported.add(key);
        const falseSections = s.sections.filter((x) => x.condition === false);
        const cause =
          falseSections.length > 0 ? falseSections.map((x) => `${x.file}:${x.line}`).join(' ') : `setup|${s.id}`;
        skipped.add(cause, line, () =>
          finding({
            id: 'fastcgi-setup-skipped',
            severity: 'warning',
            title: 'This FastCGI setup is skipped by Apache',
            message: `${s.directive} is ignored because ${s.inactiveReason}. Requests it was meant to handle go elsewhere${s.module !== 'proxy_fcgi' || s.reachedBy.some((m) => m.kind === 'SetHandler') ? ', and a script may be served as plain text' : ''}.`,
            at: s.definedAt,
            evidence: [
              line(),
              ...falseSections.map((x) => `${x.file}:${x.line}: <${x.name} ${x.args.join(' ')}> is false`),
            ],
            fix:
              missing.length > 0
                ? enable(missing)
                : 'Make the condition true (define the name, create the file), or remove the block.',
          }),
        );
      }
    }
    out.push(...unserved.findings(), ...skipped.findings());
    return out;
  },
};
