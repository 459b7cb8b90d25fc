import { UsageError } from '../usage-error.ts';

export const BENCH_USAGE = `Usage: runnel bench <produce|consume|e2e|limits|all> [options]`;

/** `runnel bench ...` (filled in below). */
export function benchCommand(_argv: string[]): Promise<number> {
  return Promise.reject(new UsageError('bench is not available yet', BENCH_USAGE));
}
