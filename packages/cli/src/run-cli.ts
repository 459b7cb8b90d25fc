import { RunnelError } from '@runnel/protocol';
import { benchCommand } from './commands/bench.ts';
import { brokerCommand } from './commands/broker.ts';
import { consumeCommand } from './commands/consume.ts';
import { groupsCommand } from './commands/groups.ts';
import { localCommand } from './commands/local.ts';
import { operatorCommand } from './commands/operator.ts';
import { produceCommand } from './commands/produce.ts';
import { topicsCommand } from './commands/topics.ts';
import { UsageError } from './usage-error.ts';

export const USAGE = `Usage: runnel <command> [options]

Commands:
  broker     run one broker
  local      run an embedded local cluster (3 brokers, demo topic)
  topics     create, list, describe, delete topics
  produce    send stdin lines as records
  consume    print records (alone, or as a member of a consumer group)
  groups     list, describe (lag per partition), reset offsets of, delete consumer groups
  bench      measure throughput and latency (produce, consume, e2e, limits, all)
  operator   run the Kubernetes operator (Cluster and Topic resources)

Client commands take --bootstrap HOST:PORT or $RUNNEL_BOOTSTRAP.
Run "runnel <command> --help" for a command's options.`;

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  broker: brokerCommand,
  local: localCommand,
  topics: topicsCommand,
  produce: produceCommand,
  consume: consumeCommand,
  groups: groupsCommand,
  bench: benchCommand,
  operator: operatorCommand,
};

/** Runs the CLI with `argv` (without node and script) and returns the exit status. */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    (name === undefined ? process.stderr : process.stdout).write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`runnel: unknown command "${name}"\n\n${USAGE}\n`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`runnel ${name}: ${err.message}\n\n${err.usage}\n`);
      return 2;
    }
    if (err instanceof RunnelError) {
      process.stderr.write(`runnel ${name}: ${err.code}: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`runnel ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}
