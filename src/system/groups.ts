import { readFileSync } from 'node:fs';

/** A group name or number → gid, from /etc/group (no NSS: what a small container has). */
export function resolveGroupId(nameOrId: string, groupFile = '/etc/group'): number | undefined {
  if (/^\d+$/.test(nameOrId)) return Number(nameOrId);
  let text: string;
  try {
    text = readFileSync(groupFile, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === nameOrId && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return undefined;
}
