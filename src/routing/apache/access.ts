/**
 * Authorization as mod_authz_core decides it for the forms the model can
 * settle statically: the Require lines of the last merged section that has
 * any (AuthMerging Off), several lines meaning <RequireAny>; `all granted`
 * / `all denied`, <RequireAll>/<RequireAny>; anything else (users, ip,
 * env, expr) is reported as uncertain. mod_access_compat's Order/Deny/Allow
 * "from all" when that module is loaded.
 */
import { render, type Directive } from '../../apache/index.js';
import { authzContainer } from './sections.js';

export interface AccessVerdict {
  denied: boolean;
  text?: string;
  by?: Directive;
  uncertain?: string;
}

type V = 'granted' | 'denied' | 'unknown';

function lineVerdict(d: Directive): V {
  const [a, b] = d.args.map((x) => x.toLowerCase());
  const not = a === 'not';
  const kind = not ? b : a;
  const what = not ? d.args[2]?.toLowerCase() : b;
  if (kind === 'all' && (what === 'granted' || what === 'denied')) {
    const granted = what === 'granted';
    return granted !== not ? 'granted' : 'denied';
  }
  return 'unknown';
}

export function accessVerdict(merged: readonly Directive[], modules: ReadonlySet<string>): AccessVerdict {
  // The Require lines of the last section that holds any (merge order).
  let lines: Directive[] = [];
  let group: Directive[] = [];
  let lastFile = '';
  let lastSection: unknown;
  for (const d of merged) {
    if (d.name !== 'require') continue;
    const sectionKey = `${d.file}:${sectionKeyOf(d)}`;
    if (sectionKey !== lastSection) {
      if (group.length > 0) lines = group;
      group = [];
      lastSection = sectionKey;
    }
    group.push(d);
    lastFile = d.file;
  }
  void lastFile;
  if (group.length > 0) lines = group;
  if (lines.length > 0) {
    const verdicts = lines.map((d) => ({ d, v: lineVerdict(d), c: authzContainer.get(d) }));
    const all = verdicts.filter((x) => x.c === 'requireall');
    const any = verdicts.filter((x) => x.c !== 'requireall' && x.c !== 'requirenone');
    if (verdicts.some((x) => x.c === 'requirenone'))
      return { denied: false, uncertain: 'a <RequireNone> block: not evaluated' };
    const allV: V =
      all.length === 0
        ? 'granted'
        : all.some((x) => x.v === 'denied')
          ? 'denied'
          : all.every((x) => x.v === 'granted')
            ? 'granted'
            : 'unknown';
    const anyV: V =
      any.length === 0
        ? 'denied'
        : any.some((x) => x.v === 'granted')
          ? 'granted'
          : any.every((x) => x.v === 'denied')
            ? 'denied'
            : 'unknown';
    const result: V =
      all.length > 0 && any.length > 0
        ? allV === 'granted' || anyV === 'granted'
          ? 'granted'
          : allV === 'denied' && anyV === 'denied'
            ? 'denied'
            : 'unknown'
        : all.length > 0
          ? allV
          : anyV;
    const by = lines[lines.length - 1] as Directive;
    if (result === 'denied') return { denied: true, text: render(by), by };
    if (result === 'unknown')
      return {
        denied: false,
        uncertain: `access depends on ${lines
          .filter((d) => lineVerdict(d) === 'unknown')
          .map(render)
          .join(', ')} (${by.file}:${by.line}): assumed granted`,
      };
  }
  if (modules.has('access_compat_module')) {
    const order = merged.filter((d) => d.name === 'order').at(-1);
    const denyAll = merged
      .filter((d) => d.name === 'deny' && d.args.map((x) => x.toLowerCase()).join(' ') === 'from all')
      .at(-1);
    const allowAll = merged
      .filter((d) => d.name === 'allow' && d.args.map((x) => x.toLowerCase()).join(' ') === 'from all')
      .at(-1);
    const o = (order?.args.join('') ?? 'deny,allow').toLowerCase();
    if (denyAll && (!allowAll || o === 'allow,deny')) return { denied: true, text: render(denyAll), by: denyAll };
    if (!allowAll && order && o === 'allow,deny' && !merged.some((d) => d.name === 'allow'))
      return { denied: true, text: `${render(order)} with no Allow`, by: order };
  }
  return { denied: false };
}

/** Require lines of one section share their section's closing line; a proxy for "the same section". */
const sectionOf = new WeakMap<Directive, string>();
export function sectionKeyOf(d: Directive): string {
  return sectionOf.get(d) ?? '';
}
export function markSection(d: Directive, key: string): void {
  sectionOf.set(d, key);
}
