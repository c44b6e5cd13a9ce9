/**
 * GitHub Actions workflow commands: each finding becomes an annotation
 * (`::error file=…,line=…,title=…::message`) on the run and, with a file and
 * line inside the repository, on that line of the pull request.
 *
 * Everything in a finding may come from a log or a backend: the escaping
 * below also keeps such text from starting a workflow command of its own
 * (a newline in it becomes %0A, so it can never begin a line with `::`),
 * and terminal control characters (ESC, BEL, BS…) become visible escapes
 * first: the log of a run is shown in a browser and read in terminals.
 */
import * as path from 'node:path';
import type { Finding } from '../findings/finding.js';
import { summarize } from '../findings/finding.js';
import { capText, evidenceLines, foldedNote, foldRepeats, SHOWN } from './cap.js';
import { escapeControl, escapeOneLine } from './escape.js';

export interface GithubOptions {
  /** file paths under this directory are written relative to it (the workspace); default process.cwd() */
  cwd?: string;
  /** the exit status the CLI will return, on the closing line */
  exitCode: number;
  /** what was checked, on the closing line */
  target?: string;
  /** steps of the tool that crashed: each an error annotation without a file */
  internalErrors?: readonly string[];
  /** how many findings a suppression took out: counted on the closing line */
  suppressed?: number;
}

const COMMAND: Record<Finding['severity'], string> = { error: 'error', warning: 'warning', info: 'notice' };

/** The data part of a workflow command (after `::`). */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A property value (file=, line=, title=): also `:` and `,`, which end a property. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** Control characters as visible escapes, but CR and LF left for GitHub's own %0D and %0A. */
function escapeControlKeepingCr(text: string): string {
  return text.split('\r').map(escapeControl).join('\r');
}

/** Untrusted text as workflow-command data. */
function data(text: string): string {
  return escapeData(escapeControlKeepingCr(text));
}

/** Untrusted text as a property value. */
function property(text: string): string {
  return escapeProperty(escapeControlKeepingCr(text));
}

function relativeFile(file: string, cwd: string): string {
  const rel = path.relative(cwd, path.resolve(cwd, file));
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
}

export function formatGithubAnnotation(f: Finding, cwd: string = process.cwd()): string {
  const props: string[] = [];
  if (f.location?.file) {
    props.push(`file=${property(relativeFile(f.location.file, cwd))}`);
    if (f.location.line !== undefined) props.push(`line=${f.location.line}`);
  }
  props.push(`title=${property(`${capText(f.title, SHOWN.title)} [${f.id}]`)}`);
  // Cut like the text report (cap.ts): an annotation is read on a pull request, JSON has it all.
  const body = [capText(f.message, SHOWN.text)];
  if (f.evidence.length) body.push(evidenceLines(f.evidence).join('\n'));
  if (f.fix) body.push(`Fix: ${capText(f.fix, SHOWN.text)}`);
  return `::${COMMAND[f.severity]} ${props.join(',')}::${data(body.join('\n\n'))}`;
}

export function formatGithub(findings: readonly Finding[], opts: GithubOptions): string {
  const cwd = opts.cwd ?? process.cwd();
  // Many of one kind are annotated a few times and counted (cap.ts); the summary counts them all.
  const { shown, folded } = foldRepeats(findings, SHOWN.findingsPerKind);
  const lines = shown.map((f) => formatGithubAnnotation(f, cwd));
  // Plain lines (not commands), escaped as the annotations are.
  for (const k of folded) lines.push(escapeOneLine(`fcgi-doctor: ${foldedNote(k)}`));
  for (const text of opts.internalErrors ?? [])
    lines.push(`::error title=${escapeProperty('fcgi-doctor could not finish')}::${escapeData(text)}`);
  const s = summarize(findings);
  const what = opts.target ? ` ${escapeOneLine(opts.target)}:` : ':';
  // A plain line (not a command) for the log of the step.
  const suppressed = opts.suppressed ? `, ${opts.suppressed} suppressed` : '';
  lines.push(
    `fcgi-doctor${what} ${s.error} error${s.error === 1 ? '' : 's'}, ${s.warning} warning${s.warning === 1 ? '' : 's'}, ${s.info} info${suppressed} (exit ${opts.exitCode})`,
  );
  return `${lines.join('\n')}\n`;
}
