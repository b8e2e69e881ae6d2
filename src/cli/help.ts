/** The `--help` text of a command (its options, their meanings, types and defaults) and of a group. */
import { typeOf, type ConfigValue } from "./config.js";
import type { GroupCommand, OptionsCommand } from "./command.js";
import { ruleHelp, type OptionRule } from "./option-rules.js";

const TYPE_NAMES: Record<string, string> = {
  number: "<number>",
  string: "<text>",
  boolean: "[=true|false]",
  array: "<JSON array>",
  null: "<value>",
};

/** Two aligned columns, two spaces in. */
function columns(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join("\n");
}

const fullName = (name: string) => (name ? `gradstack ${name}` : "gradstack");

export function commandHelp(
  c: Pick<OptionsCommand, "name" | "summary" | "defaults" | "help" | "args" | "rules">,
): string {
  const usage = `usage: ${fullName(c.name)} [--config FILE] [--key=value ...]${c.args ? ` ${c.args.usage}` : ""}`;
  const rules = (c.rules ?? {}) as Record<string, OptionRule | undefined>;
  const options: [string, string][] = Object.entries(c.defaults).map(
    ([key, value]: [string, ConfigValue]) => {
      const rule = rules[key] ? ` ${ruleHelp(rules[key])}`.trimEnd() : "";
      return [
        `--${key} ${TYPE_NAMES[typeOf(value)]}`,
        `${c.help[key]}${rule} (default ${JSON.stringify(value)})`,
      ];
    },
  );
  options.push(
    ["--config FILE", "a JSON object of options: over the defaults, under the flags"],
    ["--help", "this help"],
  );
  const parts = [usage, c.summary];
  if (c.args) parts.push(`arguments:\n${columns([[c.args.usage, c.args.help]])}`);
  parts.push(`options (--key=value or --key value; - and _ are alike in keys):\n${columns(options)}`);
  return parts.join("\n\n") + "\n";
}

/** The help of a group, given its members' summaries (in the order of its table). */
export function groupHelp(g: GroupCommand, summaries: string[]): string {
  const names = Object.keys(g.commands);
  const name = fullName(g.name);
  const parts = [
    `usage: ${name} <${g.member}> [options]`,
    g.summary,
    `${g.member}s:\n${columns(names.map((n, i) => [n, summaries[i]]))}`,
    `\`${name} <${g.member}> --help\` shows a ${g.member}'s options.` +
      (g.name ? "" : "\n`gradstack --version` prints the version."),
  ];
  return parts.join("\n\n") + "\n";
}
