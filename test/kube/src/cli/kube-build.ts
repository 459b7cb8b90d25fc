// `npm run kube:build`: builds the pinned control-plane binaries and the test tools (grpcurl,
// prometheus, promtool, helm, hadolint) into the cache unless present. The control plane is skipped when
// RUNNEL_TEST_KUBECONFIG points the kube tier at an existing cluster; the tools are always needed
// (process tests run them), so they are built whenever they are missing.
import { ensureKubeBinaries, findKubeBinaries } from '../build/kube-binaries.ts';
import { pins } from '../build/pins.ts';
import { ensureTestTool, findTestTool, testToolNames } from '../build/test-tools.ts';

const log = (line: string): void => console.error(line);
const started = performance.now();
const seconds = (): string => ((performance.now() - started) / 1000).toFixed(1);
const external = process.env['RUNNEL_TEST_KUBECONFIG'];

async function buildControlPlane(): Promise<void> {
  const cached = await findKubeBinaries();
  if (external && !cached) {
    log(`kube:build skipped the control plane: RUNNEL_TEST_KUBECONFIG=${external} (the kube tier uses that cluster, kubectl and helm from PATH)`);
    return;
  }
  const binaries = cached ?? (await ensureKubeBinaries({ log }));
  log(`kube:build ${cached ? 'cached' : 'built'} Kubernetes ${pins.kubernetes}, etcd ${pins.etcd} in ${seconds()} s: ${binaries.binDir}`);
}

async function buildTestTools(): Promise<void> {
  for (const name of testToolNames) {
    const toolCached = await findTestTool(name);
    const path = toolCached ?? (await ensureTestTool(name, { log }));
    log(`kube:build ${toolCached ? 'cached' : 'built'} test tool ${name} (total ${seconds()} s): ${path}`);
  }
}

// The control plane and the tools build side by side: each build is its own Go module with its own
// lock, and on a fresh machine one chain downloads modules or links (single-threaded) while the other
// compiles. Both chains always finish before the command ends, so a failure of one never leaves the
// other's `go build` running behind an exited process.
const results = await Promise.allSettled([buildControlPlane(), buildTestTools()]);
const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
if (failures.length > 0) {
  for (const failure of failures) log(`kube:build failed: ${failure instanceof Error ? failure.message : String(failure)}`);
  process.exitCode = 1;
}
