import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./run-broker.ts', import.meta.url));

/** A broker (local cluster) in a child process started from run-broker.ts. */
export interface BrokerProcess {
  readonly child: ChildProcess;
  readonly bootstrap: string;
  readonly brokers: Array<{ id: number; address: string; metricsAddress?: string }>;
  /** Resolves with the next stdout JSON line that has `key`. */
  nextLine(key: string): Promise<Record<string, unknown>>;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
  /** Collected stderr (logs), for failure messages. */
  stderr(): string;
}

/** Spawns `process.execPath run-broker.ts <args>` (Node 24 under vitest) and waits until it serves. */
export async function startBrokerProcess(args: { brokers: number; dataDir: string; port?: number; metricsPort?: number; demoTopic?: { name: string; partitions: number } | null; logMaintenanceIntervalMs?: number }): Promise<BrokerProcess> {
  const child = spawn(process.execPath, [SCRIPT, JSON.stringify({ port: 0, ...args })], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const waiters: Array<{ key: string; resolve: (v: Record<string, unknown>) => void }> = [];
  const backlog: Array<Record<string, unknown>> = [];
  lines.on('line', (line) => {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const i = waiters.findIndex((w) => w.key in parsed);
    if (i >= 0) waiters.splice(i, 1)[0]?.resolve(parsed);
    else backlog.push(parsed);
  });
  const nextLine = (key: string): Promise<Record<string, unknown>> => {
    const i = backlog.findIndex((l) => key in l);
    if (i >= 0) return Promise.resolve(backlog.splice(i, 1)[0] as Record<string, unknown>);
    return new Promise((resolve, reject) => {
      waiters.push({ key, resolve });
      child.once('exit', (code) => reject(new Error(`broker process exited (code ${code}) before printing "${key}"; stderr:\n${stderr}`)));
    });
  };
  const ready = (await nextLine('bootstrap')) as unknown as { bootstrap: string; brokers: BrokerProcess['brokers'] };
  return {
    child,
    bootstrap: ready.bootstrap,
    brokers: ready.brokers,
    nextLine,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}
