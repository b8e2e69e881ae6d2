/** The check that a saved tokenizer's JSON is of the expected kind (any platform). */

/** Checks that a parsed file is an object whose `type` field is `type`, and returns it. */
export function expectType(value: unknown, type: string, where: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || (value as { type?: unknown }).type !== type)
    throw new Error(`${where}: expected a saved ${type} (an object with "type": "${type}")`);
  return value as Record<string, unknown>;
}
