import { RunnelError } from '@runnel/protocol';
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

/**
 * The commands, each loaded on first use: a client command or a bench need not load the operator's
 * Kubernetes client (about 20 MB of heap, which every full GC of a bench client then marks).
 */
const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  broker: async (argv) => (await import('./commands/broker.ts')).brokerCommand(argv),
  local: async (argv) => (await import('./commands/local.ts')).localCommand(argv),
  topics: async (argv) => (await import('./commands/topics.ts')).topicsCommand(argv),
  produce: async (argv) => (await import('./commands/produce.ts')).produceCommand(argv),
  consume: async (argv) => (await import('./commands/consume.ts')).consumeCommand(argv),
  groups: async (argv) => (await import('./commands/groups.ts')).groupsCommand(argv),
  // The bench measures in a process with the heap flags of its brokers (bench-process.ts).
  bench: async (argv) => {
    const { hasBenchHeapFlags, rerunWithBenchFlags } = await import('./bench/bench-process.ts');
    if (!hasBenchHeapFlags()) return rerunWithBenchFlags(['bench', ...argv]);
    return (await import('./commands/bench.ts')).benchCommand(argv);
  },
  operator: async (argv) => (await import('./commands/operator.ts')).operatorCommand(argv),
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
