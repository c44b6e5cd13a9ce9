/**
 * Users and groups read straight from /etc/passwd and /etc/group (no NSS):
 * what Apache's initgroups() sees on a plain server or a small container.
 */
import { readFileSync } from 'node:fs';
import type { GroupInfo, UserInfo, Users } from './types.js';

export function parsePasswd(text: string): Omit<UserInfo, 'groups'>[] {
  const out: Omit<UserInfo, 'groups'>[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const [name, , uid, gid, , home = '', shell = ''] = line.split(':');
    if (!name || !uid || !gid || !/^\d+$/.test(uid) || !/^\d+$/.test(gid)) continue;
    out.push({ name, uid: Number(uid), gid: Number(gid), home, shell: shell.trim() });
  }
  return out;
}

export function parseGroup(text: string): GroupInfo[] {
  const out: GroupInfo[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const [name, , gid, members = ''] = line.split(':');
    if (!name || !gid || !/^\d+$/.test(gid)) continue;
    out.push({
      name,
      gid: Number(gid),
      members: members
        .trim()
        .split(',')
        .filter((m) => m !== ''),
    });
  }
  return out;
}

/** "33", 33 and mod_fastcgi's "#33" are ids; anything else is a name. */
function asId(v: string | number): number | undefined {
  if (typeof v === 'number') return v;
  const m = /^#?(\d+)$/.exec(v.trim());
  return m?.[1] !== undefined ? Number(m[1]) : undefined;
}

/** A Users table over the text of passwd and group files. */
export function usersFromText(passwdText: string, groupText: string): Users {
  const groups = parseGroup(groupText);
  const users: UserInfo[] = parsePasswd(passwdText).map((u) => ({
    ...u,
    groups: groups.filter((g) => g.members.includes(u.name)).map((g) => g.gid),
  }));
  return {
    user(v) {
      const id = asId(v);
      return id !== undefined ? users.find((u) => u.uid === id) : users.find((u) => u.name === v);
    },
    group(v) {
      const id = asId(v);
      return id !== undefined ? groups.find((g) => g.gid === id) : groups.find((g) => g.name === v);
    },
    userName: (uid) => users.find((u) => u.uid === uid)?.name,
    groupName: (gid) => groups.find((g) => g.gid === gid)?.name,
  };
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export function liveUsers(passwdFile = '/etc/passwd', groupFile = '/etc/group'): Users {
  let table: Users | undefined;
  const get = () => (table ??= usersFromText(readOr(passwdFile), readOr(groupFile)));
  return {
    user: (v) => get().user(v),
    group: (v) => get().group(v),
    userName: (uid) => get().userName(uid),
    groupName: (gid) => get().groupName(gid),
  };
}
