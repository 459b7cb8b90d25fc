import { describe, expect, it } from 'vitest';
import { BufferMemory } from './buffer-memory.ts';

describe('BufferMemory', () => {
  it('reserves without waiting while there is room', async () => {
    const mem = new BufferMemory(100);
    await mem.reserve(60);
    expect(mem.tryReserve(40)).toBe(true);
    expect(mem.used).toBe(100);
    expect(mem.tryReserve(1)).toBe(false);
  });

  it('makes a caller wait until memory is released, in FIFO order', async () => {
    const mem = new BufferMemory(100);
    expect(mem.tryReserve(100)).toBe(true);
    const order: string[] = [];
    const a = mem.reserve(70).then(() => order.push('a'));
    const b = mem.reserve(20).then(() => order.push('b'));
    // b would fit after a small release, but must not overtake a.
    mem.release(30);
    await Promise.resolve();
    expect(order).toEqual([]);
    expect(mem.tryReserve(1)).toBe(false); // waiters first
    mem.release(70);
    await Promise.all([a, b]);
    expect(order).toEqual(['a', 'b']);
    expect(mem.used).toBe(90);
  });

  it('rejects a wait with the abort reason and lets the next waiter through', async () => {
    const mem = new BufferMemory(100);
    mem.tryReserve(90);
    const controller = new AbortController();
    const big = mem.reserve(50, controller.signal);
    const small = mem.reserve(10);
    const reason = new Error('send aborted');
    controller.abort(reason);
    await expect(big).rejects.toBe(reason);
    await small;
    expect(mem.used).toBe(100);
    expect(mem.waiting).toBe(0);
  });

  it('rejects immediately when the signal is already aborted', async () => {
    const mem = new BufferMemory(10);
    mem.tryReserve(10);
    await expect(mem.reserve(5, AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
  });

  it('refuses a nonsensical capacity', () => {
    expect(() => new BufferMemory(0)).toThrow(/bufferMemory must be > 0 bytes, got 0/);
  });
});
