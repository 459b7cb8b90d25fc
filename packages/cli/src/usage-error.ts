/**
 * A mistake in how the command was called (unknown flag, bad value, missing argument). main()
 * prints it with the command's usage and exits with status 2, the convention for usage errors.
 */
export class UsageError extends Error {
  readonly code = 'USAGE';
  /** The usage text of the command that was called, printed after the message. */
  readonly usage: string;

  constructor(message: string, usage: string) {
    super(message);
    this.name = 'UsageError';
    this.usage = usage;
  }
}
