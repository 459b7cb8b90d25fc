import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, statSync } from 'node:fs';

/** A host directory (or file) that appears to the container at `mountPath`. */
export interface BindMount {
  readonly hostPath: string;
  readonly mountPath: string;
  readonly readOnly: boolean;
}

/** Options of {@link ContainerProcess.spawn}. */
export interface ContainerSpawnOptions {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly workingDir: string;
  readonly mounts: readonly BindMount[];
  /** Set in the container's own UTS namespace, so `hostname`/`os.hostname()` give the pod's name. */
  readonly hostname: string;
  /** stdout and stderr are appended to this file. */
  readonly logFile: string;
}

/** How a container process ended. */
export interface ContainerExit {
  readonly exitCode: number;
  readonly signal: NodeJS.Signals | null;
}

const signalNumbers: Partial<Record<NodeJS.Signals, number>> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGSEGV: 11, SIGABRT: 6, SIGHUP: 1 };

/**
 * One run of a container: a host process in its own process group, its own UTS namespace (the
 * pod's hostname) and its own mount namespace, where each volume is bind-mounted at its real
 * `mountPath`, so in-cluster code runs unchanged (`unshare` needs root, which these machines are). The `sh` wrapper `exec`s the command,
 * so the pid we hold is the container's main process.
 */
export class ContainerProcess {
  readonly #child: ChildProcess;
  /** Resolves once the process has exited. */
  readonly exited: Promise<ContainerExit>;
  readonly startedAt = new Date();

  private constructor(options: ContainerSpawnOptions) {
    const script = [
      'set -e',
      // Parents before children, so a mount inside another mount lands on top of it.
      ...[...options.mounts].sort((a, b) => a.mountPath.length - b.mountPath.length).flatMap((mount) => {
        const isFile = statSync(mount.hostPath, { throwIfNoEntry: false })?.isFile() ?? false;
        const target = quote(mount.mountPath);
        return [
          isFile ? `mkdir -p "$(dirname ${target})" && touch ${target}` : `mkdir -p ${target}`,
          `mount --bind ${quote(mount.hostPath)} ${target}`,
          ...(mount.readOnly ? [`mount -o remount,bind,ro ${target}`] : []),
        ];
      }),
      `hostname ${quote(options.hostname)}`,
      `cd ${quote(options.workingDir)}`,
      'exec "$@"',
    ].join('\n');
    const log = openSync(options.logFile, 'a');
    try {
      this.#child = spawn('unshare', ['--mount', '--uts', '--propagation', 'private', '--', '/bin/sh', '-c', script, 'container', ...options.argv], {
        env: { ...options.env },
        detached: true,
        stdio: ['ignore', log, log],
      });
    } finally {
      closeSync(log);
    }
    this.exited = new Promise((resolve) => {
      this.#child.once('error', () => resolve({ exitCode: 127, signal: null }));
      this.#child.once('exit', (code, signal) => {
        // Like the kubelet tearing down a container's cgroup: helpers left in the group go too.
        this.#killGroup('SIGKILL');
        resolve({ exitCode: code ?? 128 + (signal ? (signalNumbers[signal] ?? 0) : 0), signal });
      });
    });
  }

  /** Starts the container's main process. Spawn failures surface as an exit with code 127. */
  static spawn(options: ContainerSpawnOptions): ContainerProcess {
    return new ContainerProcess(options);
  }

  /** The container's main process id (also its process group id). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Signals the whole process group, so helpers the container started go too. */
  signal(signal: NodeJS.Signals): void {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#killGroup(signal);
  }

  #killGroup(signal: NodeJS.Signals): void {
    if (this.#child.pid === undefined) return;
    try {
      process.kill(-this.#child.pid, signal);
    } catch {
      // The group is already gone.
    }
  }

  /** SIGTERM, SIGKILL after `graceMs` (the pod's grace period); resolves when it has exited. */
  async stop(graceMs: number): Promise<ContainerExit> {
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

function quote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
