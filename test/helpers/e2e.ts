/**
 * The frame every end-to-end test file uses:
 *
 *   const e2e = useE2E();
 *   it('echoes', () => {
 *     const rt = e2e.runtime();
 *     const result = rt.run(uniqueName('echo'), makeBundle({ args: ['echo', 'hi'] }));
 *     expect(result.stdout).toBe('hi\n');
 *   });
 *
 * It opens a cleanup scope per test (containers, processes, cgroups, mounts and
 * temp dirs are removed after each test, also when it fails) and, once the
 * file is done, checks that nothing named by this run is left on the host.
 */
import { CleanupTracker, defaultCleanup } from './cleanup';
import { isReferenceRuntime, runtimeFlavor } from './host';
import { leftoversOfRun } from './leftovers';
import { defaultRuntimeBinary, RuntimeOptions, RuntimeUnderTest } from './runtime';

export interface E2E {
  /** The binary under test ($SKIFF_BIN or bin/skiff). */
  readonly binary: string;
  /** True when the binary is runc or crun (used while skiff is being written). */
  readonly reference: boolean;
  readonly cleanup: CleanupTracker;
  /** A runtime driver with a fresh state root, cleaned up with the current test. */
  runtime(options?: RuntimeOptions): RuntimeUnderTest;
}

export function useE2E(tracker: CleanupTracker = defaultCleanup): E2E {
  const binary = defaultRuntimeBinary();
  beforeEach(() => tracker.enterScope());
  afterEach(() => tracker.teardown());
  afterAll(async () => {
    await tracker.teardownAll();
    const left = leftoversOfRun();
    if (left.length > 0) throw new Error(`left behind on the host after this file:\n  ${left.join('\n  ')}`);
  });
  return {
    binary,
    reference: isReferenceRuntime(binary),
    cleanup: tracker,
    runtime: (options: RuntimeOptions = {}) => new RuntimeUnderTest(binary, { cleanup: tracker, ...options }),
  };
}

/**
 * For behaviour where skiff deliberately follows the spec and runc does not:
 * the test runs against skiff (and any other runtime) and is skipped on runc/crun.
 * The test name says so: "[spec, not runc] ...".
 */
export function itSpecNotRunc(name: string, fn: jest.ProvidesCallback, timeout?: number): void {
  const binary = defaultRuntimeBinary();
  const runner = isReferenceRuntime(binary) ? it.skip : it;
  runner(`[spec, not ${runtimeFlavor(binary) === 'crun' ? 'crun' : 'runc'}] ${name}`, fn, timeout);
}

/** Runs the test only when `condition` holds; otherwise it is reported as skipped with the reason in its name. */
export function itIf(condition: boolean, reason: string, name: string, fn: jest.ProvidesCallback, timeout?: number): void {
  if (condition) it(name, fn, timeout);
  else it.skip(`${name} (skipped: ${reason})`, fn, timeout);
}
