/**
 * The places nginx hands a request to FastCGI: every level (location, or an
 * `if` inside one) whose own block holds `fastcgi_pass`, with the server and
 * location it sits in. The checks read what is in effect there through the
 * routing model's merge (src/routing/nginx/config.ts `inherited`/`setting`),
 * never a rule of their own.
 */
import type { NginxDirective } from '../../nginx/index.js';
import {
  inherited,
  inheritedFrom,
  ownDirectives,
  setting,
  type Level,
  type LocationConf,
  type NginxModel,
  type ServerConf,
} from '../../routing/nginx/config.js';
import type { FastcgiSetup } from '../../setups/index.js';

export interface PassLevel {
  server: ServerConf;
  level: Level;
  /** The location the level belongs to (undefined for a fastcgi_pass at server level or in a server's `if`). */
  location?: LocationConf;
  pass: NginxDirective;
  /** The setup made of this fastcgi_pass (src/setups/nginx.ts), when there is one. */
  setup?: FastcgiSetup;
}

function walkLevel(level: Level, server: ServerConf, out: PassLevel[], setups: Map<string, FastcgiSetup>): void {
  const pass = level.body.find((d) => d.name === 'fastcgi_pass');
  if (pass) {
    const setup = setups.get(`${pass.file}:${pass.line}`);
    out.push({
      server,
      level,
      ...(level.location ? { location: level.location } : {}),
      pass,
      ...(setup ? { setup } : {}),
    });
  }
  for (const ifLevel of level.ifs?.values() ?? []) walkLevel(ifLevel, server, out, setups);
}

function walkLocations(
  ls: readonly LocationConf[],
  server: ServerConf,
  out: PassLevel[],
  setups: Map<string, FastcgiSetup>,
) {
  for (const l of ls) {
    walkLevel(l.level, server, out, setups);
    walkLocations(l.nested, server, out, setups);
  }
}

/** Every level with its own fastcgi_pass, server by server, in reading order. */
export function passLevels(routing: NginxModel, setups: readonly FastcgiSetup[] = NO_SETUPS): PassLevel[] {
  // Each check asks for them (6 walks of 5,000 servers otherwise): made once per model and setups.
  let bySetups = passLevelsMade.get(routing);
  if (!bySetups) {
    bySetups = new WeakMap();
    passLevelsMade.set(routing, bySetups);
  }
  let made = bySetups.get(setups);
  if (!made) {
    made = makePassLevels(routing, setups);
    bySetups.set(setups, made);
  }
  return made.slice();
}

const NO_SETUPS: readonly FastcgiSetup[] = [];
const passLevelsMade = new WeakMap<NginxModel, WeakMap<readonly FastcgiSetup[], PassLevel[]>>();

function makePassLevels(routing: NginxModel, setups: readonly FastcgiSetup[]): PassLevel[] {
  const byLine = new Map(setups.map((s) => [`${s.definedAt.file}:${s.definedAt.line}`, s]));
  const out: PassLevel[] = [];
  for (const server of routing.servers) {
    walkLevel(server.level, server, out, byLine);
    walkLocations(server.locations, server, out, byLine);
  }
  return out;
}

/** The fastcgi_param directives in effect at a level (the innermost level that has any: nginx's array merge). */
export function effectiveParams(level: Level): NginxDirective[] {
  return inherited(level, 'fastcgi_param');
}

/** The level whose fastcgi_param list is in effect at `level` (undefined when none has any). */
export function paramsSource(level: Level): Level | undefined {
  return inheritedFrom(level, 'fastcgi_param');
}

/**
 * Whether the location hands PHP scripts to the backend: its name says php
 * (`~ \.php$`, `~ ^/index\.php(/|$)`), or it is the server itself or its
 * catch-all `location /` in front of a backend whose address says php
 * (/run/php/php8.2-fpm.sock). An exact location such as `= /fpm-status` in
 * front of the pool is its status or ping page, which needs no script.
 */
export function passesPhp(p: PassLevel): boolean {
  const backendIsPhp = /php/i.test(p.pass.args[0] ?? '');
  const loc = p.location;
  if (!loc) return backendIsPhp;
  if (/php/i.test(loc.name)) return true;
  return loc.modifier === '' && loc.name === '/' && backendIsPhp;
}

/**
 * Whether nginx checks that the script exists before passing the request:
 * a `try_files` of the location (or of the `if` holding fastcgi_pass; try_files
 * is not inherited, ngx_http_core_merge_loc_conf does not merge it), or an
 * `if (!-f …)`/`if (!-e …)` there.
 */
export function scriptChecked(p: PassLevel): NginxDirective | undefined {
  const levels: Level[] = [];
  for (let l: Level | null = p.level; l && (l.kind === 'if' || l.kind === 'location'); l = l.parent) {
    levels.push(l);
    if (l.kind === 'location') break;
  }
  for (const l of levels) {
    const tf = l.body.find((d) => d.name === 'try_files');
    if (tf) return tf;
    const guard = l.body.find((d) => d.name === 'if' && d.args.some((a) => /^\(?!-[fe]$/.test(a)));
    if (guard) return guard;
  }
  return undefined;
}

export function at(d: { file: string; line: number }): string {
  return `${d.file}:${d.line}`;
}

/** "file:line: name args" for evidence. */
export function directiveText(d: NginxDirective): string {
  const args = d.args.map((a) => (a === '' || /[\s;{}"']/.test(a) ? JSON.stringify(a) : a)).join(' ');
  return `${d.file}:${d.line}: ${d.name}${args ? ` ${args}` : ''}${d.block ? ' {' : ';'}`;
}

/** Every directive name the configuration uses, found once per model. */
const namesOf = new WeakMap<NginxModel, Set<string>>();

function usedNames(routing: NginxModel): Set<string> {
  let names = namesOf.get(routing);
  if (!names) {
    names = new Set();
    const stack = [...routing.http.body];
    while (stack.length > 0) {
      const d = stack.pop() as NginxDirective;
      names.add(d.name);
      if (d.block) stack.push(...d.block);
    }
    namesOf.set(routing, names);
  }
  return names;
}

/**
 * The routing model's `setting`, skipped for a directive the configuration never
 * writes (then nothing is in effect anywhere): each look-up walks up to the http
 * block, and a server with 5,000 sites would pay 5,000 scans of it per directive.
 */
export function settingIn(routing: NginxModel, level: Level, name: string): NginxDirective | undefined {
  return usedNames(routing).has(name) ? setting(level, name) : undefined;
}

/**
 * The statement of the level itself that brings `d` in: `d`, or the `include` (written in
 * the level's block) whose file holds it. A finding about one site is located and quoted
 * there, not in a file every site includes (fastcgi_params), which would make it every
 * including site's finding.
 */
export function ownStatement(level: Level, d: NginxDirective): NginxDirective {
  // Only the level's own includes: the http level may hold 5,000 servers.
  for (const x of ownDirectives(level, 'include')) {
    if (d.includedFrom.includes(`${x.file}:${x.line}`)) return x;
  }
  return d;
}

/** ownStatement at the level of `level`'s chain that holds `d` (where nginx's merge found it). */
export function ownStatementUp(level: Level, d: NginxDirective): NginxDirective {
  for (let l: Level | null = level; l; l = l.parent) {
    const own = ownStatement(l, d);
    if (own !== d || ownDirectives(l, d.name).includes(d)) return own;
  }
  return d;
}
