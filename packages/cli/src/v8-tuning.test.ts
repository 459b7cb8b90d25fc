/**
 * The V8 setting every `runnel` process applies at startup (v8-tuning.ts): Buffer memory no longer
 * forces a full mark-compact every ~64 MB, and Buffers that die young are still freed.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const TUNING = fileURLToPath(new URL('./v8-tuning.ts', import.meta.url));

/**
 * A child process that allocates 2 GB of 256 KiB Buffers, 100 of them alive at a time (as a broker
 * holds the produce requests in flight), with or without tuneV8(); returns its full (major) GCs
 * and its RSS at the end.
 */
async function churn(tuned: boolean): Promise<{ majorGcs: number; rssMb: number }> {
  const script = `
    import { PerformanceObserver, constants } from 'node:perf_hooks';
    ${tuned ? `import { tuneV8 } from ${JSON.stringify(TUNING)}; tuneV8();` : ''}
    let majorGcs = 0;
    new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majorGcs++; }).observe({ entryTypes: ['gc'] });
    const alive = [];
    for (let i = 0; i < 8000; i++) {
      const b = Buffer.allocUnsafeSlow(256 * 1024);
      b.fill(i & 0xff);
      alive.push(b);
      if (alive.length > 100) alive.shift();
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 100));
    console.log(JSON.stringify({ majorGcs, rssMb: process.memoryUsage().rss / 1e6 }));
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code, out).toBe(0);
  return JSON.parse(out.trim().split('\n').at(-1)!) as { majorGcs: number; rssMb: number };
}

describe('tuneV8', () => {
  it('spares the full GCs that Buffer allocation alone forced, and still frees the Buffers', { timeout: 120_000 }, async () => {
    const plain = await churn(false);
    const tuned = await churn(true);
    // Untuned, V8 marks the whole heap about every 64 MB of Buffers (about 24 times here).
    expect(plain.majorGcs).toBeGreaterThanOrEqual(10);
    expect(tuned.majorGcs).toBeLessThanOrEqual(2);
    // 2 GB went through; 25 MB were alive at any time. Far below what was allocated: freed.
    expect(tuned.rssMb).toBeLessThan(400);
  });
});
