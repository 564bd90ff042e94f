// `awsmesh completion bash|zsh|fish`: completion scripts generated from what the CLI really
// accepts — the global options of the root program, the command groups in COMMANDS (their
// commander definitions), and for appmesh/iam/servicediscovery every operation and its flags from
// the generated operation tables. The scripts hold that data in `case`/`switch` tables; bash and
// zsh share one POSIX walker, fish gets the same walker in its own syntax.

import type { Command, Option } from 'commander';
import { getService, isServiceName, type ServiceName } from '../model/services';

export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** One completion context: the words after `awsmesh` that lead to it, e.g. `appmesh create-mesh`. */
interface Context {
  path: string;
  subcommands: string[];
  flags: string[];
  /** After the subcommands are exhausted: offer flags (service operations) or file names. */
  leaf: 'flags' | 'files';
}

export interface CompletionModel {
  contexts: Context[];
  /** Flags that take no value (every other --flag consumes the next word). */
  booleanFlags: string[];
  /** Fixed choices for a flag's value. */
  choices: Record<string, string[]>;
}

const GENERIC_OPERATION_FLAGS = ['--cli-input-json', '--cli-input-yaml', '--generate-cli-skeleton', '--help'];
const PAGING_FLAGS = ['--max-items', '--page-size', '--starting-token'];

function optionFlags(options: readonly Option[]): { flags: string[]; booleans: string[]; choices: Record<string, string[]> } {
  const flags: string[] = [];
  const booleans: string[] = [];
  const choices: Record<string, string[]> = {};
  for (const o of options) {
    if (o.hidden) continue;
    const names = [o.long, o.short].filter((n): n is string => !!n);
    flags.push(...names);
    if (!o.required && !o.optional) booleans.push(...names);
    for (const n of names) if (o.argChoices) choices[n] = [...o.argChoices];
  }
  return { flags, booleans, choices };
}

function walkCommand(cmd: Command, path: string, model: CompletionModel): void {
  const { flags, booleans, choices } = optionFlags(cmd.options);
  const subs = cmd.commands.map((c) => c.name());
  const helpFlag = (cmd as unknown as { _helpOption?: unknown })._helpOption === null ? [] : ['--help'];
  model.contexts.push({ path, subcommands: subs, flags: [...flags, ...helpFlag], leaf: 'files' });
  model.booleanFlags.push(...booleans);
  Object.assign(model.choices, choices);
  for (const sub of cmd.commands) walkCommand(sub, `${path} ${sub.name()}`, model);
}

function serviceContexts(service: ServiceName, model: CompletionModel): void {
  const ops = Object.values(getService(service).operations).sort((a, b) => (a.cli < b.cli ? -1 : 1));
  model.contexts.push({ path: service, subcommands: [...ops.map((o) => o.cli), 'help'], flags: [], leaf: 'flags' });
  for (const op of ops) {
    const flags: string[] = [];
    for (const p of op.params) {
      if (p.hidden) continue;
      flags.push(`--${p.flag}`);
      if (p.type === 'boolean') {
        flags.push(`--no-${p.flag}`);
        model.booleanFlags.push(`--${p.flag}`, `--no-${p.flag}`);
      }
    }
    flags.push(...GENERIC_OPERATION_FLAGS, ...(op.paginator ? PAGING_FLAGS : []));
    model.contexts.push({ path: `${service} ${op.cli}`, subcommands: [], flags, leaf: 'flags' });
  }
}

/** Everything the scripts complete, gathered from the live command definitions. */
export function completionModel(): CompletionModel {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { buildProgram } = require('./program') as typeof import('./program');
  const { COMMANDS } = require('./commands/registry') as typeof import('./commands/registry');
  const { OUTPUT_FORMATS } = require('../core/app') as typeof import('../core/app');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const silent = { write: () => true };
  const program = buildProgram({ stdout: silent, stderr: silent, stdoutIsTTY: false, stderrIsTTY: false, env: {}, cwd: '/' });
  const globals = optionFlags(program.options);
  const model: CompletionModel = {
    contexts: [{ path: '', subcommands: COMMANDS.map((c) => c.name), flags: [...globals.flags, '--version'], leaf: 'files' }],
    booleanFlags: [...globals.booleans, '--version', '--help'],
    choices: { '--output': [...OUTPUT_FORMATS], '--backend': ['local', 'aws'], '--color': ['on', 'off', 'auto'], ...globals.choices },
  };
  for (const entry of COMMANDS) {
    if (isServiceName(entry.name)) {
      serviceContexts(entry.name, model);
      continue;
    }
    try {
      const root = buildProgram({ stdout: silent, stderr: silent, stdoutIsTTY: false, stderrIsTTY: false, env: {}, cwd: '/' });
      entry.load().register(root, () => {
        throw new Error('completion: commands are only defined, never run');
      });
      const cmd = root.commands.find((c) => c.name() === entry.name);
      if (cmd) walkCommand(cmd, entry.name, model);
    } catch {
      // a command module that cannot load still completes by name
      model.contexts.push({ path: entry.name, subcommands: [], flags: [], leaf: 'files' });
    }
  }
  model.choices['--format'] ??= ['yaml', 'json'];
  model.booleanFlags = [...new Set(model.booleanFlags)].sort();
  return model;
}

/** Single-quoted for sh and fish (neither lets anything inside single quotes be special but the quote itself). */
function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function qFish(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The data tables and the walker shared by bash and zsh (POSIX sh constructs only). */
function posixCore(m: CompletionModel): string {
  const subs = m.contexts.map((c) => `    ${q(c.path)}) echo ${q(c.subcommands.join(' '))} ;;`);
  const flags = m.contexts.map((c) => `    ${q(c.path)}) echo ${q(c.flags.join(' '))} ;;`);
  const leaves = m.contexts.filter((c) => c.leaf === 'flags').map((c) => q(c.path));
  const choices = Object.entries(m.choices).sort().map(([f, vs]) => `    ${q(f)}) echo ${q(vs.join(' '))} ;;`);
  return `__awsmesh_subcommands() {
  case "$1" in
${subs.join('\n')}
  esac
}

__awsmesh_flags() {
  case "$1" in
${flags.join('\n')}
  esac
}

__awsmesh_flag_leaf() {
  case "$1" in
    ${leaves.join('|')}) return 0 ;;
  esac
  return 1
}

__awsmesh_boolean_flag() {
  case "$1" in
    ${m.booleanFlags.map(q).join('|')}) return 0 ;;
  esac
  return 1
}

__awsmesh_choices() {
  case "$1" in
${choices.join('\n')}
  esac
}

# __awsmesh_complete CURRENT WORD...: prints the candidates for CURRENT after WORD... (the words
# between awsmesh and the cursor), or __files__ when file names fit best.
__awsmesh_complete() {
  __awsmesh_cur="$1"
  shift
  __awsmesh_path=''
  __awsmesh_skip=0
  __awsmesh_prev=''
  for __awsmesh_w in "$@"; do
    __awsmesh_prev="$__awsmesh_w"
    if [ "$__awsmesh_skip" = 1 ]; then __awsmesh_skip=0; continue; fi
    case "$__awsmesh_w" in
      --*=*) ;;
      -*) if ! __awsmesh_boolean_flag "$__awsmesh_w"; then __awsmesh_skip=1; fi ;;
      *)
        case " $(__awsmesh_subcommands "$__awsmesh_path") " in
          *" $__awsmesh_w "*) __awsmesh_path="\${__awsmesh_path:+$__awsmesh_path }$__awsmesh_w" ;;
        esac ;;
    esac
  done
  if [ "$__awsmesh_skip" = 1 ]; then
    __awsmesh_vals="$(__awsmesh_choices "$__awsmesh_prev")"
    if [ -n "$__awsmesh_vals" ]; then echo "$__awsmesh_vals"; else echo __files__; fi
    return
  fi
  case "$__awsmesh_cur" in
    -*) echo "$(__awsmesh_flags "$__awsmesh_path") $(__awsmesh_flags '')"; return ;;
  esac
  __awsmesh_subs="$(__awsmesh_subcommands "$__awsmesh_path")"
  if [ -n "$__awsmesh_subs" ]; then echo "$__awsmesh_subs"
  elif __awsmesh_flag_leaf "$__awsmesh_path"; then __awsmesh_flags "$__awsmesh_path"
  else echo __files__
  fi
}
`;
}

function bashScript(m: CompletionModel): string {
  return `# awsmesh bash completion. Load it with:  source <(awsmesh completion bash)
# or save it as ~/.local/share/bash-completion/completions/awsmesh
${posixCore(m)}
_awsmesh() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" words
  words="$(__awsmesh_complete "$cur" "\${COMP_WORDS[@]:1:COMP_CWORD-1}")"
  if [ "$words" = __files__ ]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  fi
}
complete -o default -F _awsmesh awsmesh
`;
}

function zshScript(m: CompletionModel): string {
  return `#compdef awsmesh
# awsmesh zsh completion. Load it with:  source <(awsmesh completion zsh)   (after compinit)
# or save it as _awsmesh in a directory on $fpath.
${posixCore(m)}
_awsmesh() {
  local words_out
  words_out="$(__awsmesh_complete "\${words[CURRENT]}" "\${(@)words[2,CURRENT-1]}")"
  if [[ "$words_out" == __files__ ]]; then
    _files
  else
    compadd -- \${=words_out}
  fi
}
if (( $+functions[compdef] )); then compdef _awsmesh awsmesh; fi
`;
}

function fishScript(m: CompletionModel): string {
  const list = (xs: string[]) => (xs.length ? ` ${xs.map(qFish).join(' ')}` : '');
  const subs = m.contexts.map((c) => `        case ${qFish(c.path)}\n            printf '%s\\n'${list(c.subcommands)}`);
  const flags = m.contexts.map((c) => `        case ${qFish(c.path)}\n            printf '%s\\n'${list(c.flags)}`);
  const choices = Object.entries(m.choices).sort().map(([f, vs]) => `        case ${qFish(f)}\n            printf '%s\\n'${list(vs)}`);
  const leaves = m.contexts.filter((c) => c.leaf === 'flags').map((c) => c.path);
  return `# awsmesh fish completion. Load it with:  awsmesh completion fish | source
# or save it as ~/.config/fish/completions/awsmesh.fish
function __awsmesh_subcommands
    switch $argv[1]
${subs.join('\n')}
    end
end

function __awsmesh_flags
    switch $argv[1]
${flags.join('\n')}
    end
end

function __awsmesh_choices
    switch $argv[1]
${choices.join('\n')}
    end
end

function __awsmesh_boolean_flag
    contains -- $argv[1]${list(m.booleanFlags)}
end

function __awsmesh_flag_leaf
    contains -- $argv[1]${list(leaves)}
end

# Prints candidates for the token under the cursor, or __files__.
function __awsmesh_candidates
    set -l words (commandline -opc)
    set -e words[1]
    set -l cur (commandline -ct)
    __awsmesh_candidates_for "$cur" $words
end

function __awsmesh_candidates_for
    set -l cur $argv[1]
    set -e argv[1]
    set -l path ''
    set -l skip 0
    set -l prev ''
    for w in $argv
        set prev $w
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case '--*=*'
            case '-*'
                if not __awsmesh_boolean_flag $w
                    set skip 1
                end
            case '*'
                if contains -- $w (__awsmesh_subcommands "$path")
                    if test -n "$path"
                        set path "$path $w"
                    else
                        set path $w
                    end
                end
        end
    end
    if test $skip = 1
        set -l vals (__awsmesh_choices $prev)
        if test (count $vals) -gt 0
            printf '%s\\n' $vals
        else
            echo __files__
        end
        return
    end
    if string match -q -- '-*' $cur
        __awsmesh_flags "$path"
        __awsmesh_flags ''
        return
    end
    set -l subs (__awsmesh_subcommands "$path")
    if test (count $subs) -gt 0
        printf '%s\\n' $subs
    else if __awsmesh_flag_leaf "$path"
        __awsmesh_flags "$path"
    else
        echo __files__
    end
end

function __awsmesh_wants_files
    set -l c (__awsmesh_candidates)
    test "$c" = __files__
end

complete -c awsmesh -e
complete -c awsmesh -n __awsmesh_wants_files -F
complete -c awsmesh -n 'not __awsmesh_wants_files' -f -a '(__awsmesh_candidates)'
`;
}

export function completionScript(shell: CompletionShell, model: CompletionModel = completionModel()): string {
  if (shell === 'bash') return bashScript(model);
  if (shell === 'zsh') return zshScript(model);
  return fishScript(model);
}
