/**
 * Steady produce and consume traffic for the observability test, run in a pod (clients reach the
 * brokers by their cluster DNS names, as users' clients do): a producer sends a record every 20 ms
 * and a consumer reads every partition from the start, until the pod is deleted. Prints `sent N`
 * and `read N` every 100 records, so the test can see traffic flowing. With GROUP, a member of that
 * consumer group also reads the topic and commits every second (consumer group lag metrics).
 *
 * Usage: node traffic-workload.ts BOOTSTRAP TOPIC PARTITIONS [GROUP]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer, Producer } from '@runnel/client';

const [bootstrap, topic, partitionsText, group] = process.argv.slice(2);
const partitions = Number(partitionsText);
if (bootstrap === undefined || topic === undefined || !Number.isInteger(partitions) || partitions < 1) {
  process.stderr.write('usage: traffic-workload.ts BOOTSTRAP TOPIC PARTITIONS [GROUP]\n');
  process.exit(2);
}
const ids = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
const producer = new Producer({ bootstrap, lingerMs: 5 });
const consumer = new Consumer({ bootstrap, maxWaitMs: 200 });
consumer.assign(ids);
for (const id of ids) consumer.seek(id, 'earliest');

void (async () => {
  let read = 0;
  for await (const _ of consumer.records()) if (++read % 100 === 0) process.stdout.write(`read ${read}\n`);
})().catch((err: unknown) => {
  process.stdout.write(`consumer failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
if (group !== undefined) {
  const member = new Consumer({ bootstrap, maxWaitMs: 200, autoOffsetReset: 'earliest' });
  member.subscribe({ groupId: group, topics: [topic], autoCommitIntervalMs: 1000 });
  void (async () => {
    let grouped = 0;
    for await (const _ of member.records()) if (++grouped % 100 === 0) process.stdout.write(`group read ${grouped}\n`);
  })().catch((err: unknown) => {
    process.stdout.write(`group member failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
let sent = 0;
for (;;) {
  try {
    await producer.send({ topic, key: `k${sent % 13}`, value: `v${sent}` });
    if (++sent % 100 === 0) process.stdout.write(`sent ${sent}\n`);
  } catch (err) {
    process.stdout.write(`send failed: ${err instanceof Error ? err.message : String(err)}\n`);
    await sleep(500);
  }
  await sleep(20);
}
