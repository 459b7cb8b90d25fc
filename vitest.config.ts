import { defineConfig } from 'vitest/config';

// Tiers (DESIGN.md §9). `unit` are fast tests next to the code. `process` start real OS processes
// (crash tests, multi-process brokers). Tiers that need the Kubernetes control plane live in their
// own project with a global setup (test/kube).
export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    // A run that finds no test is a failure (vitest's default), never a silent pass.
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'process',
          include: ['test/process/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'kube',
          include: ['test/kube/**/*.test.ts'],
          // One control plane and process kubelet for the whole run (test/kube/README.md).
          globalSetup: ['test/kube/src/vitest/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
