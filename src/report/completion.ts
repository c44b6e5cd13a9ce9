/**
 * Shell completion scripts for bash and zsh, from a plain description of the
 * commands (the CLI reads it off its own definitions, so the two never drift).
 */
export interface CompletionOption {
  long: string;
  short?: string;
  takesValue: boolean;
  /** the value is a file or directory */
  files?: boolean;
  description: string;
  choices?: readonly string[];
}

export interface CompletionCommand {
  name: string;
  description: string;
  options: CompletionOption[];
  args: { kind: 'files' } | { kind: 'words'; words: string[] } | { kind: 'none' };
}

export interface CompletionSpec {
  program: string;
  commands: CompletionCommand[];
}

/** Words a shell script may hold unquoted: ids, option names, format names. */
const SAFE = /^[A-Za-z0-9_.:/=+-]+$/;
function words(list: readonly string[]): string {
  return list.filter((w) => SAFE.test(w)).join(' ');
}

function fnName(program: string): string {
  return `_${program.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

export function formatBashCompletion(spec: CompletionSpec): string {
  const fn = fnName(spec.program);
  const cases: string[] = [];
  for (const cmd of spec.commands) {
    const valueCases = cmd.options
      .filter((o) => o.takesValue)
      .map((o) => {
        const flags = [o.long, o.short].filter(Boolean).join('|');
        const reply = o.choices?.length
          ? `COMPREPLY=($(compgen -W "${words(o.choices)}" -- "$cur"))`
          : o.files
            ? 'COMPREPLY=($(compgen -f -- "$cur"))'
            : 'COMPREPLY=()';
        return `        ${flags}) ${reply}; return ;;`;
      });
    const argReply =
      cmd.args.kind === 'words'
        ? `COMPREPLY=($(compgen -W "${words(cmd.args.words)}" -- "$cur"))`
        : cmd.args.kind === 'files'
          ? 'COMPREPLY=($(compgen -f -- "$cur"))'
          : 'COMPREPLY=()';
    const opts = words(cmd.options.flatMap((o) => [o.long, ...(o.short ? [o.short] : [])]));
    cases.push(
      `    ${cmd.name})
      case "$prev" in
${valueCases.join('\n')}${valueCases.length ? '\n' : ''}      esac
      if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "${opts}" -- "$cur"))
      else
        ${argReply}
      fi
      ;;`,
    );
  }
  return `# bash completion for ${spec.program}
# Load it: source <(${spec.program} completion bash)
# or save it: ${spec.program} completion bash > /etc/bash_completion.d/${spec.program}
${fn}() {
  local cur prev cmd i
  COMPREPLY=()
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -*) ;;
      *) cmd="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  if [[ -z "$cmd" ]]; then
    COMPREPLY=($(compgen -W "${words(spec.commands.map((c) => c.name))} --help --version" -- "$cur"))
    return
  fi
  case "$cmd" in
${cases.join('\n')}
  esac
}
complete -o default -F ${fn} ${spec.program}
`;
}

/** Text inside a zsh _arguments spec: [description] with ] : \\ ' escaped. */
function zshDescription(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "'\\''")
    .replace(/\[/g, '\\[')
    .replace(/\]/g, '\\]')
    .replace(/:/g, '\\:');
}

export function formatZshCompletion(spec: CompletionSpec): string {
  const fn = fnName(spec.program);
  const commandList = spec.commands.map((c) => `    '${c.name}:${zshDescription(c.description)}'`).join('\n');
  const cases = spec.commands.map((cmd) => {
    const optSpecs = cmd.options.map((o) => {
      const desc = `[${zshDescription(o.description)}]`;
      const value = o.takesValue
        ? `:${o.long.slice(2)}:${o.choices?.length ? `(${words(o.choices)})` : o.files ? '_files' : ' '}`
        : '';
      const names = o.short
        ? `'(${o.short} ${o.long})'{${o.short},${o.long}}'${desc}${value}'`
        : `'${o.long}${desc}${value}'`;
      return `        ${names}`;
    });
    const arg =
      cmd.args.kind === 'words'
        ? `'*:${cmd.name === 'completion' ? 'shell' : 'id'}:(${words(cmd.args.words)})'`
        : cmd.args.kind === 'files'
          ? "'*:file:_files'"
          : '';
    return `    ${cmd.name})
      _arguments -s \\
${[...optSpecs, ...(arg ? [`        ${arg}`] : [])].join(' \\\n')}
      ;;`;
  });
  return `#compdef ${spec.program}
# zsh completion for ${spec.program}
# Save it in a directory of $fpath: ${spec.program} completion zsh > "\${fpath[1]}/_${spec.program}"
# or load it now: source <(${spec.program} completion zsh)
${fn}() {
  local -a commands
  commands=(
${commandList}
  )
  local line state
  _arguments -C \\
    '(- *)'{-h,--help}'[show help]' \\
    '(- *)'{-V,--version}'[show the version]' \\
    '1: :->command' \\
    '*:: :->args'
  case $state in
    command) _describe -t commands 'fcgi-doctor command' commands ;;
    args)
      case $line[1] in
${cases.join('\n')}
      esac
      ;;
  esac
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${spec.program}
fi
`;
}

export function formatCompletion(shell: 'bash' | 'zsh', spec: CompletionSpec): string {
  return shell === 'bash' ? formatBashCompletion(spec) : formatZshCompletion(spec);
}
