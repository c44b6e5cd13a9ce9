/** Pure parsers of /proc/net/unix, /proc/net/tcp and /proc/net/tcp6. */
import type { TcpListener, UnixListener } from './types.js';

/** __SO_ACCEPTCON: the socket is listening (include/uapi/linux/net.h). */
const SO_ACCEPTCON = 0x10000;
const SOCK_STREAM = 1;

/**
 * "Num RefCount Protocol Flags Type St Inode Path": a listening stream socket
 * has __SO_ACCEPTCON in Flags. Unnamed sockets (no Path) are left out.
 */
export function parseProcNetUnix(text: string): UnixListener[] {
  const out: UnixListener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const flags = Number.parseInt(f[3] ?? '', 16);
    const type = Number.parseInt(f[4] ?? '', 16);
    if (!(flags & SO_ACCEPTCON) || type !== SOCK_STREAM) continue;
    // A path may contain spaces: everything after the 7th field.
    const path = line.trim().split(/\s+/).slice(7).join(' ');
    out.push({ path, inode: Number(f[6]) });
  }
  return out;
}

/** Little-endian 32-bit words of hex → dotted quad. */
function ipv4(hex: string): string {
  const n = Number.parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.');
}

/** 32 hex digits, four host-order (little-endian) 32-bit words → compressed IPv6 text. */
function ipv6(hex: string): string {
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let b = 3; b >= 0; b--) bytes.push(Number.parseInt(word.slice(b * 2, b * 2 + 2), 16));
  }
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // Compress the longest run of zero groups (RFC 5952).
  let best = { start: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len && j - i > 1) best = { start: i, len: j - i };
    i = j;
  }
  const hexs = groups.map((g) => g.toString(16));
  if (best.start < 0) return hexs.join(':');
  return `${hexs.slice(0, best.start).join(':')}::${hexs.slice(best.start + best.len).join(':')}`;
}

/** State 0A (TCP_LISTEN) rows of /proc/net/tcp (family 4) or tcp6 (family 6). */
export function parseProcNetTcp(text: string, family: 4 | 6): TcpListener[] {
  const out: TcpListener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== '0A') continue;
    const [addrHex, portHex] = (f[1] ?? '').split(':');
    if (!addrHex || !portHex) continue;
    out.push({
      address: family === 4 ? ipv4(addrHex) : ipv6(addrHex),
      port: Number.parseInt(portHex, 16),
      inode: Number(f[9]),
      family,
    });
  }
  return out;
}
