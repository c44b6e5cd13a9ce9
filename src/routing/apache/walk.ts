/**
 * The filesystem side of ap_directory_walk (server/request.c): r->filename
 * is stat'ed component by component from the root; the first component that
 * is not a directory ends the walk: a file (the rest is PATH_INFO), or
 * missing (APR_NOFILE: the name stays in r->filename, the rest is PATH_INFO).
 * Bounded: a path of more than MAX_COMPONENTS components is refused.
 */
import { isProbeError, type FileSystem } from '../../system/types.js';

const MAX_COMPONENTS = 512;

export interface Walked {
  filename: string;
  pathInfo: string;
  type: 'file' | 'dir' | 'nofile' | 'other';
  status?: number;
  why?: string;
  /** Components that are symbolic links (httpd checks Options FollowSymLinks / SymLinksIfOwnerMatch on each). */
  links: { path: string; ownerMatches: boolean }[];
}

export function walkPath(fs: FileSystem, filename: string, uncertain: string[]): Walked {
  const parts = filename.split('/').filter((x) => x !== '');
  if (parts.length > MAX_COMPONENTS)
    return {
      filename,
      pathInfo: '',
      type: 'nofile',
      status: 404,
      why: `${parts.length} path components: beyond what the model walks`,
      links: [],
    };
  let cur = '';
  const links: Walked['links'] = [];
  for (let i = 0; i < parts.length; i++) {
    cur += `/${parts[i]}`;
    const l = fs.lstat(cur);
    const s = fs.stat(cur);
    if (!isProbeError(l) && l.type === 'symlink')
      links.push({ path: cur, ownerMatches: !isProbeError(s) && s.uid === l.uid });
    const rest = parts.slice(i + 1);
    const pathInfo = rest.length > 0 ? `/${rest.join('/')}${filename.endsWith('/') ? '/' : ''}` : '';
    if (isProbeError(s)) {
      if (s.error === 'denied') {
        uncertain.push(`${cur} cannot be looked at by the user running the doctor: assumed missing for Apache too`);
        return { filename: cur, pathInfo, type: 'nofile', links };
      }
      if (s.error === 'missing') return { filename: cur, pathInfo, type: 'nofile', links };
      return { filename: cur, pathInfo, type: 'nofile', status: 403, why: `${cur}: ${s.message} (403)`, links };
    }
    if (s.type === 'dir') continue;
    return { filename: cur, pathInfo, type: s.type === 'file' ? 'file' : 'other', links };
  }
  // Every component is a directory: r->filename keeps a trailing slash when the URI had one.
  const dir = cur === '' ? '/' : cur;
  return { filename: filename.endsWith('/') && dir !== '/' ? `${dir}/` : dir, pathInfo: '', type: 'dir', links };
}
