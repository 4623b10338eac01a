/**
 * Freezing and thawing a container's cgroup: v1 freezer.state (FROZEN / THAWED, passing through
 * FREEZING) or v2 cgroup.freeze (1 / 0, done when cgroup.events says "frozen 1").
 */
import { path } from '../sys/lazy-builtins';
import type { CgroupPlacement } from './placement';
import { readCgroupFile, writeCgroupFile } from './files';

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms: number) => Atomics.wait(sleeper, 0, 0, ms);

function freezerFile(placement: CgroupPlacement): { dir: string; v2: boolean } {
  const file = placement.freezerState ?? (placement.dirs.unified ? path.join(placement.dirs.unified, 'cgroup.freeze') : undefined);
  if (!file) throw new Error('the container has no freezer cgroup');
  return { dir: path.dirname(file), v2: path.basename(file) === 'cgroup.freeze' };
}

/** True when the container's cgroup is frozen (or freezing). */
export function isFrozen(placement: CgroupPlacement): boolean {
  const { dir, v2 } = freezerFile(placement);
  if (v2) return readCgroupFile(dir, 'cgroup.freeze')?.trim() === '1';
  const state = readCgroupFile(dir, 'freezer.state')?.trim();
  return state === 'FROZEN' || state === 'FREEZING';
}

function v2Frozen(dir: string): boolean {
  return /^frozen 1$/m.test(readCgroupFile(dir, 'cgroup.events') ?? '');
}

/** Freezes every process of the container; throws (after thawing again) if it does not settle. */
export function freeze(placement: CgroupPlacement, timeoutMs = 10000): void {
  const { dir, v2 } = freezerFile(placement);
  const deadline = Date.now() + timeoutMs;
  if (v2) {
    writeCgroupFile(dir, 'cgroup.freeze', '1');
    while (!v2Frozen(dir)) {
      if (Date.now() > deadline) {
        thaw(placement);
        throw new Error(`unable to freeze the container: ${path.join(dir, 'cgroup.events')} does not report frozen`);
      }
      sleep(1);
    }
    return;
  }
  for (let i = 0; ; i++) {
    // Writing FROZEN again nudges a freeze that raced with forks.
    if (i % 50 === 0) writeCgroupFile(dir, 'freezer.state', 'FROZEN');
    const state = readCgroupFile(dir, 'freezer.state')?.trim();
    if (state === 'FROZEN') return;
    if (Date.now() > deadline) {
      thaw(placement);
      throw new Error(`unable to freeze the container: ${path.join(dir, 'freezer.state')} stays ${state}`);
    }
    sleep(1);
  }
}

export function thaw(placement: CgroupPlacement, timeoutMs = 10000): void {
  const { dir, v2 } = freezerFile(placement);
  const deadline = Date.now() + timeoutMs;
  if (v2) {
    writeCgroupFile(dir, 'cgroup.freeze', '0');
    while (v2Frozen(dir)) {
      if (Date.now() > deadline) throw new Error('unable to thaw the container');
      sleep(1);
    }
    return;
  }
  writeCgroupFile(dir, 'freezer.state', 'THAWED');
  while (readCgroupFile(dir, 'freezer.state')?.trim() !== 'THAWED') {
    if (Date.now() > deadline) throw new Error('unable to thaw the container');
    sleep(1);
  }
}

/**
 * For killing a container: frozen tasks do not die until thawed, so after SIGKILL is sent, thaw
 * the cgroup if it is frozen (the pending SIGKILL then ends them). Never throws.
 */
export function thawQuietly(placement: CgroupPlacement): void {
  try {
    const { dir, v2 } = freezerFile(placement);
    if (v2) {
      if (readCgroupFile(dir, 'cgroup.freeze')?.trim() === '1') writeCgroupFile(dir, 'cgroup.freeze', '0');
    } else if (readCgroupFile(dir, 'freezer.state')?.trim() !== 'THAWED') {
      writeCgroupFile(dir, 'freezer.state', 'THAWED');
    }
  } catch {
    // no freezer, or the cgroup is gone
  }
}
