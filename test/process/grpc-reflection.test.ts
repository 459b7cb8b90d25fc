// gRPC server reflection, checked with grpcurl (built from its Go module by `npm run kube:build`,
// a protoc-based client like those of Go and Java): a user who has only the broker's address can
// list, describe and call every public RPC and the health check, with no .proto file at hand.
// grpcurl rejects descriptors whose map entries are misnamed, so `describe` of a message with a
// map field and a call that returns one are what would fail if reflection served proto-loader's
// rebuilt descriptors instead of the compiled ones.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { descriptorFileName, loadDescriptorSetFiles } from '@runnel/protocol';
import { builtTestTool } from '@runnel/test-kube';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrokerProcess, type BrokerProcess } from './broker/broker-process.ts';

const run = promisify(execFile);
const demoTopic = `reflect-${crypto.randomUUID().slice(0, 8)}`;
let dir: string;
let broker: BrokerProcess;
let grpcurlPath: string;

/**
 * Runs `grpcurl -plaintext <flags> <broker address> <rest>` with reflection as its only source of
 * descriptors (no -proto or -protoset flag).
 */
async function grpcurl(flags: string[], ...rest: string[]): Promise<string> {
  const args = ['-plaintext', ...flags, broker.bootstrap, ...rest];
  try {
    const { stdout } = await run(grpcurlPath, args);
    return stdout;
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`grpcurl ${args.join(' ')} failed: ${stderr ?? String(error)}`, { cause: error });
  }
}

/** `grpcurl -d <json> <address> <method>`, parsed. */
async function invoke(method: string, request: object): Promise<unknown> {
  return JSON.parse(await grpcurl(['-d', JSON.stringify(request)], method)) as unknown;
}

beforeAll(async () => {
  // Fails (never skips) when the tool is missing: `npm test` builds it before vitest.
  grpcurlPath = await builtTestTool('grpcurl');
  dir = await mkdtemp(join(tmpdir(), 'runnel-reflection-'));
  broker = await startBrokerProcess({ brokers: 1, dataDir: dir, demoTopic: { name: demoTopic, partitions: 2 } });
});

afterAll(async () => {
  await broker?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('server reflection through grpcurl', () => {
  it('lists the services the broker serves', async () => {
    expect((await grpcurl([], 'list')).trim().split('\n')).toEqual(['grpc.health.v1.Health', 'runnel.v1.Admin', 'runnel.v1.Group', 'runnel.v1.Log', 'runnel.v1.Replica']);
  });

  it('describes runnel.v1.Log with its RPCs and their comments', async () => {
    const text = await grpcurl([], 'describe', 'runnel.v1.Log');
    expect(text).toMatch(/^runnel\.v1\.Log is a service:/);
    expect(text).toContain('rpc Metadata ( .runnel.v1.MetadataRequest ) returns ( .runnel.v1.MetadataResponse );');
    expect(text).toContain('rpc ProduceStream ( stream .runnel.v1.ProduceRequest ) returns ( stream .runnel.v1.ProduceResponse );');
    expect(text).toContain('// Brokers, topics and partitions with their leaders.');
  });

  it('describes runnel.v1.TopicSpec, whose configs field is a map', async () => {
    const text = await grpcurl([], 'describe', 'runnel.v1.TopicSpec');
    expect(text).toMatch(/^runnel\.v1\.TopicSpec is a message:/);
    expect(text).toContain('map<string, string> configs = 4;');
  });

  it('serves the compiled descriptors byte for byte', async () => {
    const out = join(dir, 'from-reflection.binpb');
    await grpcurl(['-protoset-out', out], 'describe', 'runnel.v1.Admin');
    const name = descriptorFileName;
    const compiled = new Map(loadDescriptorSetFiles().map((bytes) => [name(bytes), Buffer.from(bytes)]));
    const served = loadDescriptorSetFiles(out);
    expect(served.map(name).sort()).toEqual(['runnel/v1/admin.proto', 'runnel/v1/common.proto', 'runnel/v1/log.proto']);
    for (const bytes of served) expect(Buffer.from(bytes).equals(compiled.get(name(bytes)) ?? Buffer.alloc(0)), name(bytes)).toBe(true);
  });

  it('calls Admin/DescribeCluster', async () => {
    const port = Number(broker.bootstrap.split(':').at(-1));
    expect(await invoke('runnel.v1.Admin/DescribeCluster', {})).toMatchObject({ clusterId: 'runnel-local', brokers: [{ host: '127.0.0.1', port }] });
  });

  it('creates a topic with configs (a map) through Admin/CreateTopics and finds it with Log/Metadata', async () => {
    const topic = `reflect-${crypto.randomUUID().slice(0, 8)}`;
    const created = await invoke('runnel.v1.Admin/CreateTopics', {
      topics: [{ name: topic, partitions: 3, replicationFactor: 1, configs: { 'retention.ms': '60000' } }],
    });
    expect(created).toEqual({ topics: [{ name: topic, topicId: expect.any(String) }] });
    const described = (await invoke('runnel.v1.Admin/DescribeTopics', { names: [topic] })) as { topics: { configs?: Record<string, string> }[] };
    expect(described.topics[0]?.configs?.['retention.ms']).toBe('60000');
    const metadata = (await invoke('runnel.v1.Log/Metadata', { topics: [topic, demoTopic] })) as { topics: { name: string; partitions: unknown[] }[] };
    expect(metadata.topics.map((t) => [t.name, t.partitions.length])).toEqual([
      [topic, 3],
      [demoTopic, 2],
    ]);
  });

  it('finds a group coordinator and joins a group through runnel.v1.Group', async () => {
    const port = Number(broker.bootstrap.split(':').at(-1));
    expect(await invoke('runnel.v1.Group/FindCoordinator', { groupId: 'reflect-group' })).toMatchObject({ host: '127.0.0.1', port });
    const joined = (await invoke('runnel.v1.Group/Heartbeat', { groupId: 'reflect-group', memberId: 'm1', memberEpoch: 0, subscribedTopicNames: [demoTopic], subscribedTopicNamesSet: true })) as {
      memberEpoch: number;
      assignment: Array<{ topic: string; partitions: number[] }>;
    };
    expect(joined.memberEpoch).toBeGreaterThan(0);
    expect(joined.assignment).toEqual([{ topic: demoTopic, partitions: [0, 1] }]);
  });

  it('answers grpc.health.v1.Health/Check', async () => {
    expect(await invoke('grpc.health.v1.Health/Check', {})).toEqual({ status: 'SERVING' });
    expect(await invoke('grpc.health.v1.Health/Check', { service: 'runnel.v1.Log' })).toEqual({ status: 'SERVING' });
  });
});
