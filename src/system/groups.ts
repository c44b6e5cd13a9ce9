import { readFileSync } from 'node:fs';
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
