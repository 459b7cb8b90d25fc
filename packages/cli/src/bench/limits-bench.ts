import { spawn } from 'node:child_process';
import { open, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { encodeRecordBatch, loadRunnelGrpc, type ProduceRequest, type ProduceResponse__Output } from '@runnel/protocol';
import { round, type BenchConfig, type BenchResult } from './bench-config.ts';
import { produceBench } from './produce-bench.ts';

const SINK = fileURLToPath(new URL('./sink-main.ts', import.meta.url));

async function startSink(mode: 'tcp' | 'grpc'): Promise<{ port: number; stop: () => void }> {
  const child = spawn(process.execPath, [SINK, mode], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench sink (${mode}) exited with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /^port: (\d+)$/.exec(line);
      if (m) resolve(Number(m[1]));
    });
  });
  return { port, stop: () => child.stdin.end() };
}

/** Loopback TCP: one socket writes `chunk`-sized buffers as fast as the kernel takes them for `seconds`. */
export async function tcpLimit(seconds: number, chunk = 256 * 1024): Promise<BenchResult> {
  const sink = await startSink('tcp');
  try {
    const socket = connect(sink.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const data = Buffer.alloc(chunk, 7);
    let bytes = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    while (performance.now() < end) {
      bytes += chunk;
      if (!socket.write(data)) await new Promise((resolve) => socket.once('drain', resolve));
    }
    const elapsed = (performance.now() - start) / 1000;
    socket.destroy();
    return { workload: `loopback TCP (${chunk / 1024} KiB writes)`, records: 0, seconds: round(elapsed, 2), recordsPerSec: 0, mbPerSec: round(bytes / elapsed / 1e6) };
  } finally {
    sink.stop();
  }
}

/**
 * The bare grpc-js ceiling: ProduceStream requests carrying one `requestBytes` RecordBatch of
 * `recordSize`-byte records, `inFlight` pipelined, answered at once by a sink that does nothing
 * else. What the produce path could reach if the broker's own work cost nothing.
 */
export async function grpcLimit(seconds: number, recordSize: number, requestBytes: number, inFlight: number): Promise<BenchResult> {
  const sink = await startSink('grpc');
  const { runnel } = loadRunnelGrpc();
  const client = new runnel.v1.Log(`127.0.0.1:${sink.port}`, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 256 * 1024 * 1024 });
  try {
    const perBatch = Math.max(1, Math.floor(requestBytes / (recordSize + 12)));
    const value = Buffer.alloc(recordSize, 0x61);
    const records = encodeRecordBatch(Array.from({ length: perBatch }, () => ({ key: null, value })));
    const call = client.ProduceStream();
    call.on('error', () => undefined); // the cancel at the end
    let nextId = 1;
    let outstanding = 0;
    let answered = 0;
    let wake: (() => void) | undefined;
    call.on('data', (_r: ProduceResponse__Output) => {
      outstanding--;
      answered++;
      wake?.();
    });
    const request = (): ProduceRequest => ({ correlationId: nextId++, acks: 'ACKS_ALL', timeoutMs: 30_000, partitions: [{ topic: 'bench', partition: 0, records }] });
    const start = performance.now();
    const end = start + seconds * 1000;
    while (performance.now() < end) {
      while (outstanding < inFlight) {
        outstanding++;
        call.write(request());
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
    const elapsed = (performance.now() - start) / 1000;
    call.end();
    call.cancel();
    const bytes = answered * perBatch * recordSize;
    return {
      workload: `grpc-js bidi ceiling (${round(records.length / 1024, 0)} KiB requests, ${inFlight} in flight)`,
      records: answered * perBatch,
      seconds: round(elapsed, 2),
      recordsPerSec: Math.round((answered * perBatch) / elapsed),
      mbPerSec: round(bytes / elapsed / 1e6),
    };
  } finally {
    client.close();
    sink.stop();
  }
}

/** Sequential writes of `chunk` bytes, each followed by fdatasync, to a file in `dir` (the data disk). */
export async function diskLimit(dir: string, seconds: number, chunk = 1024 * 1024): Promise<BenchResult> {
  const path = join(dir, `bench-fdatasync-${process.pid}.tmp`);
  const file = await open(path, 'w');
  try {
    const data = Buffer.alloc(chunk, 3);
    let bytes = 0;
    let syncs = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    while (performance.now() < end) {
      await file.write(data, 0, chunk);
      await file.datasync();
      bytes += chunk;
      syncs++;
    }
    const elapsed = (performance.now() - start) / 1000;
    return { workload: `disk write+fdatasync (${chunk / 1024} KiB)`, records: syncs, seconds: round(elapsed, 2), recordsPerSec: Math.round(syncs / elapsed), mbPerSec: round(bytes / elapsed / 1e6), notes: 'records = fdatasync calls' };
  } finally {
    await file.close();
    await rm(path, { force: true });
  }
}

/**
 * The producer client alone: the real Producer against the grpc sink, which acknowledges at once
 * and stores nothing. Shows what the client costs per record, apart from any broker.
 */
export async function clientOnlyLimit(cfg: BenchConfig, seconds: number): Promise<BenchResult> {
  const sink = await startSink('grpc');
  try {
    const result = await produceBench({ ...cfg, bootstrap: `127.0.0.1:${sink.port}`, topic: 'sink', partitions: 1, records: undefined, durationSec: seconds });
    return { ...result, workload: `producer client -> null sink (${cfg.recordSize} B)` };
  } finally {
    sink.stop();
  }
}
