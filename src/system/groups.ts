import { readFileSync } from 'node:fs';
import type { Users } from './types.js';
import { parseGroup } from './users.js';

/** A group name or number → gid, from /etc/group (no NSS: what a small container has). */
export function resolveGroupId(nameOrId: string, groupFile = '/etc/group'): number | undefined {
  if (/^\d+$/.test(nameOrId)) return Number(nameOrId);
  let text: string;
  try {
    text = readFileSync(groupFile, 'utf8');
  } catch {
    return undefined;
  }
  return parseGroup(text).find((g) => g.name === nameOrId)?.gid;
}

/** The uid, primary gid (the named group's, else the user's) and supplementary groups a process of this user and group runs with. */
export function identityOf(
  users: Users,
  user: string | undefined,
  group: string | undefined,
): { uid: number; gid: number; groups: readonly number[] } | undefined {
  const u = user ? users.user(user) : undefined;
  if (!u) return undefined;
  const g = group ? users.group(group) : undefined;
  return { uid: u.uid, gid: g?.gid ?? u.gid, groups: u.groups };
}
