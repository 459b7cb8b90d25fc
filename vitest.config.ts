import { defineConfig } from 'vitest/config';

// Test files that hold something of the shared control plane that other files also use, so no other
// kube file may run beside them: the chaos tests pause kube-apiserver and time leases tightly; the
// chart tests install cluster-scoped objects (CRDs, ClusterRoles) that other files apply too; the
// CRD tests and api-server checks change CRDs.
const exclusiveKubeFiles = [
  'test/chaos/**/*.kube.test.ts',
  'test/operator/helm-*.kube.test.ts',
  'packages/metadata/src/crds/crds.kube.test.ts',
  'test/kube/api-server.test.ts',
];
const kubeFiles = ['test/kube/**/*.test.ts', 'test/**/*.kube.test.ts', 'packages/*/src/**/*.kube.test.ts'];

// Tiers (DESIGN.md §9). `unit` are fast tests next to the code. `process` start real OS processes
// (crash tests, multi-process brokers) or run long simulations (test/sim). Every test that needs the
// Kubernetes control plane is named `*.kube.test.ts` and runs in a kube project, whose global setup
// starts one control plane and process kubelet for the project (test/kube/README.md).
//
// The tiers run one after another (`sequence.groupOrder`). Unit and process files run one at a time:
// process tests load both cores with broker processes. Most kube files wait on the control plane and
// on leases rather than on the CPU, each in its own namespace, so `kube` runs two files at a time;
// `kube-exclusive` runs the files above alone, after it.
export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    // A run that finds no test is a failure (vitest's default), never a silent pass.
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts'],
          exclude: ['**/*.kube.test.ts', '**/node_modules/**'],
          testTimeout: 20_000,
          maxWorkers: 1,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'process',
          include: ['test/process/**/*.test.ts', 'test/sim/**/*.test.ts'],
          exclude: ['**/*.kube.test.ts', '**/node_modules/**'],
          testTimeout: 180_000,
          hookTimeout: 60_000,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'kube',
          // Any test that needs the Kubernetes API is named `*.kube.test.ts`, wherever it lives.
          include: kubeFiles,
          exclude: [...exclusiveKubeFiles, '**/node_modules/**'],
          globalSetup: ['test/kube/src/vitest/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          maxWorkers: 2,
          sequence: { groupOrder: 2 },
        },
      },
      {
        test: {
          name: 'kube-exclusive',
          include: exclusiveKubeFiles,
          exclude: ['**/node_modules/**'],
          globalSetup: ['test/kube/src/vitest/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          maxWorkers: 1,
          sequence: { groupOrder: 3 },
        },
      },
    ],
  },
});
