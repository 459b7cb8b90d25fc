import { afterEach, describe, expect, it } from 'vitest';
import { acksFlag, bootstrapOf, intFlag, parse, sizeFlag } from './args.ts';
import { UsageError } from './usage-error.ts';

const OPTIONS = { bootstrap: { type: 'string' as const }, count: { type: 'string' as const }, size: { type: 'string' as const }, acks: { type: 'string' as const } };

describe('argument parsing', () => {
  const saved = process.env['RUNNEL_BOOTSTRAP'];
  afterEach(() => {
    if (saved === undefined) delete process.env['RUNNEL_BOOTSTRAP'];
    else process.env['RUNNEL_BOOTSTRAP'] = saved;
  });

  it('turns an unknown flag or surplus argument into a UsageError naming it', () => {
    expect(() => parse(['--nope'], OPTIONS, 'usage', 0)).toThrow(UsageError);
    expect(() => parse(['--nope'], OPTIONS, 'usage', 0)).toThrow("Unknown option '--nope'");
    expect(() => parse(['a', 'b'], OPTIONS, 'usage', 1)).toThrow('Unexpected argument "b"');
    expect(() => parse(['--count'], OPTIONS, 'usage', 0)).toThrow(/--count/);
  });

  it('gives a negative number after a flag to the flag, so its own range check names it', () => {
    const short = { ...OPTIONS, partitions: { type: 'string' as const, short: 'p' } };
    expect(parse(['--count', '-1'], OPTIONS, 'u', 0).values['count']).toBe('-1');
    expect(parse(['-p', '-5', 'x'], short, 'u', 1)).toEqual({ values: { partitions: '-5' }, positionals: ['x'] });
    expect(() => intFlag(parse(['--count', '-1'], OPTIONS, 'u', 0), 'count', 'u', 1, 0, 10)).toThrow('Invalid value for --count: "-1" (expected an integer from 0 to 10)');
    // A dash that is not a number is still the parser's business.
    expect(() => parse(['--count', '-x'], OPTIONS, 'u', 0)).toThrow(UsageError);
  });

  it('reads integers within bounds and rejects anything else naming the flag', () => {
    expect(intFlag(parse(['--count', '7'], OPTIONS, 'u', 0), 'count', 'u', 1, 0, 10)).toBe(7);
    expect(intFlag(parse([], OPTIONS, 'u', 0), 'count', 'u', 3)).toBe(3);
    for (const bad of ['x', '1.5', '11', '-1', '']) {
      expect(() => intFlag(parse([`--count=${bad}`], OPTIONS, 'u', 0), 'count', 'u', 1, 0, 10)).toThrow(`Invalid value for --count: "${bad}"`);
    }
  });

  it('reads sizes with k/m/g suffixes', () => {
    const size = (v: string): number => sizeFlag(parse(['--size', v], OPTIONS, 'u', 0), 'size', 'u', 0);
    expect(size('1024')).toBe(1024);
    expect(size('16k')).toBe(16 * 1024);
    expect(size('4MiB')).toBe(4 * 1024 * 1024);
    expect(() => size('lots')).toThrow('Invalid value for --size: "lots"');
  });

  it('maps --acks to the client option', () => {
    expect(acksFlag(parse(['--acks', 'all'], OPTIONS, 'u', 0), 'u')).toBe('all');
    expect(acksFlag(parse(['--acks=-1'], OPTIONS, 'u', 0), 'u')).toBe('all');
    expect(acksFlag(parse(['--acks', '0'], OPTIONS, 'u', 0), 'u')).toBe(0);
    expect(() => acksFlag(parse(['--acks', '2'], OPTIONS, 'u', 0), 'u')).toThrow('Invalid value for --acks: "2"');
  });

  it('takes --bootstrap over RUNNEL_BOOTSTRAP over the default', () => {
    process.env['RUNNEL_BOOTSTRAP'] = 'env-host:1';
    expect(bootstrapOf(parse(['--bootstrap', 'flag-host:2'], OPTIONS, 'u', 0))).toBe('flag-host:2');
    expect(bootstrapOf(parse([], OPTIONS, 'u', 0))).toBe('env-host:1');
    delete process.env['RUNNEL_BOOTSTRAP'];
    expect(bootstrapOf(parse([], OPTIONS, 'u', 0))).toBe('127.0.0.1:9092');
  });
});
