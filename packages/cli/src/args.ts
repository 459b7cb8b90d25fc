import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.ts';

/** Option definitions as node:util parseArgs takes them. */
export type Options = NonNullable<ParseArgsConfig['options']>;

/** The options every client command takes. */
export const BOOTSTRAP_OPTION: Options = {
  bootstrap: { type: 'string', short: 'b' },
  help: { type: 'boolean', short: 'h' },
};

/** A parsed command line. */
export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Parses `argv` strictly: unknown flags, missing values and surplus arguments become a UsageError
 * that names the flag, so a typo never silently changes what a command does.
 */
export function parse(argv: string[], options: Options, usage: string, maxPositionals: number): Parsed {
  let parsed;
  try {
    parsed = parseArgs({ args: attachNegativeNumbers(argv, options), allowPositionals: true, options, strict: true });
  } catch (err) {
    const message = err instanceof Error ? err.message.replace(/\. To specify a positional argument.*$/s, '') : String(err);
    throw new UsageError(message, usage);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`Unexpected argument "${parsed.positionals[maxPositionals]}"`, usage);
  }
  return { values: parsed.values as Parsed['values'], positionals: parsed.positionals };
}

/**
 * `--partitions -1` as `--partitions=-1`: node:util parseArgs calls a value that starts with a dash
 * "ambiguous", so a negative number would get a message about dashes instead of the flag's own
 * range check naming the value.
 */
function attachNegativeNumbers(argv: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : arg.length === 2 && arg.startsWith('-') ? Object.keys(options).find((k) => options[k]?.short === arg[1]) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** The bootstrap list from --bootstrap, else RUNNEL_BOOTSTRAP, else 127.0.0.1:9092. */
export function bootstrapOf(p: Parsed): string {
  const value = p.values['bootstrap'];
  if (typeof value === 'string' && value !== '') return value;
  return process.env['RUNNEL_BOOTSTRAP'] || '127.0.0.1:9092';
}

/** An integer flag in [min, max], or `fallback` when absent; a bad value is a UsageError naming the flag. */
export function intFlag(p: Parsed, name: string, usage: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = p.values[name];
  if (raw === undefined) return fallback;
  const n = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`Invalid value for --${name}: "${String(raw)}" (expected an integer from ${min} to ${max === Number.MAX_SAFE_INTEGER ? 'any' : max})`, usage);
  }
  return n;
}

/** A size flag such as 1024, 16k, 4m (KiB/MiB multiples). */
export function sizeFlag(p: Parsed, name: string, usage: string, fallback: number): number {
  const raw = p.values[name];
  if (raw === undefined) return fallback;
  const m = typeof raw === 'string' ? /^(\d+)([kKmMgG]?)i?[bB]?$/.exec(raw.trim()) : null;
  if (!m) throw new UsageError(`Invalid value for --${name}: "${String(raw)}" (expected bytes, e.g. 1024, 16k or 4m)`, usage);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * unit;
}

/** One of `allowed`, or `fallback`; anything else is a UsageError naming the flag and the choices. */
export function choiceFlag<T extends string>(p: Parsed, name: string, usage: string, allowed: readonly T[], fallback: T): T {
  const raw = p.values[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !(allowed as readonly string[]).includes(raw)) {
    throw new UsageError(`Invalid value for --${name}: "${String(raw)}" (expected one of ${allowed.join(', ')})`, usage);
  }
  return raw as T;
}

/** --acks all|1|0 as the client option. */
export function acksFlag(p: Parsed, usage: string): 'all' | 1 | 0 {
  const v = choiceFlag(p, 'acks', usage, ['all', '-1', '1', '0'], 'all');
  return v === 'all' || v === '-1' ? 'all' : v === '1' ? 1 : 0;
}
