/**
 * execcgi-off: only where the module checks it — mod_fcgid handlers (403 with
 * nothing in the error log) and mod_fastcgi dynamic applications ("ExecCGI
 * Option" is off in this directory). mod_fastcgi static/external servers and
 * mod_proxy_fcgi never look at ExecCGI: flagging them would be wrong.
 *
 * The message retraces Apache's merge line by line (a bare list replaces what
 * was inherited, +/- words adjust it), so it names the line that dropped
 * ExecCGI, or says that no line ever added it.
 *
 * The cause is the directory's Options, not the handler: two handlers (an
 * AddHandler .fcgi and a SetHandler in a <Files>) in one directory whose merged
 * Options lack ExecCGI are one finding, with every handler line as evidence.
 */
import { applyOptions, DEFAULT_OPTIONS, parseOptions, type OptionName } from '../../apache/index.js';
import type { FastcgiSetup, OptionsLine } from '../../setups/index.js';
import type { ConfigCheck } from './context.js';
import { FoldByCause } from './fold.js';
import { at, finding } from './make.js';

interface MergeStep {
  line: OptionsLine;
  /** What the line did, in words ("adds FollowSymLinks"). */
  effect: string;
  had: boolean;
  has: boolean;
  replaced: boolean;
  result: ReadonlySet<OptionName>;
}

const names = (set: ReadonlySet<OptionName>): string => [...set].sort().join(' ') || 'None';

function mergeSteps(lines: readonly OptionsLine[]): MergeStep[] {
  let current: ReadonlySet<OptionName> = new Set(DEFAULT_OPTIONS);
  return lines.map((line) => {
    const parsed = parseOptions(line.args);
    const next = applyOptions(current, parsed);
    const parts: string[] = [];
    if (parsed.replace) parts.push(`replaces the inherited options (${names(current)}) with ${names(parsed.replace)}`);
    if (parsed.add.size > 0) parts.push(`adds ${[...parsed.add].join(' ')}`);
    if (parsed.remove.size > 0) parts.push(`removes ${[...parsed.remove].join(' ')}`);
    const step: MergeStep = {
      line,
      effect: parts.join(', ') || 'changes nothing',
      had: current.has('ExecCGI'),
      has: next.has('ExecCGI'),
      replaced: parsed.replace !== undefined,
      result: next,
    };
    current = next;
    return step;
  });
}

/** Why ExecCGI is not in the result: the line that took it away, or that none added it. */
function why(steps: readonly MergeStep[]): string {
  const lost = [...steps].reverse().find((s) => s.had && !s.has);
  if (lost) {
    const how = lost.replaced
      ? 'its list has no + or - words, so it replaces the inherited options, ExecCGI among them'
      : 'it removes ExecCGI';
    return `"Options ${lost.line.args.join(' ')}" at ${at(lost.line)} turns ExecCGI off: ${how}.`;
  }
  if (steps.length === 0)
    return `No Options line applies here, and Apache's default (${names(new Set(DEFAULT_OPTIONS))}) does not include ExecCGI.`;
  const one = steps.length === 1;
  return `${one ? 'The one Options line that applies here' : `None of the ${steps.length} Options lines that apply here`} (${steps.map((s) => at(s.line)).join(', ')}) ${one ? 'does not add' : 'adds'} ExecCGI, and Apache's default (${names(new Set(DEFAULT_OPTIONS))}) does not include it.`;
}

/** The handler sits in a <Directory>, or names its script (<Files name>, a wrapper's script, a FastCgiServer path). */
function pinsDirectory(s: FastcgiSetup): boolean {
  return s.sections.some((x) => x.name.toLowerCase() === 'directory') || s.script !== undefined;
}

export const execcgiOffCheck: ConfigCheck = {
  ids: ['execcgi-off'],
  run(ctx) {
    // Apache starts with these: each request is a 403, so "stops at the first" would be wrong.
    const out = new FoldByCause({ stopsAtFirst: false });
    for (const s of ctx.model.setups) {
      if (!s.active || !s.options) continue;
      if (s.mode !== 'fcgid' && s.mode !== 'dynamic') continue;
      if (s.options.values.includes('ExecCGI')) continue;
      // A handler outside every <Directory> (Debian's fcgid.conf AddHandler .fcgi, an AddHandler in a
      // vhost) applies wherever a matching file is: its directory here is a guess (the DocumentRoot),
      // and a site with no such script is fine. Those are judged on the scripts the sites really
      // serve, by the probe that finds and traces them (discoveredScripts).
      if (!pinsDirectory(s)) continue;
      const options = s.options;
      // One directory with one merge of Options lines is one cause, whatever the handlers.
      const cause = `${options.directory}\0${options.from.map((l) => at(l)).join(' ')}`;
      out.add(
        cause,
        () => `${at(s.definedAt)}: ${s.directive}`,
        () => {
          const steps = mergeSteps(options.from);
          const symptom =
            s.mode === 'fcgid'
              ? 'mod_fcgid answers 403 Forbidden and writes nothing to the error log'
              : 'mod_fastcgi answers 403 Forbidden and logs \'FastCGI: "ExecCGI Option" is off in this directory\'';
          return finding({
            id: 'execcgi-off',
            severity: 'error',
            title: 'ExecCGI is off where scripts should run',
            message: `Requests for ${options.directory} go to ${s.module === 'fcgid' ? 'mod_fcgid' : 'a mod_fastcgi dynamic application'}, but the Options in effect there are "${options.values.join(' ') || 'None'}", without ExecCGI: ${symptom}. ${why(steps)}`,
            at: s.definedAt,
            evidence: [
              `${at(s.definedAt)}: ${s.directive}`,
              ...steps.map(
                (step) =>
                  `${at(step.line)}: Options ${step.line.args.join(' ')} (applies here, in merge order: ${step.effect} → ${names(step.result)})`,
              ),
            ],
            fix: `Add "Options +ExecCGI" inside <Directory ${options.directory}> (or the section that sets the handler).`,
          });
        },
      );
    }
    return out.findings();
  },
};
