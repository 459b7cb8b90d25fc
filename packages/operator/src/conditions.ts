import { isDeepStrictEqual } from 'node:util';
import type { Condition } from '@runnel/metadata';

/** The condition types every Runnel resource reports. */
export type ConditionType = 'Ready' | 'Progressing' | 'Degraded';

/** A condition as a reconciler computes it (the transition time is filled in by {@link mergeConditions}). */
export interface DesiredCondition {
  readonly type: ConditionType;
  readonly status: 'True' | 'False' | 'Unknown';
  /** CamelCase, stable: what a tool or alert matches on. */
  readonly reason: string;
  /** What a person reads: what is wrong and what to do about it. */
  readonly message: string;
}

/**
 * The conditions to write: `desired` with `observedGeneration`, keeping each condition's
 * `lastTransitionTime` when its status did not change (a time moves only on a transition, as
 * Kubernetes' meta.SetStatusCondition does), so an unchanged state yields an identical list and no write.
 */
export function mergeConditions(previous: readonly Condition[] | undefined, desired: readonly DesiredCondition[], generation: number, now: Date): Condition[] {
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z');
  return desired.map((d) => {
    const before = previous?.find((c) => c.type === d.type);
    return {
      type: d.type,
      status: d.status,
      reason: d.reason,
      message: d.message,
      observedGeneration: generation,
      lastTransitionTime: before !== undefined && before.status === d.status && before.lastTransitionTime !== undefined ? before.lastTransitionTime : stamp,
    };
  });
}

/**
 * Whether writing `next` would change `current`: fields of `next` compared by value; fields only
 * in `current` are kept by a merge patch, so they do not count.
 */
export function statusChanged(current: Readonly<Record<string, unknown>> | undefined, next: Readonly<Record<string, unknown>>): boolean {
  for (const [key, value] of Object.entries(next)) {
    if (!isDeepStrictEqual(current?.[key], value)) return true;
  }
  return false;
}

/** The three standard conditions from one summary: ready, still converging, or stuck on a problem. */
export function standardConditions(state: { readonly ready: boolean; readonly progressing?: { reason: string; message: string }; readonly degraded?: { reason: string; message: string }; readonly readyReason: string; readonly readyMessage: string }): DesiredCondition[] {
  return [
    { type: 'Ready', status: state.ready ? 'True' : 'False', reason: state.readyReason, message: state.readyMessage },
    state.progressing
      ? { type: 'Progressing', status: 'True', ...state.progressing }
      : { type: 'Progressing', status: 'False', reason: 'Reconciled', message: 'The observed state matches the spec.' },
    state.degraded ? { type: 'Degraded', status: 'True', ...state.degraded } : { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'No problem found.' },
  ];
}
