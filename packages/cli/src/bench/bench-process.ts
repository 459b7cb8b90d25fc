import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BROKER_NODE_FLAGS } from './broker-process.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

/**
 * V8 flags the bench client runs with: the same initial heap as its brokers. A client process
 * with a small live heap (13.7 MB for `bench e2e`) gets a small old-space limit from V8, and the
 * Buffers of every request and answer (counted against it, `v8-tuning.ts`) reach it every few
 * hundred milliseconds: 24–33 full GCs in a 10 s `bench e2e`, each a pause of 2–8 ms plus marking
 * steps, which made most of its p99 (11–13 ms). With this flag: one full GC, p99 5.2–5.9 ms.
 * Kafka's perf tools run with a set heap in the same way (`KAFKA_HEAP_OPTS`). Latency-sensitive
 * client applications benefit from the same flag (packages/client/README.md).
 */
export const BENCH_NODE_FLAGS: readonly string[] = BROKER_NODE_FLAGS;

/** True when this process was started with {@link BENCH_NODE_FLAGS} (or its own heap settings). */
export function hasBenchHeapFlags(execArgv: readonly string[] = process.execArgv): boolean {
  return execArgv.some((a) => a.startsWith('--initial-heap-size') || a.startsWith('--initial_heap_size'));
}

/**
 * Runs `runnel <argv>` again in a child node process with {@link BENCH_NODE_FLAGS} (and this
 * process's own node flags, e.g. --cpu-prof), its output on this process's stdio, and resolves
 * with its exit status (128 + the signal's number if a signal ended it). SIGINT and SIGTERM sent
 * to this process are passed on, so the child's brokers shut down as they would otherwise.
 */
export function rerunWithBenchFlags(argv: readonly string[]): Promise<number> {
  const child = spawn(process.execPath, [...BENCH_NODE_FLAGS, ...process.execArgv, MAIN, ...argv], { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    const done = (status: number): void => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(status);
    };
    child.once('error', (err) => {
      process.stderr.write(`runnel bench: cannot start its process: ${err.message}\n`);
      done(1);
    });
    child.once('exit', (code, signal) => done(code ?? 128 + (signal === null ? 0 : constants.signals[signal])));
  });
}
