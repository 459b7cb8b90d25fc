#!/usr/bin/env node
// The `runnel` command: dispatches to one subcommand and maps failures to exit codes
// (2 = usage error naming the bad flag, 1 = the operation failed, with the error's stable code).
import { runCli } from './run-cli.ts';
import { tuneV8 } from './v8-tuning.ts';

tuneV8();

// `runnel consume ... | head -1`: the reader went away; stop quietly, as Unix tools do.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await runCli(process.argv.slice(2));
