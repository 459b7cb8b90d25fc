// `runnel local --commands`: the local cluster replicates (RF=3, minISR=2) and the stdin commands
// show failover: after `kill` of a partition's leader another broker leads it, acks=all sends keep
// succeeding, and `start` brings the broker back into the ISR.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Producer } from '@runnel/client';
import { afterEach, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
let child: ChildProcessWithoutNullStreams | undefined;
let dir: string | undefined;

afterEach(async () => {
  child?.kill('SIGKILL');
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/**
 * stderr as lines, read in order: `next(re)` resolves with the first line after the previous match
 * that matches `re` (lines already received count, so none is missed between two calls).
 */
function stderrLines(c: ChildProcessWithoutNullStreams): { next(re: RegExp, signal: AbortSignal): Promise<RegExpExecArray>; text(): string } {
  const seen: string[] = [];
  let cursor = 0;
  let wake: (() => void) | undefined;
  createInterface({ input: c.stderr }).on('line', (line) => {
    seen.push(line);
    wake?.();
  });
  return {
    async next(re, signal) {
      for (;;) {
        while (cursor < seen.length) {
          const m = re.exec(seen[cursor++]!);
          if (m) return m;
        }
        await new Promise<void>((resolve, reject) => {
          wake = resolve;
          if (signal.aborted) reject(new Error(`no stderr line matching ${re} in time; stderr:\n${seen.join('\n')}`));
          signal.addEventListener('abort', () => reject(new Error(`no stderr line matching ${re} in time; stderr:\n${seen.join('\n')}`)), { once: true });
        });
      }
    },
    text: () => seen.join('\n'),
  };
}

it('kill of a leader moves leadership to an in-sync follower, sends keep succeeding, start rejoins', { timeout: 60_000 }, async () => {
  dir = await mkdtemp(join(tmpdir(), 'runnel-local-failover-'));
  const c = spawn(process.execPath, [MAIN, 'local', '--port', '0', '--data-dir', dir, '--fast', '--commands'], { env: { ...process.env, RUNNEL_LOG_LEVEL: 'warn' } });
  child = c;
  const err = stderrLines(c);
  const bootstrapLine = await new Promise<string>((resolve, reject) => {
    c.once('exit', (code) => reject(new Error(`runnel local exited with ${code}:\n${err.text()}`)));
    createInterface({ input: c.stdout }).once('line', resolve);
  });
  expect(bootstrapLine).toMatch(/^bootstrap: 127\.0\.0\.1:\d+$/);
  const all = (await err.next(/^brokers: (\S+)/, AbortSignal.timeout(10_000)))[1]!;
  const status = async (): Promise<Map<number, { leader: string; isr: string }>> => {
    const parts = new Map<number, { leader: string; isr: string }>();
    c.stdin.write('status\n');
    await err.next(/^brokers running:/, AbortSignal.timeout(10_000));
    for (let p = 0; p < 3; p++) {
      const m = await err.next(/^demo-(\d+): leader (\S+) epoch -?\d+ isr \[([\d,]*)\]/, AbortSignal.timeout(10_000));
      parts.set(Number(m[1]), { leader: m[2]!, isr: m[3]! });
    }
    return parts;
  };
  const settle = async (want: (s: Map<number, { leader: string; isr: string }>) => boolean): Promise<Map<number, { leader: string; isr: string }>> => {
    const deadline = AbortSignal.timeout(30_000);
    for (;;) {
      const s = await status();
      if (want(s)) return s;
      if (deadline.aborted) throw new Error(`cluster never reached the expected state; last: ${JSON.stringify([...s])}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  const full = await settle((s) => [...s.values()].every((p) => p.leader !== 'none' && p.isr.split(',').length === 3));
  const victim = Number(full.get(0)!.leader);
  const producer = new Producer({ bootstrap: all, requestTimeoutMs: 2_000, deliveryTimeoutMs: 20_000 });
  try {
    expect((await producer.send({ topic: 'demo', partition: 0, value: 'before' })).offset).toBe(0);
    c.stdin.write(`kill ${victim}\n`);
    await err.next(new RegExp(`^broker ${victim} killed`), AbortSignal.timeout(10_000));
    const after = await settle((s) => s.get(0)!.leader !== 'none' && s.get(0)!.leader !== String(victim));
    expect(after.get(0)!.isr.split(',')).not.toContain(String(victim));
    expect((await producer.send({ topic: 'demo', partition: 0, value: 'after' })).offset).toBe(1);
    c.stdin.write(`start ${victim}\n`);
    await err.next(new RegExp(`^broker ${victim} started`), AbortSignal.timeout(20_000));
    await settle((s) => s.get(0)!.isr.split(',').includes(String(victim)));
    c.stdin.write('kill 9\n');
    await err.next(/^kill failed: expected a broker id 0\.\.2, got "9"/, AbortSignal.timeout(5_000));
  } finally {
    await producer.close();
  }
  const exited = once(c, 'exit');
  c.stdin.end();
  expect((await exited)[0]).toBe(0);
});
