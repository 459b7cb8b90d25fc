/**
 * Detects code under simulation that waits on real timers instead of the Clock seam: such a
 * timer fires in wall time, outside the seeded schedule, so the run is no longer a function of
 * its seed (and virtual time never reaches it). While an audit is open, setTimeout and
 * setInterval calls are counted with a short stack of the first callers, then restored.
 */

/** Real timers started during an audit. */
export interface RealTimerReport {
  count: number;
  /** Up to five distinct call sites (file:line of the caller). */
  sites: string[];
}

/**
 * Starts counting real timers; call the returned function to stop and get the report. Timers
 * started from a call site matching `ignore` are not counted (e.g. PartitionLog's background
 * intervals, which the simulation sets beyond any run's length).
 */
export function auditRealTimers(ignore?: RegExp): () => RealTimerReport {
  const report: RealTimerReport = { count: 0, sites: [] };
  const originalTimeout = globalThis.setTimeout;
  const originalInterval = globalThis.setInterval;
  const note = (): void => {
    const frames = (new Error().stack ?? '').split('\n').slice(3).filter((l) => !l.includes('node:internal') && !l.includes('/node_modules/'));
    const site = frames[0]?.trim() ?? 'unknown';
    if (ignore?.test(site) === true) return;
    report.count++;
    if (report.sites.length < 5 && !report.sites.includes(site)) report.sites.push(site);
  };
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    note();
    return originalTimeout(...args);
  }) as typeof setTimeout;
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
    note();
    return originalInterval(...args);
  }) as typeof setInterval;
  return () => {
    globalThis.setTimeout = originalTimeout;
    globalThis.setInterval = originalInterval;
    return report;
  };
}
