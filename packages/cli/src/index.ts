/** @runnel/cli: the `runnel` command, callable in-process for embedding and tests. */
export { runCli, USAGE } from './run-cli.ts';
export { UsageError } from './usage-error.ts';
