/**
 * A directory named where a socket was meant (connect-is-directory): the
 * sockets in it, as evidence, and the one to name when there is one. The
 * directory is read only on this path, so a healthy ping never loads src/system.
 */
import type { FcgiClientError } from '../../client/errors.js';
import type { Target } from '../../client/target.js';
import type { Finding } from '../../findings/finding.js';

/** A directory named as the target: the sockets in it (a bounded list), read only then. */
export async function listSocketsIfDirectory(target: Target, err: FcgiClientError, finding: Finding): Promise<Finding> {
  if (err.code !== 'connect-is-directory' || target.kind !== 'unix') return finding;
  const { socketsNear, isProbeError } = await import('../../system/index.js');
  const found = socketsNear(target.path);
  const lines: string[] = [];
  if (isProbeError(found)) lines.push(`the sockets in ${target.path} cannot be listed: ${found.message}`);
  else if (found.sockets.length === 0)
    lines.push(
      `${target.path} holds no socket, nor do its subdirectories one level down${found.truncated ? ' (among the first 10000 entries)' : ''}`,
    );
  else {
    lines.push(...found.sockets.map((s) => `socket ${found.below ? 'below' : 'in'} it: ${s}`));
    if (found.more) lines.push(`… and ${found.more} more sockets`);
  }
  const first = !isProbeError(found) ? found.sockets[0] : undefined;
  return {
    ...finding,
    evidence: [...finding.evidence, ...lines.map((text) => ({ kind: 'probe' as const, text }))],
    fix:
      first && !isProbeError(found) && found.sockets.length === 1 && !found.more
        ? `Name the socket: fcgi-doctor ping ${first}`
        : finding.fix,
  };
}
