import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from './run-cli.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs the CLI and returns its exit status and what it wrote to stderr. */
async function run(argv: string[]): Promise<{ status: number; stderr: string }> {
  let stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  });
  const status = await runCli(argv);
  return { status, stderr };
}

describe('runnel broker --metadata', () => {
  it('rejects an unknown store by name', async () => {
    const { status, stderr } = await run(['broker', '--metadata', 'zookeeper']);
    expect(status).toBe(2);
    expect(stderr).toContain('Invalid value for --metadata: "zookeeper" (expected one of memory, kubernetes)');
  });

  it.each(['namespace', 'cluster', 'kubeconfig'])('rejects --%s without --metadata kubernetes', async (flag) => {
    const { status, stderr } = await run(['broker', `--${flag}`, 'x']);
    expect(status).toBe(2);
    expect(stderr).toContain(`--${flag} applies only with --metadata kubernetes`);
    expect(stderr).toContain('Usage: runnel broker');
  });
});

describe('runnel broker --topic-default and --rack', () => {
  it.each([
    [['--topic-default', 'retention.ms'], 'Invalid value for --topic-default: "retention.ms" (expected KEY=VALUE'],
    [['--topic-default', 'retention.hours=1'], 'Invalid --topic-default: Unknown topic config default "retention.hours"'],
    [['--topic-default', 'durability=sometimes'], 'Invalid --topic-default: Invalid value "sometimes" for topic config durability: expected fsync or replicated'],
    [['--topic-default', 'min.insync.replicas=0'], 'min.insync.replicas: expected 1..64'],
    [['--rack', 'zone a'], 'Invalid value for --rack: "zone a"'],
    [['--rack', 'x'.repeat(256)], 'Invalid value for --rack'],
  ])('refuses %j before starting anything', async (flags, message) => {
    const { status, stderr } = await run(['broker', ...flags]);
    expect(status).toBe(2);
    expect(stderr).toContain(message);
  });
});
