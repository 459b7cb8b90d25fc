/**
 * The consumer-group simulation (issue 11): G1–G4 on every seed, and each check shown to fail
 * with a bug planted in the members. `SIM_SEED`, `SIM_SEEDS`, `SIM_SEED_BASE` as in ../README.md.
 */
import { describe, expect, it } from 'vitest';
import { seedsFromEnv } from '../cluster/seed-runner.ts';
import { runGroupSimulation, type GroupPlant, type GroupSimResult } from './group-simulation.ts';

const seeds = seedsFromEnv(20);

function totals(results: readonly GroupSimResult[]): GroupSimResult['counts'] {
  const total = { ...results[0]!.counts };
  for (const r of results.slice(1)) for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += r.counts[k];
  return total;
}

describe('consumer groups under member crashes, lost replies and coordinator failovers', () => {
  it(`G1–G4 hold on ${seeds.length} seeds (from ${seeds[0]})`, async () => {
    const results: GroupSimResult[] = [];
    for (const seed of seeds) {
      const r = await runGroupSimulation({ seed, appendTimeouts: false });
      if (r.violations.length > 0) throw new Error(`SIM_SEED=${seed} npx vitest run test/sim/group\n${r.violations.join('\n')}`);
      results.push(r);
    }
    const total = totals(results);
    console.log(`group simulation: ${seeds.length} seeds, ${JSON.stringify(total)}`);
    // The checks must have had something to check.
    expect(total.failovers).toBeGreaterThan(0);
    expect(total.memberCrashes).toBeGreaterThan(0);
    expect(total.lostReplies).toBeGreaterThan(0);
    expect(total.g1CoordinatorChecks).toBeGreaterThan(0);
    expect(total.g1MemberTakes).toBeGreaterThan(0);
    expect(total.g2Commits).toBeGreaterThan(0);
    expect(total.g3Records).toBeGreaterThan(0);
    expect(total.g4Commits).toBeGreaterThan(0);
  }, 300_000);

  it(`G1 (coordinator view), G2, G3 and G4 hold with offsets appends of unknown outcome too, on ${seeds.length} seeds`, async () => {
    const results: GroupSimResult[] = [];
    for (const seed of seeds) {
      const r = await runGroupSimulation({ seed, appendTimeouts: true });
      // The members' view of G1 is the known failure below; every other check must hold.
      const others = r.violations.filter((v) => !v.includes('G1 members'));
      if (others.length > 0) throw new Error(`SIM_SEED=${seed} (append timeouts)\n${others.join('\n')}`);
      results.push(r);
    }
    const total = totals(results);
    console.log(`group simulation with append timeouts: ${seeds.length} seeds, ${JSON.stringify(total)}`);
    expect(total.appendTimeouts).toBeGreaterThan(0);
  }, 300_000);

  /*
   * Found by this simulation (with append timeouts: seeds 3, 203, 259 of 1–300; without them:
   * seeds 1400, 2263, 2516, 2648 of 1000–2999): a member's heartbeat replies carrying bumped
   * epochs are lost (or their append timed out after it committed) twice in a row, so the member's
   * next heartbeat carries an epoch that is neither its current nor its previous one.
   * ConsumerGroup (#checkEpoch) then removed the member and handed its partitions to another member
   * in the same step, while the fenced member still consumed them. Now a fenced member keeps its
   * partitions until it rejoins with epoch 0 or its session expires, as in Kafka.
   */
  it('G1 (members\' view) holds on seeds 3, 203, 259 (append timeouts) and 1400, where a fenced member once lost its partitions to another while still reading them', async () => {
    for (const [seed, appendTimeouts] of [[3, true], [203, true], [259, true], [1400, false]] as const) {
      const r = await runGroupSimulation({ seed, appendTimeouts });
      if (r.violations.length > 0) throw new Error(`SIM_SEED=${seed}\n${r.violations.join('\n')}`);
    }
  }, 120_000);
});

describe('a seed replays exactly', () => {
  it('runs the same seed twice to the same counts', async () => {
    const a = await runGroupSimulation({ seed: seeds[0]! });
    const b = await runGroupSimulation({ seed: seeds[0]! });
    expect(b.counts).toEqual(a.counts);
    expect(a.counts.heartbeats).toBeGreaterThan(0);
  });
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
