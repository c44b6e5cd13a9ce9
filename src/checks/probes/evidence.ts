/** Probe results as the short lines a person can check with ls, ps or ss. */
import type { FastcgiSetup } from '../../setups/index.js';
import {
  modeString,
  octal,
  type FileStat,
  type FpmPool,
  type Principal,
  type ProcessInfo,
  type Users,
} from '../../system/index.js';

export function ownerText(st: Pick<FileStat, 'uid' | 'gid'>, users: Users): string {
  return `${users.userName(st.uid) ?? st.uid}:${users.groupName(st.gid) ?? st.gid}`;
}

/** "srw-rw---- root:root (0660) /run/php/php8.2-fpm.sock" */
export function statText(st: FileStat, users: Users): string {
  return `${modeString(st)} ${ownerText(st, users)} (${octal(st.mode)}) ${st.path}`;
}

export function processText(p: ProcessInfo, users: Users): string {
  // php-fpm and others pad their rewritten argv with spaces.
  const cmd = p.cmdline.length > 0 ? p.cmdline.join(' ').replace(/\s+/g, ' ').trim() : `[${p.comm}]`;
  return `pid ${p.pid} (${users.userName(p.euid) ?? `uid ${p.euid}`}): ${cmd.length > 200 ? `${cmd.slice(0, 200)}…` : cmd}`;
}

export function principalText(who: Principal, users: Users): string {
  const groups = who.gids.map((g) => `${users.groupName(g) ?? '?'}(${g})`).join(', ');
  return `${who.name ?? users.userName(who.uid) ?? who.uid} (uid ${who.uid}; groups ${groups})`;
}

export function poolText(pool: FpmPool): string {
  const s = pool.settings;
  const parts = [`listen = ${pool.listen ?? '(none)'}`];
  for (const k of [
    'listen.owner',
    'listen.group',
    'listen.mode',
    'listen.acl_users',
    'listen.acl_groups',
    'listen.allowed_clients',
    'user',
    'group',
  ]) {
    if (s[k] !== undefined) parts.push(`${k} = ${s[k]}`);
  }
  return `pool [${pool.name}] at ${pool.file}:${pool.line}: ${parts.join(', ')}`;
}

export function configText(s: FastcgiSetup): string {
  return `${s.definedAt.file}:${s.definedAt.line}: ${s.directive}`;
}

/** "php8.2-fpm" from /etc/php/8.2/fpm/pool.d/www.conf; "php-fpm" elsewhere (RHEL). */
export function fpmServiceOf(pool: FpmPool): string {
  const m = /^\/etc\/php\/([^/]+)\/fpm\//.exec(pool.file);
  return m?.[1] ? `php${m[1]}-fpm` : 'php-fpm';
}
