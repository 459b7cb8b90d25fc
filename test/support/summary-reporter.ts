// Prints one plain closing line, `vitest: N passed, N failed, N skipped`, after the default
// reporter's summary. CI reads that line to know how many tests really ran (vitest's own summary
// is not a format it recognises), so a run that executes no test can never pass as green.
import type { Reporter, TestModule } from 'vitest/node';

/** Counts test cases by final state across every module of the run. */
export default class SummaryLineReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else skipped += 1;
      }
      // A module that failed to load has no test cases: count it as a failure, not as nothing.
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed += 1;
    }
    process.stdout.write(`vitest: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
