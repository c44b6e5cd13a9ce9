/**
 * Read-time conditionals (<IfModule>, <IfDefine>, <IfFile>, <IfDirective>,
 * <IfSection>, <IfVersion>), evaluated against what the configuration itself
 * has loaded and defined so far, as httpd does while reading.
 */
import * as path from 'node:path';
import { directiveProvided, sectionProvided, type ModuleRegistry } from './modules.js';
import type { ConfigFileSource } from './source.js';

export const CONDITIONALS = new Set(['ifmodule', 'ifdefine', 'iffile', 'ifdirective', 'ifsection', 'ifversion']);

/** The httpd version whose behaviour we follow (Debian bookworm's build). */
export const HTTPD_VERSION = [2, 4, 71] as const;

export interface ConditionEnv {
  modules: ModuleRegistry;
  isDefined: (name: string) => boolean;
  serverRoot: string;
  source: ConfigFileSource;
}

export function evaluateCondition(kind: string, args: readonly string[], env: ConditionEnv): boolean {
  if (kind === 'ifversion') return ifVersion(args);
  let arg = args[0] ?? '';
  let negate = false;
  if (arg.startsWith('!')) {
    negate = true;
    arg = arg.slice(1);
  }
  let result: boolean;
  switch (kind) {
    case 'ifmodule':
      result = env.modules.has(arg);
      break;
    case 'ifdefine':
      result = env.isDefined(arg);
      break;
    case 'iffile': {
      const p = path.posix.isAbsolute(arg) ? arg : path.posix.join(env.serverRoot, arg);
      result = env.source.stat(p).kind !== 'missing';
      break;
    }
    case 'ifdirective':
      result = directiveProvided(arg, env.modules) ?? false;
      break;
    case 'ifsection':
      result = sectionProvided(arg, env.modules) ?? false;
      break;
    default:
      result = false;
  }
  return negate ? !result : result;
}

function compareVersion(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** <IfVersion [[!]operator] version>: mod_version's comparison against HTTPD_VERSION. */
function ifVersion(args: readonly string[]): boolean {
  let op = args.length > 1 ? (args[0] ?? '=') : '=';
  const ver = (args.length > 1 ? args[1] : args[0]) ?? '';
  let negate = false;
  if (op.startsWith('!')) {
    negate = true;
    op = op.slice(1) || '=';
  }
  const current = `${HTTPD_VERSION.join('.')}`;
  let r: boolean;
  if (op === '~' || (ver.startsWith('/') && ver.endsWith('/'))) {
    try {
      r = new RegExp(ver.replace(/^\/|\/$/g, '')).test(current);
    } catch {
      r = false;
    }
  } else {
    const want = ver.split('.').map((n) => Number.parseInt(n, 10) || 0);
    const c = compareVersion(HTTPD_VERSION, want);
    const partialEq = want.every((n, i) => n === HTTPD_VERSION[i]);
    r = op === '>' ? c > 0 : op === '>=' ? c >= 0 : op === '<' ? c < 0 : op === '<=' ? c <= 0 : partialEq;
  }
  return negate ? !r : r;
}
