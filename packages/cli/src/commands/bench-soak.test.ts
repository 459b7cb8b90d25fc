import { describe, expect, it } from 'vitest';
import { UsageError } from '../usage-error.ts';
import { soakCommand, soakOptions } from './bench-soak.ts';

function usageError(argv: string[]): string {
  try {
    soakOptions(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`no UsageError for ${argv.join(' ')}`);
}

describe('runnel bench soak options', () => {
  it('has the issue defaults: 1 h, 3 brokers, 6 partitions, 1 KiB, half the max rate, a kill every 10 min, samples every minute', () => {
    const o = soakOptions([]);
    expect(o).toMatchObject({ durationSec: 3600, brokers: 3, partitions: 6, recordSize: 1024, rate: undefined, rateFraction: 0.5, killEverySec: 600, maxKills: Infinity, sampleEverySec: 60 });
  });

  it('reads durations with units, and samples a short run twelve times', () => {
    expect(soakOptions(['--duration', '90s', '--kill-every', '1.5m', '--restart-after', '500ms'])).toMatchObject({ durationSec: 90, killEverySec: 90, restartAfterSec: 0.5, sampleEverySec: 7.5 });
    expect(soakOptions(['--duration', '2h', '--sample-every', '5m'])).toMatchObject({ durationSec: 7200, sampleEverySec: 300 });
  });

  it('takes --retention-bytes per partition with a unit, or -1 for no size limit; 4 MiB by default', () => {
    expect(soakOptions([])).toMatchObject({ retentionBytes: 4 * 1024 * 1024 });
    expect(soakOptions(['--retention-bytes', '64m'])).toMatchObject({ retentionBytes: 64 * 1024 * 1024 });
    expect(soakOptions(['--retention-bytes', '300000'])).toMatchObject({ retentionBytes: 300_000 });
    expect(soakOptions(['--retention-bytes', '-1'])).toMatchObject({ retentionBytes: -1 });
  });

  it('names the flag and the expected form of every bad value', () => {
    expect(usageError(['--duration', '10x'])).toContain('Invalid value for --duration: "10x"');
    expect(usageError(['--duration', '5s'])).toContain('--duration');
    expect(usageError(['--kill-every', '-1'])).toContain('--kill-every');
    expect(usageError(['--rate-fraction', '1.5'])).toContain('Invalid value for --rate-fraction: "1.5"');
    expect(usageError(['--rate-fraction', 'half'])).toContain('--rate-fraction');
    expect(usageError(['--rate', '100', '--rate-fraction', '0.5'])).toContain('--rate and --rate-fraction exclude each other');
    expect(usageError(['--record-size', '8'])).toContain('at least 16 bytes');
    expect(usageError(['--retention-ms', '-5'])).toContain('Invalid value for --retention-ms');
    expect(usageError(['--retention-bytes', '4x'])).toContain('Invalid value for --retention-bytes: "4x" (expected bytes per partition');
    expect(usageError(['--retention-bytes', '-2'])).toContain('Invalid value for --retention-bytes: "-2"');
    expect(usageError(['--retention-bytes', ''])).toContain('--retention-bytes');
    expect(usageError(['--brokers', '0'])).toContain('--brokers');
    expect(usageError(['--kills', 'two'])).toContain('--kills');
    expect(usageError(['--bogus'])).toContain('bogus');
  });

  it('refuses kills with a single broker before starting anything', async () => {
    await expect(soakCommand(['--brokers', '1'])).rejects.toThrow(/--kill-every needs --brokers 2 or more/);
  });
});
