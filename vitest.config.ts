import { defineConfig } from 'vitest/config';

// Tiers (DESIGN.md §9). `unit` are fast tests next to the code. `process` start real OS processes
// (crash tests, multi-process brokers) or run long simulations (test/sim). Every test that needs the
// Kubernetes control plane is named `*.kube.test.ts` and runs in the `kube` project, whose global
// setup starts one control plane and process kubelet for the whole run (test/kube/README.md).
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
        },
      },
      {
        test: {
          name: 'process',
          include: ['test/process/**/*.test.ts', 'test/sim/**/*.test.ts'],
          exclude: ['**/*.kube.test.ts', '**/node_modules/**'],
          testTimeout: 180_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'kube',
          // Any test that needs the Kubernetes API is named `*.kube.test.ts`, wherever it lives.
          include: ['test/kube/**/*.test.ts', 'test/**/*.kube.test.ts', 'packages/*/src/**/*.kube.test.ts'],
          // One control plane and process kubelet for the whole run (test/kube/README.md).
          globalSetup: ['test/kube/src/vitest/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
