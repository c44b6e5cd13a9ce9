/**
 * apply_rewrite_list and apply_rewrite_rule (mod_rewrite.c): the rules of one
 * context run over r->filename — chains [C], skips [S=n], [L], [END], [PT],
 * [P], new rounds [N] (bounded as httpd bounds them), the per-directory
 * prefix stripped before matching and re-added to a relative substitution,
 * the query split, proxy and redirect substitutions, self-reduction.
 */
import type { FileSystem } from '../../../system/types.js';
import type { RouteStep } from '../../types.js';
import { evalCond } from './conditions.js';
import { expand, type Backrefs, type ExpandContext } from './expand.js';
import { where, type CompiledCond, type CompiledRule } from './parse.js';
import { runRegex } from './regex.js';
import { absoluteUri, fullyQualify, reduceUri, splitQuery, type ThisServer } from './uri.js';
import type { VarState } from './vars.js';

/** Steps kept from one run (an [N] loop can try thousands of rules): the first and the last ones. */
const MAX_STEPS = 250;

function trimSteps(steps: RouteStep[]): RouteStep[] {
  if (steps.length <= MAX_STEPS) return steps;
  const head = steps.slice(0, 200);
  const tail = steps.slice(-49);
  return [...head, { what: 'rewrite', text: `… ${steps.length - 249} more rewrite steps` }, ...tail];
}

/** httpd's check on a rewritten filename: twice DEFAULT_LIMIT_REQUEST_LINE. */
export const MAX_FILENAME = 2 * 8190;

export interface RuleGroup {
  rule: CompiledRule;
  conds: CompiledCond[];
}

export interface ListInput {
  rules: readonly RuleGroup[];
  /** Per-directory prefix (with a trailing slash), or undefined in server context. */
  perDir?: string;
  filename: string;
  pathInfo: string;
  args: string | undefined;
  vars: Record<string, string>;
  fs: FileSystem;
  /** This server for fully_qualify_uri (scheme, ap_get_server_name_for_url, ap_get_server_port). */
  server: ThisServer | undefined;
  /** The vhost's port for reduce_uri (ap_matches_request_vhost). */
  vhost: ThisServer | undefined;
  serverNames: readonly string[];
}

/** What the list did (ACTION_* of apply_rewrite_list, plus the request's state after it). */
export interface ListResult {
  /** 0: nothing substituted; 'normal' / 'noescape': changed; 'status': a status was set. */
  action: 'none' | 'normal' | 'noescape' | 'status';
  status?: number;
  filename: string;
  pathInfo: string;
  args: string | undefined;
  /** The last rule that substituted (prefix_stat looks at its output). */
  lastSub?: CompiledRule;
  end: boolean;
  last: boolean;
  /** reduce_uri turned an absolute URL into a path (note "mod_rewrite_uri_reduced": DocumentRoot is then prefixed). */
  uriReduced: boolean;
  handler?: string;
  type?: string;
  env: Record<string, string>;
  steps: RouteStep[];
  uncertain: string[];
}

type RuleRc = 'nomatch' | 'match' | 'nosub' | 'status-set';

interface RunState {
  filename: string;
  pathInfo: string;
  args: string | undefined;
  env: Record<string, string>;
  handler?: string;
  type?: string;
  status?: number;
  prefixAdded: boolean;
  uriReduced: boolean;
  steps: RouteStep[];
  uncertain: string[];
}

function step(r: CompiledRule | CompiledCond, text: string): RouteStep {
  return { what: 'rewrite', file: r.directive.file, line: r.directive.line, text };
}

function note(st: RunState, sentence: string): void {
  if (!st.uncertain.includes(sentence)) st.uncertain.push(sentence);
}

const show = (s: string) => JSON.stringify(s);

function applyRule(g: RuleGroup, inp: ListInput, st: RunState): RuleRc {
  const { rule } = g;
  const d = rule.directive;
  const label = `RewriteRule ${d.raw}`;
  let uri = st.filename;
  const proxied = inp.perDir !== undefined && st.filename.startsWith('proxy:');
  if (inp.perDir !== undefined) {
    if (st.pathInfo) uri += st.pathInfo;
    if (!proxied && uri.startsWith(inp.perDir)) uri = uri.slice(inp.perDir.length);
  }
  if (rule.error) {
    note(st, `${where(d)}: httpd refuses this line at start-up (${rule.error}); the rule is left out here.`);
    st.steps.push(step(rule, `${label}: not applied (${rule.error})`));
    return 'nomatch';
  }
  const run = runRegex(rule.regex, uri);
  if ('skipped' in run) {
    note(
      st,
      `${where(d)}: whether RewriteRule ${show(rule.pattern)} matches ${show(uri)} is not decided (${run.skipped}); assumed it does not match.`,
    );
    st.steps.push(step(rule, `${label}: ${show(uri)} — not evaluated (${run.skipped}), assumed no match`));
    return 'nomatch';
  }
  const matched = (run.match !== null) !== rule.negate;
  if (!matched) {
    st.steps.push(step(rule, `${label}: ${show(uri)} does not match`));
    return 'nomatch';
  }
  const ruleRefs: Backrefs | undefined = rule.negate || !run.match ? undefined : { source: uri, match: run.match };
  let condRefs: Backrefs | undefined;
  const vars: VarState = {
    vars: inp.vars,
    get filename() {
      return st.filename;
    },
    get args() {
      return st.args;
    },
    env: st.env,
  };
  const unknowns: string[] = [];
  const cx = (): ExpandContext => ({
    vars,
    ...(ruleRefs ? { rule: ruleRefs } : {}),
    ...(condRefs ? { cond: condRefs } : {}),
    unknown: (w) => unknowns.push(w),
  });
  for (let i = 0; i < g.conds.length; i++) {
    const c = g.conds[i] as CompiledCond;
    const r = evalCond(c, cx(), inp.fs);
    const ctext = `RewriteCond ${c.directive.raw}`;
    if (r.assumed !== undefined) {
      note(
        st,
        `${where(c.directive)}: RewriteCond ${c.input} ${c.written} depends on ${r.assumed}; assumed false (the rule's conditions then fail as httpd's would).`,
      );
      st.steps.push(step(c, `${ctext}: ${show(r.input)} — undecidable (${r.assumed}), assumed false`));
    } else st.steps.push(step(c, `${ctext}: ${show(r.input)} ${r.ok ? 'holds' : 'does not hold'}`));
    if (r.backrefs) condRefs = r.backrefs;
    if (c.orNext) {
      if (!r.ok) continue;
      while (i < g.conds.length && (g.conds[i] as CompiledCond).orNext) i++;
    } else if (!r.ok) {
      st.steps.push(step(rule, `${label}: ${show(uri)} matches, but its conditions do not hold`));
      return 'nomatch';
    }
  }
  unknowns.length = 0;
  const f = rule.flags;
  let newuri = '';
  if (!f.noSub) {
    const e = expand(
      rule.output,
      {
        ...cx(),
        ...(f.escapeBackrefs
          ? {
              escape: {
                ...(f.bEscapes ? { escapes: f.bEscapes } : {}),
                ...(f.bNoEscapes ? { noEscapes: f.bNoEscapes } : {}),
                noPlus: f.bNoPlus,
                ctls: f.bCtls,
              },
            }
          : {}),
      },
      { qsLast: f.qsLast },
    );
    newuri = e.text;
    if (e.unsafeQmark && !f.unsafeAllow3F) {
      st.steps.push(
        step(
          rule,
          `${label}: ${show(uri)} → ${show(newuri)}: a '?' from a back-reference (an encoded %3f) without [UnsafeAllow3F]: 403`,
        ),
      );
      st.status = 403;
      return 'status-set';
    }
  }
  for (const ev of f.env) {
    const val = expand(ev, cx()).text;
    if (val.startsWith('!')) delete st.env[val.slice(1)];
    else {
      const colon = val.indexOf(':');
      if (colon < 0) st.env[val] = '';
      else st.env[val.slice(0, colon)] = val.slice(colon + 1);
    }
  }
  const forceTypeHandler = () => {
    if (f.type !== undefined) {
      const t = expand(f.type, cx()).text.toLowerCase();
      if (t) st.type = t;
    }
    if (f.handler !== undefined) {
      const h = expand(f.handler, cx()).text.toLowerCase();
      if (h) st.handler = h;
    }
  };
  const flush = () => {
    for (const w of unknowns)
      note(st, `${where(d)}: the substitution or a flag of this RewriteRule uses ${w}, unknown here; taken as empty.`);
    unknowns.length = 0;
  };
  if (f.noSub) {
    forceTypeHandler();
    flush();
    const extras = [
      st.handler && f.handler !== undefined ? `handler ${st.handler}` : '',
      st.type && f.type !== undefined ? `type ${st.type}` : '',
      f.env.length ? `env ${f.env.join(', ')}` : '',
    ].filter(Boolean);
    if (f.status !== undefined) {
      st.status = f.status;
      st.steps.push(step(rule, `${label}: ${show(uri)} matches: answers ${f.status}`));
    } else
      st.steps.push(
        step(rule, `${label}: ${show(uri)} matches, no substitution${extras.length ? ` (${extras.join('; ')})` : ''}`),
      );
    return 'nosub';
  }
  const before = uri;
  if (!proxied && !newuri.startsWith('/') && !absoluteUri(newuri).skip) {
    if (inp.perDir !== undefined) {
      newuri = inp.perDir + newuri;
      st.prefixAdded = true;
    } else if (!f.proxy && f.redirect === undefined) {
      newuri = `/${newuri}`;
      st.prefixAdded = true;
    }
  }
  st.filename = newuri;
  if (inp.perDir !== undefined && f.discardPathInfo) st.pathInfo = '';
  const split = splitQuery(st.filename, st.args, f);
  st.filename = split.filename;
  st.args = split.args;
  const q = st.args === undefined ? '' : `?${st.args}`;
  const qualify = (): boolean => {
    if (absoluteUri(st.filename).skip) return true;
    if (!inp.server) {
      note(
        st,
        `${where(d)}: the redirect or proxy URL is made absolute with this server's scheme, name and port, which are unknown here.`,
      );
      return false;
    }
    st.filename = fullyQualify(st.filename, inp.server);
    return true;
  };
  if (f.proxy) {
    qualify();
    st.filename = `proxy:${st.filename}`;
    st.steps.push(step(rule, `${label}: ${show(before)} → proxy to ${show(st.filename.slice(6) + q)}`));
    flush();
    return 'match';
  }
  if (f.redirect !== undefined) {
    qualify();
    st.status = f.redirect;
    st.steps.push(step(rule, `${label}: ${show(before)} → redirect ${f.redirect} to ${show(st.filename + q)}`));
    flush();
    return 'match';
  }
  if (inp.vhost) {
    const reduced = reduceUri(st.filename, inp.vhost, inp.serverNames);
    if (reduced !== st.filename) {
      st.filename = reduced;
      st.uriReduced = true;
    }
  }
  if (absoluteUri(st.filename).skip) {
    st.status = 302;
    st.steps.push(step(rule, `${label}: ${show(before)} → ${show(st.filename + q)} (an absolute URL: redirect)`));
    flush();
    return 'match';
  }
  if (!f.unc && !st.prefixAdded && !(rule.output[0] === '/' && rule.output[1] === '/')) {
    st.filename = st.filename.replace(/^\/{2,}/, '/');
  }
  forceTypeHandler();
  const extras = [
    f.handler !== undefined && st.handler ? `handler ${st.handler}` : '',
    f.type !== undefined && st.type ? `type ${st.type}` : '',
  ].filter(Boolean);
  st.steps.push(
    step(rule, `${label}: ${show(before)} → ${show(st.filename + q)}${extras.length ? ` (${extras.join('; ')})` : ''}`),
  );
  flush();
  return 'match';
}

/** apply_rewrite_list. */
export function applyRuleList(inp: ListInput): ListResult {
  const st: RunState = {
    filename: inp.filename,
    pathInfo: inp.pathInfo,
    args: inp.args,
    env: {},
    prefixAdded: false,
    uriReduced: false,
    steps: [],
    uncertain: [],
  };
  let action: ListResult['action'] = 'none';
  let lastSub: CompiledRule | undefined;
  let end = false;
  let last = false;
  let round = 1;
  const rules = inp.rules;
  const out = (a: ListResult['action']): ListResult => ({
    action: a,
    ...(st.status !== undefined ? { status: st.status } : {}),
    filename: st.filename,
    pathInfo: st.pathInfo,
    args: st.args,
    ...(lastSub ? { lastSub } : {}),
    end,
    last,
    uriReduced: st.uriReduced,
    ...(st.handler ? { handler: st.handler } : {}),
    ...(st.type ? { type: st.type } : {}),
    env: st.env,
    steps: trimSteps(st.steps),
    uncertain: st.uncertain,
  });
  // The [N] loop: each round starts at the top; the bound is the rule's [N=n] or REWRITE_MAX_ROUNDS.
  for (;;) {
    let restart = false;
    for (let i = 0; i < rules.length; i++) {
      const g = rules[i] as RuleGroup;
      const p = g.rule;
      st.prefixAdded = false;
      const rc = applyRule(g, inp, st);
      if (rc !== 'nomatch') {
        if (!p.flags.noSub) lastSub = p;
        if (st.filename.length > MAX_FILENAME) {
          st.steps.push(step(p, `the rewritten URL is longer than ${MAX_FILENAME} characters: 500`));
          st.status = 500;
          return out('status');
        }
        if (rc === 'status-set') return out('status');
        if (p.flags.status !== undefined) return out('status');
        if (rc !== 'nosub') action = p.flags.noEscape ? 'noescape' : 'normal';
        if (p.flags.passThrough) {
          st.filename = `passthrough:${st.filename}`;
          action = 'normal';
          last = true;
          break;
        }
        if (p.flags.end) {
          end = true;
          last = true;
          break;
        }
        if (p.flags.proxy || p.flags.last) {
          last = true;
          break;
        }
        if (p.flags.next) {
          if (++round >= p.flags.maxRounds) {
            st.steps.push(step(p, `[N] looped ${p.flags.maxRounds} rounds: 500`));
            st.status = 500;
            return out('status');
          }
          restart = true;
          break;
        }
        if (p.flags.skip > 0) i += p.flags.skip;
      } else {
        let q = p;
        while (i < rules.length && q.flags.chain) {
          i++;
          const next = rules[i];
          if (!next) break;
          q = next.rule;
        }
      }
    }
    if (!restart) break;
  }
  return out(action);
}
