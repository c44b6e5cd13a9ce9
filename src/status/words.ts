/**
 * Numbers in words a sysadmin reads: "1 idle worker", "2 idle workers". Shared
 * by the findings of src/status and the status reporters.
 */

/** "1 worker", "3 workers", "0 workers"; `plural` for words that do not take an s. */
export function count(n: number, word: string, plural = `${word}s`): string {
  return `${n} ${n === 1 ? word : plural}`;
}

/** "once", "twice", "3 times" */
export function times(n: number): string {
  return n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`;
}
