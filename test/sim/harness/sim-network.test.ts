/**
 * The simulated network: calls reach the registered incarnation, partitions and drops turn into
 * timeouts, a paused target answers after it resumes, a missing one refuses, aborts reject.
 */
import { describe, expect, it } from 'vitest';
import { SimNetwork } from './sim-network.ts';
import { SimRandom } from './sim-random.ts';
import { SimProcess, SimScheduler } from './sim-scheduler.ts';
import { drive, driveValue } from './settle.ts';

interface Echo {
  echo(x: string): Promise<string>;
}

function setup(): { s: SimScheduler; net: SimNetwork; a: SimProcess; b: SimProcess } {
  const s = new SimScheduler(new SimRandom(9));
  const net = new SimNetwork(s);
  const a = new SimProcess('broker-1', 1);
  const b = new SimProcess('broker-2', 1);
  net.register('broker-2', b, { echo: (x: string) => Promise.resolve(`${x} from ${b.toString()}`) } satisfies Echo);
  return { s, net, a, b };
}

const echo = (net: SimNetwork, from: SimProcess, signal?: AbortSignal): Promise<string> =>
  net.call<Echo, string>(from, 'broker-2', 'echo', (h) => h.echo('hi'), signal === undefined ? { timeoutMs: 100 } : { timeoutMs: 100, signal });

describe('SimNetwork', () => {
  it('delivers a call and its reply', async () => {
    const { s, net, a } = setup();
    expect(await driveValue(s, echo(net, a))).toBe('hi from broker-2#1');
  });

  it('times out across a partition and after a drop, and works again once healed', async () => {
    const { s, net, a } = setup();
    net.partition(['broker-1'], ['broker-2', 'broker-3']);
    expect(net.isCut('broker-2', 'broker-1')).toBe(true);
    await expect(driveValue(s, echo(net, a))).rejects.toMatchObject({ code: 'REQUEST_TIMED_OUT' });
    net.reconnect('broker-1');
    expect(net.isCut('broker-1', 'broker-2')).toBe(false);
    net.faults.dropRate = 1;
    await expect(driveValue(s, echo(net, a))).rejects.toMatchObject({ code: 'REQUEST_TIMED_OUT' });
    net.heal();
    expect(await driveValue(s, echo(net, a))).toBe('hi from broker-2#1');
    expect(net.stats).toMatchObject({ cut: 1, dropped: 1, timeouts: 2 });
  });

  it('a paused target answers once resumed; a dead one never; an unknown name refuses', async () => {
    const { s, net, a, b } = setup();
    s.pause(b);
    const late = net.call<Echo, string>(a, 'broker-2', 'echo', (h) => h.echo('hi'), { timeoutMs: 10_000 });
    s.schedule(5000, undefined, 'resume', () => s.resume(b));
    expect(await drive(s, late)).toEqual({ status: 'fulfilled', value: 'hi from broker-2#1' });
    expect(s.now).toBeGreaterThanOrEqual(5000);
    s.kill(b);
    await expect(driveValue(s, echo(net, a))).rejects.toMatchObject({ code: 'BROKER_NOT_AVAILABLE' });
    net.unregister('broker-2', b);
    await expect(driveValue(s, echo(net, a))).rejects.toMatchObject({ code: 'BROKER_NOT_AVAILABLE' });
  });

  it('rejects with the abort reason', async () => {
    const { s, net, a, b } = setup();
    s.pause(b);
    const controller = new AbortController();
    const call = echo(net, a, controller.signal);
    s.schedule(10, undefined, 'abort', () => controller.abort(new Error('stopped fetching')));
    expect(await drive(s, call)).toMatchObject({ status: 'rejected', reason: new Error('stopped fetching') });
  });
});
