import type { Command } from 'commander';
import { listFindingDocs } from '../findings/docs.js';
import { listRules } from '../logs/index.js';
import { formatCompletion, type CompletionSpec } from '../report/completion.js';
import { FORMATS } from './formats.js';
import { UsageError, type CliIO } from './io.js';

/** Values an option takes, where there is a fixed list. */
const CHOICES: Record<string, readonly string[]> = {
  '--fail-on': ['error', 'warning'],
  '--role': ['responder', 'authorizer'],
  '--server': ['apache', 'nginx'],
};

/** Options whose value is a path. */
const PATH_OPTIONS = new Set(['--script', '--document-root', '--body-file', '--root', '--server-root', '--output']);

/** What the completion script offers, read from the commands as main.ts defines them. */
export function completionSpec(program: Command, ids: string[]): CompletionSpec {
  return {
    program: program.name(),
    commands: program.commands.map((cmd) => {
      const arg = cmd.registeredArguments[0];
      const argName = arg?.name() ?? '';
      return {
        name: cmd.name(),
        description: cmd.description(),
        options: [
          ...cmd.options,
          { long: '--help', short: '-h', required: false, optional: false, description: 'help for this command' },
        ]
          .filter((o) => o.long)
          .map((o) => {
            const long = o.long as string;
            const takesValue = Boolean(o.required || o.optional);
            let choices: readonly string[] | undefined = CHOICES[long];
            if (long === '--format') {
              // The formats a command accepts are listed in its help text.
              choices = FORMATS.filter((f) => new RegExp(`\\b${f}\\b`).test(o.description ?? ''));
            }
            return {
              long,
              short: o.short,
              takesValue,
              files: PATH_OPTIONS.has(long),
              description: o.description ?? '',
              choices,
            };
          }),
        // explain takes an id; completion takes a shell; trace a URL (nothing to offer); the others files or targets.
        args:
          argName === 'url'
            ? { kind: 'none' as const }
            : argName === 'id'
              ? { kind: 'words' as const, words: ids }
              : argName === 'shell'
                ? { kind: 'words' as const, words: ['bash', 'zsh'] }
                : arg
                  ? { kind: 'files' as const }
                  : { kind: 'none' as const },
      };
    }),
  };
}

export async function runCompletion(shell: string, program: Command, io: CliIO): Promise<number> {
  if (shell !== 'bash' && shell !== 'zsh') throw new UsageError(`completion takes bash or zsh, not "${shell}"`);
  let ids: string[] = [];
  try {
    ids = [...listFindingDocs().map((d) => d.id), ...listRules().map((r) => r.id)];
  } catch {
    // Ids are a convenience: a catalog that cannot be read leaves explain without them.
  }
  io.stdout(formatCompletion(shell, completionSpec(program, [...new Set(ids)].sort())));
  return 0;
}
