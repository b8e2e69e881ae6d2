/**
 * An error in what the user typed (an unknown command or option, a value of the wrong type, a stray
 * argument). The `gradstack` command shows its message without a stack trace, points at the help of
 * `command` and exits with status 2, as argparse and most Unix tools do for usage errors.
 */
export class UsageError extends Error {
  override readonly name = "UsageError";

  constructor(
    message: string,
    /** The command whose `--help` explains the usage ("train gpt"; "" for gradstack itself). */
    readonly command?: string,
  ) {
    super(message);
  }
}
