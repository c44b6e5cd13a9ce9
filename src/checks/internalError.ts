/**
 * A step of the diagnosis that crashed (a bug in fcgi-doctor, not a problem
 * of the server). It is never turned into a finding: a run with one ends in
 * exit status 2, with the findings gathered so far and the step named.
 */
export interface InternalError {
  /** What was being done, in words a user can report ("the configuration check for execcgi-off"). */
  step: string;
  /** The exception's message. */
  message: string;
}

export function internalError(step: string, e: unknown): InternalError {
  return { step, message: e instanceof Error ? e.message : String(e) };
}
