/**
 * The workload of the operator's rolling-restart test, run in a pod as users' clients run:
 * idempotent producers with acks=all send unique values until the file `stopFile` exists, then
 * every partition is drained from offset 0. The history (test/support/history) goes to stdout as
 * JSONL, followed by a `DONE <stats>` line; the test checks it with the shared checker.
 *
 * Usage: node roll-workload.ts BOOTSTRAP TOPIC PARTITIONS STOP_FILE
 */
import { existsSync } from 'node:fs';
import { runWorkload } from '../chaos/chaos-workload.ts';
import { drainPartitions } from '../chaos/drain.ts';
import { HistoryRecorder, historyEventToJsonl } from '../support/history/index.ts';

const [bootstrap, topic, partitionsText, stopFile] = process.argv.slice(2);
if (bootstrap === undefined || topic === undefined || partitionsText === undefined || stopFile === undefined) {
  process.stderr.write('usage: roll-workload.ts BOOTSTRAP TOPIC PARTITIONS STOP_FILE\n');
  process.exit(2);
}
const partitions = Number(partitionsText);
const history = new HistoryRecorder({ now: () => Date.now(), onEvent: (event) => process.stdout.write(historyEventToJsonl(event)) });
const stop = new AbortController();
const poll = setInterval(() => {
  if (existsSync(stopFile)) stop.abort();
}, 200);
// gRPC channels do not hold the event loop open while they connect: keep it alive until done.
const keepAlive = setInterval(() => undefined, 1_000);
try {
  const stats = await runWorkload(
    { bootstrap: [bootstrap], topic, partitions, history, retryingProducers: 2, singleShotProducers: 0, concurrency: 4, deliveryTimeoutMs: 120_000, reader: false },
    stop.signal,
  );
  clearInterval(poll);
  const drained = await drainPartitions({ bootstrap: [bootstrap], topic, partitions, history, timeoutMs: 60_000 });
  process.stdout.write(`DONE ${JSON.stringify({ ...stats, drained })}\n`);
} catch (err) {
  process.stdout.write(`FAILED ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
} finally {
  clearInterval(poll);
  clearInterval(keepAlive);
}
