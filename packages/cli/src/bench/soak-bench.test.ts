import { describe, expect, it } from 'vitest';
import { soakOptions } from '../commands/bench-soak.ts';
import { formatSoak, type SoakReport } from './soak-bench.ts';

function report(totals: Partial<SoakReport['totals']>, lostExamples: SoakReport['lostExamples'] = []): SoakReport {
  return {
    rate: 1000,
    measuredMaxRate: null,
    samples: [],
    kills: [],
    failures: [],
    totals: { acked: 1000, received: 990, lost: 0, skippedByRetention: 0, outOfRangeResets: 0, sendFailures: 0, segmentsDeleted: 3, ...totals },
    outOfRangeResets: [],
    lostExamples,
    verdicts: { rssGrowthLastHalfPct: null, heapGrowthLastHalfPct: null, heapSlopeLastHalfMbPerMin: null, rssFlat: null, p99FirstMs: null, p99EndMs: null, p99NoWorse: null },
    pid: 1,
  };
}

describe('formatSoak', () => {
  const o = soakOptions([]);
  if (o === 'help') throw new Error('unreachable');

  it('tells records deleted by retention before they were read apart from lost ones, and passes when none is lost', () => {
    const text = formatSoak(report({ skippedByRetention: 10, outOfRangeResets: 2 }), o);
    expect(text).toContain('acked but never received 10,');
    expect(text).toMatch(/deleted by retention unread +10 acked records, in 2 out-of-range resets of the consumer/);
    expect(text).toContain('acked records lost (not explained by retention): 0 (aim 0): PASS');
  });

  it('fails the lost verdict and names some lost records by partition and offset', () => {
    const text = formatSoak(report({ lost: 2, skippedByRetention: 8, outOfRangeResets: 1 }, [{ seq: 5, partition: 1, offset: 2 }, { seq: 11, partition: 5, offset: 1 }]), o);
    expect(text).toContain('acked but never received 10,');
    expect(text).toContain('acked records lost (not explained by retention): 2 (aim 0): FAIL; e.g. seq 5 at 1/2, seq 11 at 5/1');
  });
});
