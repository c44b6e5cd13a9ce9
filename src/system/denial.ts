/**
 * One explanation of a permission denial, in the same words wherever it is
 * told: `check` (the web server's user and the socket), `status` (this user
 * and the socket) and `ping` (PHP-FPM's workers and the script). It words an
 * access verdict of ./access.ts, so it lives beside it; it imports nothing at
 * run time, so `status` and `ping` may load it without the probes of the machine.
 */
import type { Bit, PermClass } from './access.js';

/** A bit by what it allows. */
export const BIT_WORD: Readonly<Record<Bit, string>> = { r: 'read (r)', w: 'write (w)', x: 'search (x)' };

/** chmod's letter for a class of permission bits. */
export const CLASS_LETTER: Readonly<Record<PermClass, string>> = { owner: 'u', group: 'g', other: 'o' };

/** A refusal with every name resolved: who, which path, which bits, whose bits. */
export interface Denial {
  /** the user refused */
  who: string;
  /** the path whose bits refuse: the target itself or a directory above it */
  path: string;
  /** what that path is to the reader: "the socket", "the file /srv/x.php", "the directory /srv" */
  object: string;
  missing: readonly Bit[];
  cls: PermClass;
  /** "srw-rw----" */
  modeText: string;
  owner: string;
  group: string;
}

/** "read (r) and search (x)" */
export function missingBitsText(missing: readonly Bit[]): string {
  return missing.map((b) => BIT_WORD[b]).join(' and ');
}

/** Which class of bits applies to the user, and why. */
export function classText(d: Pick<Denial, 'who' | 'cls' | 'owner' | 'group'>): string {
  if (d.cls === 'owner') return `the owner bits apply (${d.who} owns it)`;
  if (d.cls === 'group') return `the group bits apply (${d.who} is in its group ${d.group})`;
  return `the "other" bits apply (${d.who} is neither its owner ${d.owner} nor in its group ${d.group})`;
}

/** "lacks write (w) permission on the socket (srw-rw---- root:root); the "other" bits apply (…)": the subject is the caller's. */
export function denialText(d: Denial): string {
  return `lacks ${missingBitsText(d.missing)} permission on ${d.object} (${d.modeText} ${d.owner}:${d.group}); ${classText(d)}`;
}

/** The narrowest chmod that lets the user through: "chmod o+x /srv/www". */
export function chmodFix(d: Pick<Denial, 'cls' | 'missing' | 'path'>): string {
  return `chmod ${CLASS_LETTER[d.cls]}+${d.missing.join('')} ${d.path}`;
}

/** The line of evidence for a refusal the kernel confirmed: access(2) as the user refused the same step. */
export function confirmedText(
  who: string,
  v: { path: string; missing: readonly Bit[]; stat: { type: string } },
): string {
  const bits = v.missing.map((b) => (b === 'x' && v.stat.type !== 'dir' ? 'execute (x)' : BIT_WORD[b])).join(' and ');
  return `confirmed by the kernel: access(2) as ${who} is refused ${bits} on ${v.path}`;
}
