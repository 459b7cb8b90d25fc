/**
 * Group admin calls after a broker died: the cluster's Metadata still lists the killed broker (and
 * lists it first), as a real cluster does until the broker's registration goes. Regression test of
 * the flaky group failover process test, where `runnel groups describe` sent every FindCoordinator
 * to the first listed broker, the dead one, and never answered.
 */
import { createServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { loadRunnelGrpc, type GroupHandlers, type LogHandlers } from '@runnel/protocol';
import { afterEach, expect, it } from 'vitest';
import { Admin } from './admin.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A port nothing listens on (connections to it are refused, as to a killed broker). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A surviving broker (id 1): its Metadata lists the dead broker 0 first, and it answers for the
 * group as its coordinator. Counts the group calls it served.
 */
async function survivor(dead: number): Promise<{ address: string; groupCalls: string[] }> {
  const server = new grpc.Server();
  const { runnel } = loadRunnelGrpc();
  const groupCalls: string[] = [];
  let port = 0;
  const log: Partial<LogHandlers> = {
    Metadata: (_call, cb) => cb(null, { clusterId: 'c', brokers: [{ id: 0, host: '127.0.0.1', port: dead }, { id: 1, host: '127.0.0.1', port }], topics: [] }),
  };
  const group: Partial<GroupHandlers> = {
    FindCoordinator: (call, cb) => {
      groupCalls.push(`FindCoordinator ${call.request.groupId}`);
      cb(null, { nodeId: 1, host: '127.0.0.1', port, offsetsPartition: 3 });
    },
    DescribeGroups: (call, cb) => {
      groupCalls.push(`DescribeGroups ${call.request.groupIds.join(',')}`);
      cb(null, {
        groups: call.request.groupIds.map((groupId) => ({
          groupId, state: 'Stable', groupEpoch: 4, assignmentEpoch: 4, coordinatorId: 1, members: [],
          offsets: [{ topic: 't', partition: 0, committedOffset: 10, logEndOffset: 10, lag: 0, memberId: '' }],
        })),
      });
    },
    ListGroups: (_call, cb) => {
      groupCalls.push('ListGroups');
      cb(null, { groups: [{ groupId: 'g', state: 'Stable', members: 2, coordinatorId: 1 }], errors: [] });
    },
  };
  server.addService(runnel.v1.Log.service, log as LogHandlers);
  server.addService(runnel.v1.Group.service, group as GroupHandlers);
  port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  cleanups.push(() => server.forceShutdown());
  return { address: `127.0.0.1:${port}`, groupCalls };
}

it('describes and lists groups through a surviving bootstrap broker although the cluster still lists a killed broker first', async () => {
  const dead = await deadPort();
  const live = await survivor(dead);
  const admin = new Admin({ bootstrap: live.address, requestTimeoutMs: 5_000 });
  cleanups.push(() => admin.close());

  const [g] = await admin.describeGroups(['g']);
  expect(g).toMatchObject({ groupId: 'g', state: 'Stable', coordinatorId: 1, offsets: [{ topic: 't', partition: 0, committedOffset: 10, lag: 0 }] });
  expect((await admin.listGroups()).groups.map((x) => x.groupId)).toEqual(['g']);
  expect(live.groupCalls).toEqual(['FindCoordinator g', 'DescribeGroups g', 'ListGroups']);
});

it('moves on to the next bootstrap broker when the first one is dead', async () => {
  const dead = await deadPort();
  const live = await survivor(dead);
  const admin = new Admin({ bootstrap: `127.0.0.1:${dead},${live.address}`, requestTimeoutMs: 5_000 });
  cleanups.push(() => admin.close());

  const [g] = await admin.describeGroups(['g']);
  expect(g?.offsets.map((o) => o.lag)).toEqual([0]);
});

it('names the dead broker when no broker answers', async () => {
  const dead = await deadPort();
  const admin = new Admin({ bootstrap: `127.0.0.1:${dead}`, requestTimeoutMs: 2_000 });
  cleanups.push(() => admin.close());
  await expect(admin.describeGroups(['g'])).rejects.toMatchObject({ code: 'BROKER_NOT_AVAILABLE', message: expect.stringContaining(`127.0.0.1:${dead}`) as unknown });
});
