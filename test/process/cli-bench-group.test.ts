/**
 * `runnel bench consume --group` against its own broker process: one row per member count beside
 * the assign-based consumer's row, every row having read every record, and the crash and join
 * timings in the summary. Plus its bad --members input.
 */
import { expect, it } from 'vitest';
import { runRunnel } from './cli/runnel-process.ts';

it('reads as groups of each --members count next to the assign-based consumer and times a crash and a join', async () => {
  const r = await runRunnel(['bench', 'consume', '--group', '--members', '1,2', '--partitions', '4', '--records', '4000', '--record-size', '100', '--json'], { timeoutMs: 300_000 });
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout) as { results: Array<{ workload: string; records: number; mbPerSec: number }>; summary: Record<string, string> };
  expect(out.results.map((x) => x.workload)).toEqual(['produce 100 B acks=all p=4', 'consume 100 B p=4', 'consume --group, 1 member p=4', 'consume --group, 2 members p=4']);
  const produced = out.results[0]!.records;
  // The groups read the whole topic (the produce bench's warm-up records included).
  for (const row of out.results.slice(2)) {
    expect(row.records).toBeGreaterThanOrEqual(produced);
    expect(row.mbPerSec).toBeGreaterThan(0);
  }
  expect(out.summary['group: member crash -> its partitions read elsewhere']).toMatch(/^\d+(\.\d+)? s \(\d+ partitions?; /);
  expect(out.summary['group: new member spawn -> first record']).toMatch(/^\d+(\.\d+)? s /);
}, 320_000);

it('rejects a bad --members list with exit code 2 naming the flag', async () => {
  const r = await runRunnel(['bench', 'consume', '--group', '--members', '0,3']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('Invalid value for --members: "0,3" (expected member counts from 1 to 100, comma-separated, e.g. 1,3,6)');
  const alone = await runRunnel(['bench', 'consume', '--members', '3']);
  expect(alone.code).toBe(2);
  expect(alone.stderr).toContain('--members needs --group');
  const other = await runRunnel(['bench', 'produce', '--group']);
  expect(other.code).toBe(2);
  expect(other.stderr).toContain('--group and --members apply to bench consume only');
});
