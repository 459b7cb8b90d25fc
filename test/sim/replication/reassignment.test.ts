/**
 * Reassignment under simulated faults (DESIGN.md §6, issue 9 item 7): the replication run of
 * `replication-suite.ts` on FOUR brokers (so an RF=3 partition has somewhere to move), with an
 * operator that keeps asking for random target replica lists (`requestReassignment` through its
 * own faulty view of the API server) while every other fault goes on: crashes, wiped disks, pauses
 * past the lease duration, partitions, lost and conflicting API writes, stalled watches. S1–S5 and
 * S7–S11 must hold on every seed; after healing, every reassignment must finish and every
 * partition settle and drain. `SIM_SEEDS`/`SIM_SEED`/`SIM_SEED_BASE` work as for the other suite.
 */
import { describe, expect, it } from 'vitest';
import { runSimulation } from '../cluster/run-simulation.ts';
import { formatFailure, formatSummary, runSeeds, seedsFromEnv } from '../cluster/seed-runner.ts';
import { reassignmentRun } from './reassignment-run.ts';

/** Seeds per `npm test`; SIM_SEEDS runs more. */
const DEFAULT_SEEDS = 12;

const SAFETY = ['S1', 'S2', 'S3', 'S4', 'S5', 'S7', 'S8', 'S9', 'S10', 'S11'] as const;

describe('replica reassignment under simulated faults (4 brokers, RF=3)', () => {
  const seeds = seedsFromEnv(DEFAULT_SEEDS);
  it.runIf(seeds.length > 0)(`no anomaly of S1–S5 or S7–S11, and every reassignment finishes after healing, on ${seeds.length} seeds`, async () => {
    const { summary, failures } = await runSeeds(seeds, reassignmentRun);
    console.log(formatSummary(summary));
    const unsafe = failures.filter((f) => !f.safe);
    expect(Object.fromEntries(SAFETY.map((k) => [k, summary.anomalies[k] ?? 0])), unsafe.slice(0, 2).map((f) => formatFailure(f)).join('\n\n')).toEqual(Object.fromEntries(SAFETY.map((k) => [k, 0])));
    const stuck = failures.filter((f) => f.unsettled.length > 0 || f.undrained.length > 0);
    expect(stuck.map((f) => f.seed), stuck.slice(0, 2).map((f) => formatFailure(f)).join('\n\n')).toEqual([]);
    // Not vacuous: replicas really moved between brokers, under load and faults.
    expect(summary.faults.reassignmentsRequested ?? 0).toBeGreaterThan(seeds.length);
    expect(summary.faults.reassignmentsCompleted ?? 0).toBeGreaterThan(seeds.length / 2);
    expect(summary.faults.replicasMoved ?? 0).toBeGreaterThan(seeds.length / 2);
    expect(summary.sendsOk).toBeGreaterThan(seeds.length * 100);
    expect(summary.realTimerSites).toEqual([]);
  }, 600_000);

  // Seed 5005 found two failovers winning epoch 1 of one partition: a GET reply older than a watch
  // event let a follower CAS a value derived from the older read against the newer version
  // (isr-manager.ts #failover now decides and writes on one version). Kept as a regression.
  it('seed 5005: one holder per epoch (a failover never writes on a version it did not decide on)', async () => {
    // The schedule of the time the seed was found: no retention and no DeleteRecords (both draw from
    // the seeded random stream, so with them this seed no longer reaches the double win).
    const { deleteIntervalMs: _deletes, topics, ...run } = reassignmentRun(5005);
    const result = await runSimulation({ ...run, topics: (topics ?? []).map(({ configs: _configs, ...t }) => t) });
    expect(result.whiteBox, formatFailure(result)).toEqual([]);
    expect(result.safe).toBe(true);
    expect(result.observed.leaderChanges).toBeGreaterThan(2);
  }, 120_000);
});
