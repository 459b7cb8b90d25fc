import type { BenchResult } from './bench-config.ts';

/** A readable fixed-width table of results (and aims, when given). */
export function formatTable(results: readonly BenchResult[], extra: ReadonlyArray<[string, string]> = []): string {
  const header = ['workload', 'records', 'sec', 'records/s', 'MB/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'broker RSS MB', 'notes'];
  const rows = results.map((r) => [
    r.workload,
    // Byte-only rows (loopback TCP, disk) move no records: a dash, not "0 records/s".
    r.records === 0 && r.recordsPerSec === 0 ? '-' : String(r.records),
    String(r.seconds),
    r.records === 0 && r.recordsPerSec === 0 ? '-' : r.recordsPerSec.toLocaleString('en-US'),
    String(r.mbPerSec),
    r.latencyMs ? String(r.latencyMs.p50) : '',
    r.latencyMs ? String(r.latencyMs.p99) : '',
    r.latencyMs ? String(r.latencyMs.p999) : '',
    r.brokerRssMb === undefined ? '' : String(r.brokerRssMb),
    r.notes ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  if (extra.length > 0) {
    out.push('');
    const w = Math.max(...extra.map(([k]) => k.length));
    for (const [k, v] of extra) out.push(`${k.padEnd(w)}  ${v}`);
  }
  return `${out.join('\n')}\n`;
}
