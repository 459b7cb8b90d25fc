// `runnel broker --rack` and `--topic-default` as a user runs them: the rack reaches clients
// (DescribeCluster), and a default min.insync.replicas above a topic's RF is capped at the RF, so
// RF 1 topics stay writable with acks=all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomTopic, removeDir, runClientProgram, runRunnel, startServer, tempDir, type ServerProcess } from './cli/runnel-process.ts';

let broker: ServerProcess;
let data: string;
beforeAll(async () => {
  data = await tempDir();
  broker = await startServer('broker', ['--port', '0', '--data-dir', data, '--rack', 'zone-a', '--topic-default', 'min.insync.replicas=2', '--topic-default', 'retention.ms=3600000']);
});
afterAll(async () => {
  await broker?.stop('SIGKILL');
  await removeDir(data);
});

describe('runnel broker --rack / --topic-default', () => {
  it('advertises its rack to clients', async () => {
    const r = await runClientProgram(`
      import { Admin } from '@runnel/client';
      const admin = new Admin({ bootstrap: '${broker.bootstrap}' });
      const cluster = await admin.describeCluster();
      console.log(JSON.stringify(cluster.brokers.map((b) => b.rack)));
      await admin.close();
    `);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual(['zone-a']);
  });

  it('caps a default min.insync.replicas at the topic RF: an RF 1 topic takes acks=all writes', async () => {
    const topic = randomTopic();
    const env = { RUNNEL_BOOTSTRAP: broker.bootstrap };
    expect((await runRunnel(['topics', 'create', topic], { env })).code).toBe(0);
    const sent = await runRunnel(['produce', topic, '--acks', 'all', '--retries', '0'], { env, input: 'a\nb\n' });
    expect(sent.code, sent.stderr).toBe(0);
  });
});
