/**
 * The socket a PHP-FPM pool WILL create at its next start, from its listen.*
 * lines, and whether the web server's user may connect to it then. FPM
 * recreates the socket at each start (sapi/fpm/fpm/fpm_unix.c:
 * fpm_unix_resolve_socket_permissions, fpm_unix_set_socket_permissions):
 * listen.owner / listen.group default to the master's own user (root when
 * the service starts it), listen.mode to 0660; with listen.acl_users or
 * listen.acl_groups set, the owner and group settings are ignored and the
 * ACL grants rw to the users and groups named. A chmod on the live socket is
 * therefore lost at the next restart, and a pool file edited since the last
 * start is not yet what the socket shows.
 */
import type { FpmPool, Principal, Users } from '../../system/index.js';

export interface PoolSocketAccess {
  /** May the user connect once FPM has recreated the socket? */
  granted: boolean;
  /** The lines that decide it, as written ("listen.owner = www-data (file:6)"). */
  settings: string[];
  /** One sentence: who the socket will belong to and why that grants or denies. */
  reason: string;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function at(pool: FpmPool, key: string): string {
  const v = pool.settings[key];
  return v === undefined ? '' : `${key} = ${v} (${pool.file}:${pool.lines[key] ?? pool.line})`;
}

/** The user's access to the socket the pool will create; undefined when the pool's settings name unknown accounts. */
export function poolSocketAccess(pool: FpmPool, who: Principal, users: Users): PoolSocketAccess | undefined {
  const settings = ['listen.owner', 'listen.group', 'listen.mode', 'listen.acl_users', 'listen.acl_groups']
    .map((k) => at(pool, k))
    .filter((s) => s !== '');
  const name = who.name ?? users.userName(who.uid) ?? String(who.uid);
  if (who.uid === 0) return { granted: true, settings, reason: `${name} is root` };
  const aclUsers = list(pool.settings['listen.acl_users']);
  const aclGroups = list(pool.settings['listen.acl_groups']);
  if (aclUsers.length > 0 || aclGroups.length > 0) {
    const byUser = aclUsers.some((u) => users.user(u)?.uid === who.uid);
    const byGroup = aclGroups.some((g) => {
      const gid = users.group(g)?.gid;
      return gid !== undefined && who.gids.includes(gid);
    });
    return {
      granted: byUser || byGroup,
      settings,
      reason: byUser
        ? `listen.acl_users names ${name}`
        : byGroup
          ? `listen.acl_groups names a group of ${name}`
          : `the ACL (listen.acl_users/listen.acl_groups) names neither ${name} nor any of its groups`,
    };
  }
  const ownerName = pool.settings['listen.owner'];
  const groupName = pool.settings['listen.group'];
  const owner = ownerName !== undefined ? users.user(ownerName) : { uid: 0, gid: 0, name: 'root' };
  if (!owner) return undefined;
  const group = groupName !== undefined ? users.group(groupName) : { gid: owner.gid, name: users.groupName(owner.gid) };
  if (!group) return undefined;
  const modeText = pool.settings['listen.mode'] ?? '0660';
  if (!/^[0-7]{3,4}$/.test(modeText.trim())) return undefined;
  const mode = Number.parseInt(modeText.trim(), 8);
  const ownerLabel = ownerName ?? 'root (no listen.owner: the master, started as root)';
  const groupLabel = groupName ?? group.name ?? String(group.gid);
  const shape = `${ownerLabel}:${groupLabel} ${modeText.trim()}`;
  if (owner.uid === who.uid)
    return { granted: (mode & 0o200) !== 0, settings, reason: `it will be ${shape}, and ${name} is its owner` };
  if (who.gids.includes(group.gid))
    return { granted: (mode & 0o020) !== 0, settings, reason: `it will be ${shape}, and ${name} is in its group` };
  return {
    granted: (mode & 0o002) !== 0,
    settings,
    reason: `it will be ${shape}: ${name} is neither its owner nor in its group, so the "other" bits apply`,
  };
}
