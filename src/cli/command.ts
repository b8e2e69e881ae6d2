/**
 * One shape for every command. A command is declared once (name, one-line summary, typed options
 * with one-line meanings and the rules their values obey, positional arguments if any, run), and its
 * parsing, validation before any work, `--help`, `--version`, argument errors, effective-config
 * printing and progress display follow from that declaration.
 * A group (`gradstack` itself, `gradstack train`, `gradstack word2vec`) is a table of commands, each
 * loaded only when used, so `gradstack sample` does not pay for what `gradstack train` imports.
 */
import { formatConfig, resolveConfig, type Config } from "./config.js";
import { commandHelp, groupHelp } from "./help.js";
import { ruleProblem, writableDirProblem, type OptionRule, type OptionRules } from "./option-rules.js";
import { Progress } from "./progress.js";
import { didYouMean } from "./suggest.js";
import { UsageError } from "./usage-error.js";
import { packageVersion } from "./version.js";

/** What every command and group is to its parent: a name, a summary and an entry point. */
export interface Command {
  /** The words that run it after `gradstack` ("train gpt"; "" for gradstack itself). */
  readonly name: string;
  /** One line, shown in its parent's list. */
  readonly summary: string;
  /** Runs it with the arguments that follow its name. */
  main(argv: readonly string[]): Promise<void>;
}

/** A one-line meaning for every option: a key without one does not type-check. */
export type OptionHelp<D> = { readonly [K in keyof D]: string };

/** Positional arguments, for the help (`run` checks how many it needs). */
export interface Positional {
  /** As in a usage line: `WORD [WORD ...]`, `A B C`. */
  usage: string;
  help: string;
}

export interface RunContext {
  /** The positional arguments (only for commands that declare `args`). */
  args: string[];
  /** The run's progress bar and log lines. */
  progress: Progress;
}

export interface CommandSpec<D extends Config> {
  name: string;
  summary: string;
  /** Typed defaults: an option's type is its default's, and only these keys are options. */
  defaults: D;
  help: OptionHelp<D>;
  /** What values beyond their types must be (integers, ranges, words, writable folders); `--help` shows them. */
  rules?: OptionRules<D>;
  /** Defaults that depend on options given (train translate: --arch and --data pick a preset). */
  presets?: (given: D) => D;
  /** Checks values beyond their types before the config is printed: returns what is wrong, if anything. */
  validate?: (config: D) => string | undefined;
  args?: Positional;
  /** Print the effective config before running (training runs do, so that a log says what ran). */
  printConfig?: boolean;
  run(config: D, context: RunContext): void | Promise<void>;
}

/** A command with options: its declaration, readable by tests and by the help. */
export interface OptionsCommand<D extends Config = Config> extends Command {
  readonly defaults: D;
  readonly help: OptionHelp<D>;
  readonly rules?: OptionRules<D>;
  readonly args?: Positional;
  /** Declarations chosen by an option's value, each with its own options (`train gru --data=names`). */
  readonly variants?: readonly OptionsCommand[];
  /** The defaults after the presets that `argv` selects. */
  defaultsFor(argv: readonly string[]): D;
  /** The config and positional arguments of `argv`, or a usage error; runs nothing. */
  parse(argv: readonly string[]): { config: D; args: string[] };
}

export interface GroupSpec {
  name: string;
  summary: string;
  /** What a member is called in messages and help: "command", "model", "subcommand". */
  member: string;
  /** Each member, or a loader of the module that exports it as `command` (imported on use). */
  commands: Record<string, Command | (() => Promise<{ command: Command }>)>;
}

export interface GroupCommand extends Command {
  readonly member: string;
  readonly commands: GroupSpec["commands"];
}

const isHelp = (arg: string) => arg === "--help" || arg === "-h";

/** Declares a command with options; see `CommandSpec`. */
export function defineCommand<D extends Config>(spec: CommandSpec<D>): OptionsCommand<D> {
  const defaultsFor = (argv: readonly string[]): D =>
    spec.presets ? spec.presets(resolveConfig(spec.defaults, argv, spec.name).config) : spec.defaults;
  const command: OptionsCommand<D> = {
    name: spec.name,
    summary: spec.summary,
    defaults: spec.defaults,
    help: spec.help,
    rules: spec.rules,
    args: spec.args,
    defaultsFor,
    parse(argv) {
      const { config, rest } = resolveConfig(defaultsFor(argv), argv, spec.name);
      if (rest.length > 0 && !spec.args)
        throw new UsageError(
          `${spec.name}: unexpected argument "${rest[0]}" (options are --key=value)`,
          spec.name,
        );
      for (const [key, rule] of ruleEntries(spec.rules)) {
        const wrong = ruleProblem(key, config[key], rule);
        if (wrong) throw new UsageError(`${spec.name}: ${wrong}`, spec.name);
      }
      const problem = spec.validate?.(config);
      if (problem) throw new UsageError(`${spec.name}: ${problem}`, spec.name);
      return { config, args: rest };
    },
    async main(argv) {
      if (argv.some(isHelp)) {
        const given = argv.filter((a) => !isHelp(a));
        let defaults = spec.defaults;
        try {
          defaults = defaultsFor(given); // the help of `train translate --arch=gru-attn` shows its preset
        } catch {
          // A mistyped option beside --help: show the plain defaults.
        }
        process.stdout.write(commandHelp({ ...command, defaults }));
        return;
      }
      if (argv.includes("--version")) return printVersion();
      const { config, args } = command.parse(argv);
      // Folders the run writes are checked before any work, so a long run cannot fail at its first save.
      for (const [key, rule] of ruleEntries(spec.rules)) {
        const dir = config[key];
        if (!rule.writableDir || typeof dir !== "string" || dir === "") continue;
        const wrong = writableDirProblem(key, dir);
        if (wrong) throw new UsageError(`${spec.name}: ${wrong}`, spec.name);
      }
      if (spec.printConfig) console.log(formatConfig(config));
      const progress = new Progress();
      try {
        await spec.run(config, { args, progress });
      } finally {
        progress.end();
      }
    },
  };
  return command;
}

function ruleEntries<D>(rules: OptionRules<D> | undefined): [string, OptionRule][] {
  return Object.entries(rules ?? {}) as [string, OptionRule][];
}

/** Declares a table of commands; see `GroupSpec`. */
export function defineGroup(spec: GroupSpec): GroupCommand {
  const command: GroupCommand = {
    ...spec,
    async main(argv) {
      const [first, ...rest] = argv;
      if (first === "help" && rest.length > 0) return command.main([...rest, "--help"]);
      if (first === undefined || first === "help" || isHelp(first)) {
        const names = Object.keys(spec.commands);
        const summaries = await Promise.all(names.map(async (n) => (await loadMember(command, n)).summary));
        process.stdout.write(groupHelp(command, summaries));
        return;
      }
      if (first === "--version") return printVersion();
      if (!Object.hasOwn(spec.commands, first)) {
        const where = spec.name ? `${spec.name}: ` : "";
        const names = Object.keys(spec.commands);
        throw new UsageError(
          `${where}unknown ${spec.member} "${first}"${didYouMean(first, names)}`,
          spec.name,
        );
      }
      await (await loadMember(command, first)).main(rest);
    },
  };
  return command;
}

/** A group's member, imported if it is not yet. */
export async function loadMember(group: GroupCommand, name: string): Promise<Command> {
  const m = group.commands[name];
  return typeof m === "function" ? (await m()).command : m;
}

function printVersion(): void {
  console.log(`gradstack ${packageVersion()}`);
}
