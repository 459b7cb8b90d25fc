/**
 * Many seeds per run, and the environment knobs to replay or widen them:
 *
 * - `SIM_SEED=<n>`: run only seed n (the number a failing run printed);
 * - `SIM_SEEDS=<count>`: run this many seeds instead of the default;
 * - `SIM_SEED_BASE=<n>`: first seed (default 1, so `npm test` always covers the same seeds).
 *
 * Test files may split the seeds into shards ({@link shardOf}) so vitest runs them on two workers.
 */
import { formatCheckResult } from '../../support/history/index.ts';
import type { SimulationOptions, SimulationResult } from './run-simulation.ts';
import { runSimulation } from './run-simulation.ts';

/** The seeds to run, from the environment or the defaults. @throws Error naming the bad variable */
export function seedsFromEnv(defaultCount: number, env: NodeJS.ProcessEnv = process.env): number[] {
  const parse = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n)) throw new Error(`${name}=${raw} is not a non-negative integer`);
    return n;
  };
  const one = parse('SIM_SEED');
  if (one !== undefined) return [one];
  const count = parse('SIM_SEEDS') ?? defaultCount;
  const base = parse('SIM_SEED_BASE') ?? 1;
  return Array.from({ length: count }, (_, i) => base + i);
}

/** The seeds of shard `index` of `count` (every count-th seed), so each seed runs in exactly one shard. */
export function shardOf(seeds: readonly number[], index: number, count: number): number[] {
  return seeds.filter((_, i) => i % count === index);
}

/** Totals over many seeds. */
export interface SeedSummary {
  seeds: number;
  /** Seeds with any anomaly or liveness failure. */
  failedSeeds: number[];
  /** Seeds with a safety anomaly (S1–S5 decided, S7–S11). */
  unsafeSeeds: number[];
  wallMs: number;
  virtualMs: number;
  events: number;
  sends: number;
  sendsOk: number;
  sendsFailed: number;
  sendsUnknown: number;
  reads: number;
  recordsDrained: number;
  leaderAckedLost: number;
  anomalies: Record<string, number>;
  faults: Record<string, number>;
  realTimers: number;
  realTimerSites: string[];
  /** Leader epochs seen in the store and HW advances by leaders (what S7–S9 checked). */
  leaderEpochs: number;
  leaderHighWatermarks: number;
  /** Partition records created already led (first election in the create), and created leaderless. */
  createdLed: number;
  createdLeaderless: number;
  /** DeleteRecords sent and acknowledged, acknowledged values they removed, and log-start samples checked (S11). */
  deletes: number;
  deletesOk: number;
  deletedBelowLogStart: number;
  logStartSamples: number;
  /** Records read below a replica's HW as the run went and compared with what was committed there (S10). */
  committedRecordsCompared: number;
}

/** Runs every seed (sequentially: one run owns the event loop) and sums up. */
export async function runSeeds(seeds: readonly number[], optionsFor: (seed: number) => SimulationOptions): Promise<{ summary: SeedSummary; failures: SimulationResult[] }> {
  const summary: SeedSummary = {
    seeds: 0, failedSeeds: [], unsafeSeeds: [], wallMs: 0, virtualMs: 0, events: 0, sends: 0, sendsOk: 0, sendsFailed: 0, sendsUnknown: 0,
    reads: 0, recordsDrained: 0, leaderAckedLost: 0, anomalies: { S1: 0, S2: 0, S3: 0, S4: 0, S5: 0, S7: 0, S8: 0, S9: 0, S10: 0, S11: 0, unsettled: 0, undrained: 0 }, faults: {}, realTimers: 0, realTimerSites: [], leaderEpochs: 0, leaderHighWatermarks: 0, createdLed: 0, createdLeaderless: 0,
    deletes: 0, deletesOk: 0, deletedBelowLogStart: 0, logStartSamples: 0, committedRecordsCompared: 0,
  };
  const failures: SimulationResult[] = [];
  for (const seed of seeds) {
    let result: SimulationResult;
    try {
      result = await runSimulation(optionsFor(seed));
    } catch (err) {
      throw new Error(`Simulation seed ${seed} crashed (replay with SIM_SEED=${seed} npx vitest run test/sim): ${String(err)}`, { cause: err });
    }
    summary.seeds++;
    summary.wallMs += result.wallMs;
    summary.virtualMs += result.virtualMs;
    summary.events += result.events;
    const c = result.history.counts;
    summary.sends += c.sends;
    summary.sendsOk += c.sendsOk;
    summary.sendsFailed += c.sendsFailed;
    summary.sendsUnknown += c.sendsUnknown;
    summary.reads += c.reads;
    summary.recordsDrained += c.recordsDrained;
    summary.leaderAckedLost += c.leaderAckedLost;
    summary.deletes += c.deletes;
    summary.deletesOk += c.deletesOk;
    summary.deletedBelowLogStart += c.deletedBelowLogStart;
    summary.logStartSamples += result.observed.logStartSamples;
    summary.committedRecordsCompared += result.observed.committedRecordsCompared;
    summary.realTimers += result.realTimers.count;
    summary.leaderEpochs += result.observed.leaderChanges;
    summary.leaderHighWatermarks += result.observed.leaderHighWatermarks;
    summary.createdLed += result.observed.createdLed;
    summary.createdLeaderless += result.observed.createdLeaderless;
    for (const site of result.realTimers.sites) if (summary.realTimerSites.length < 5 && !summary.realTimerSites.includes(site)) summary.realTimerSites.push(site);
    for (const [k, v] of Object.entries(result.history.byInvariant)) summary.anomalies[k] = (summary.anomalies[k] ?? 0) + v;
    // Losses in partitions that could not be drained are undecided (liveness), not counted as S1.
    summary.anomalies.S1! -= result.s1Undecided;
    summary.anomalies.S1undecided = (summary.anomalies.S1undecided ?? 0) + result.s1Undecided;
    for (const v of result.whiteBox) summary.anomalies[v.invariant] = (summary.anomalies[v.invariant] ?? 0) + 1;
    summary.anomalies.unsettled! += result.unsettled.length;
    summary.anomalies.undrained! += result.undrained.length;
    for (const [k, v] of Object.entries(result.faults)) summary.faults[k] = (summary.faults[k] ?? 0) + v;
    if (!result.safe) summary.unsafeSeeds.push(seed);
    if (!result.ok) {
      summary.failedSeeds.push(seed);
      failures.push(result);
    }
  }
  return { summary, failures };
}

/** A readable summary of a batch of seeds. */
export function formatSummary(s: SeedSummary): string {
  const nonZero = (r: Record<string, number>): string => Object.entries(r).filter(([, v]) => v > 0).map(([k, v]) => `${k}=${v}`).join(' ') || 'none';
  return [
    `simulation: ${s.seeds} seeds, ${(s.wallMs / 1000).toFixed(1)} s wall, ${(s.virtualMs / 1000).toFixed(0)} s virtual, ${s.events} events`,
    `operations: ${s.sends} sends (ok ${s.sendsOk}, failed ${s.sendsFailed}, unknown ${s.sendsUnknown}), ${s.reads} reads, ${s.recordsDrained} records drained, acks=1 lost ${s.leaderAckedLost}`,
    `faults: ${nonZero(s.faults)}`,
    `white-box: ${s.leaderEpochs} leader epochs, ${s.leaderHighWatermarks} HW advances by leaders, ${s.logStartSamples} log-start samples checked, ${s.committedRecordsCompared} records below a replica's HW compared`,
    `partition records created: ${s.createdLed} led from the create, ${s.createdLeaderless} leaderless`,
    `deletes: ${s.deletes} DeleteRecords (ok ${s.deletesOk}), ${s.deletedBelowLogStart} acknowledged values deleted below a log start`,
    `anomalies: ${Object.entries(s.anomalies).map(([k, v]) => `${k}=${v}`).join(' ')}`,
    `seeds with a safety anomaly: ${s.unsafeSeeds.join(', ') || 'none'}; seeds not settled or not drained after healing: ${s.failedSeeds.filter((x) => !s.unsafeSeeds.includes(x)).join(', ') || 'none'}`,
    `real timers started by the code under test: ${s.realTimers}${s.realTimerSites.length > 0 ? ` (${s.realTimerSites.join('; ')})` : ''}`,
  ].join('\n');
}

/** Everything needed to understand and replay one failing seed. */
export function formatFailure(r: SimulationResult, traceLines = 80): string {
  return [
    `SIM_SEED=${r.seed} (replay: SIM_SEED=${r.seed} npx vitest run test/sim)`,
    formatCheckResult(r.history, 10),
    ...r.whiteBox.slice(0, 10).map((v) => `  ${v.invariant} [${v.partition}] ${v.detail}`),
    r.unsettled.length > 0 ? `  not settled after healing: ${r.unsettled.join(', ')}` : '',
    r.undrained.length > 0 ? `  not drained: ${r.undrained.join(', ')}` : '',
    `last ${traceLines} trace lines:`,
    ...r.trace.slice(-traceLines),
  ].filter((l) => l !== '').join('\n');
}
