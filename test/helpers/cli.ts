/** The gradstack command tree walked in-process, and a runner of the built executable (dist/cli/main.js). */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { gradstack } from "../../src/cli/gradstack.js";
import { loadMember, type Command, type GroupCommand, type OptionsCommand } from "../../src/cli/command.js";
import { repoRoot } from "./fixtures.js";

export const isGroup = (c: Command): c is GroupCommand => "commands" in c;

/** Every group, and every command with options (variants included), from gradstack down. */
export async function commandTree(): Promise<{ groups: GroupCommand[]; commands: OptionsCommand[] }> {
  const groups: GroupCommand[] = [];
  const commands: OptionsCommand[] = [];
  const visit = async (c: Command): Promise<void> => {
    if (isGroup(c)) {
      groups.push(c);
      for (const name of Object.keys(c.commands)) await visit(await loadMember(c, name));
    } else {
      const withOptions = c as OptionsCommand;
      commands.push(withOptions, ...(withOptions.variants ?? []));
    }
  };
  await visit(gradstack);
  return { groups, commands };
}

/** The command with options that `argv` (as typed after `gradstack`) runs, and the arguments after its name. */
export async function route(argv: readonly string[]): Promise<{ command: OptionsCommand; rest: string[] }> {
  let c: Command = gradstack;
  let rest = [...argv];
  while (isGroup(c)) {
    const [name, ...more] = rest;
    if (!name || !Object.hasOwn(c.commands, name)) throw new Error(`no command "${name}" in "${c.name}"`);
    c = await loadMember(c, name);
    rest = more;
  }
  return { command: c as OptionsCommand, rest };
}

const main = path.join(repoRoot, "dist/cli/main.js");

/** Runs `gradstack ...args` as a user would. */
export const gradstackCli = (...args: string[]) =>
  spawnSync(process.execPath, [main, ...args], { encoding: "utf8" });

/** The words of a command's name as arguments (`train gru --data=names` -> ["train", "gru", "--data=names"]). */
export const words = (c: Command): string[] => c.name.split(" ").filter(Boolean);
