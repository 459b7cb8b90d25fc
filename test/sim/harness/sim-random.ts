/**
 * The simulation's only source of randomness: sfc32 (Chris Doty-Humphrey's Small Fast Counter,
 * as in PractRand), seeded through splitmix32. Every choice of a run — delays, tie-breaks, faults,
 * workload — is drawn from one seed, so a seed number replays the run exactly.
 *
 * Written inline (20 lines) rather than importing pure-rand, which is only a transitive
 * dependency of fast-check here and not declared by any workspace we own.
 */

/** A seeded pseudo-random stream. */
export class SimRandom {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`Invalid simulation seed ${seed}: expected a non-negative integer`);
    let s = (seed ^ Math.floor(seed / 2 ** 32)) >>> 0;
    const splitmix = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = splitmix();
    this.#b = splitmix();
    this.#c = splitmix();
    this.#d = splitmix();
    for (let i = 0; i < 12; i++) this.#next32();
  }

  #next32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.#next32() / 2 ** 32;
  }

  /** An integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    if (max < min) throw new RangeError(`Invalid range [${min}, ${max}]`);
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Cannot pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  /** An independent stream derived from this one (so adding draws in one place does not shift another). */
  fork(): SimRandom {
    return new SimRandom(this.#next32() * 2 ** 21 + (this.#next32() >>> 11));
  }
}
