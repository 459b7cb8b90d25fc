/** The run of one seed of the reassignment suite (`reassignment.test.ts`). */
import type { SimulationOptions } from '../cluster/run-simulation.ts';
import { FAULT_KINDS, type FaultKind } from '../cluster/sim-nemesis.ts';
import { replicationRun } from './replication-suite.ts';

/** Every fault kind, with reassignment requests drawn about a third of the time. */
const KINDS: readonly FaultKind[] = [...FAULT_KINDS, ...Array<FaultKind>(6).fill('reassign')];

/** 4 brokers (so an RF=3 partition has somewhere to move), every fault kind, reassignment requests a third of the time. */
export function reassignmentRun(seed: number): SimulationOptions {
  return { ...replicationRun(seed), brokers: 4, nemesis: { kinds: KINDS } };
}

