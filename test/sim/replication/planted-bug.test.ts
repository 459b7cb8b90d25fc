/**
 * The simulation must be able to fail on the real replication node: with the API server's
 * compare-and-swap planted away (every update a blind write), concurrent takeovers both "win"
 * and the white-box and black-box checks report it.
 */
import { expect, it } from 'vitest';
import { runSeeds } from '../cluster/seed-runner.ts';
import { replicationRun } from './replication-suite.ts';

it('catches a store without compare-and-swap (two holders of one epoch, lost writes)', async () => {
  const { summary } = await runSeeds([1, 2, 3, 4, 5, 6], (seed) => ({
    ...replicationRun(seed),
    store: { plantedBug: 'ignore-resource-version' },
    nemesis: { kinds: ['crash-leader', 'pause', 'isolate-fully', 'partition-broker'] },
  }));
  expect(summary.unsafeSeeds.length, JSON.stringify(summary.anomalies)).toBeGreaterThan(0);
  expect(summary.anomalies.S7, JSON.stringify(summary.anomalies)).toBeGreaterThan(0);
});
