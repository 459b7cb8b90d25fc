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
