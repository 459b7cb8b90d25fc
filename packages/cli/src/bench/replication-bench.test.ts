import { describe, expect, it } from 'vitest';
import { benchCommand } from '../commands/bench.ts';
import { formatTable } from './bench-report.ts';
import { guarded } from './replication-bench.ts';

describe('bench replication', () => {
  it('turns a failed phase (e.g. an AbortSignal timeout) into a FAILED row instead of throwing', async () => {
    const row = await guarded('e2e RF=3', () => Promise.reject(new DOMException('The operation was aborted due to timeout', 'TimeoutError')));
    expect(row).toMatchObject({ workload: 'e2e RF=3', records: 0, notes: 'FAILED: TimeoutError: The operation was aborted due to timeout' });
    expect(formatTable([row])).toMatch(/e2e RF=3 .*FAILED: TimeoutError/);
  });

  it('needs --bootstrap or --kubeconfig, and says so', async () => {
    await expect(benchCommand(['replication'])).rejects.toThrow(/bench replication needs --bootstrap .* or --kubeconfig/);
  });
});
