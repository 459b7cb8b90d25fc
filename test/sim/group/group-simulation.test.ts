/**
 * The consumer-group simulation (issue 11): G1–G4 on every seed, and each check shown to fail
 * with a bug planted in the members. `SIM_SEED`, `SIM_SEEDS`, `SIM_SEED_BASE` as in ../README.md.
 */
import { describe, expect, it } from 'vitest';
import { seedsFromEnv } from '../cluster/seed-runner.ts';
import { runGroupSimulation, type GroupPlant, type GroupSimResult } from './group-simulation.ts';

const seeds = seedsFromEnv(20);

describe('consumer groups under member crashes, lost replies and coordinator failovers', () => {
  it(`G1–G4 hold on ${seeds.length} seeds (from ${seeds[0]})`, async () => {
    const results: GroupSimResult[] = [];
    for (const seed of seeds) {
      const r = await runGroupSimulation({ seed });
      if (r.violations.length > 0) throw new Error(`SIM_SEED=${seed} npx vitest run test/sim/group\n${r.violations.join('\n')}`);
      results.push(r);
    }
    const total = { ...results[0]!.counts };
    for (const r of results.slice(1)) for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += r.counts[k];
    console.log(`group simulation: ${seeds.length} seeds, ${JSON.stringify(total)}`);
    // The checks must have had something to check.
    expect(total.failovers).toBeGreaterThan(0);
    expect(total.memberCrashes).toBeGreaterThan(0);
    expect(total.g1CoordinatorChecks).toBeGreaterThan(0);
    expect(total.g1MemberTakes).toBeGreaterThan(0);
    expect(total.g2Commits).toBeGreaterThan(0);
    expect(total.g3Records).toBeGreaterThan(0);
    expect(total.g4Commits).toBeGreaterThan(0);
  }, 300_000);
});

describe('each check fails on a planted bug', () => {
  const cases: Array<[GroupPlant, string]> = [
    ['keep-revoked', 'G1 members'],
    ['commit-zero-on-take', 'G2'],
    ['start-at-end', 'G3'],
    ['commit-ahead', 'G4'],
    ['unfenced-old-leader', 'G1 coordinator'],
  ];
  for (const [plant, check] of cases) {
    it(`${check} catches the plant ${plant}`, async () => {
      const found: string[] = [];
      for (let seed = 1; seed <= 10 && found.length === 0; seed++) {
        const r = await runGroupSimulation({ seed, plant });
        found.push(...r.violations.filter((v) => v.includes(`${check}`)));
      }
      expect(found.length).toBeGreaterThan(0);
    }, 120_000);
  }
});
