import { fs } from '../sys/lazy-builtins';
import { isAlive } from './proc-stat';
import type { SavedState } from './state-file';
import { runPoststopHooks } from './hooks';
import { cgroupPids, removeCgroups } from '../cgroups/placement';
import { thawQuietly } from '../cgroups/freezer';
import { sharesHostMountNamespace, unmountUnder } from '../rootfs/host-mounts';

export interface DestroyOptions {
  runPoststop: boolean;
  warn: (msg: string) => void;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Polls until cond() holds or the time is up; returns whether it held. */
export function waitFor(cond: () => boolean, timeoutMs: number): boolean {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    Atomics.wait(sleeper, 0, 0, 2);
  }
  return true;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Kills the init and every process left in the container's cgroup, and waits until they are gone. */
export function killEverything(state: SavedState): void {
  if (isAlive(state.pid, state.pidStartTime)) killQuietly(state.pid);
  const cg = state.cgroup;
  // Frozen processes do not die until thawed.
  if (cg) thawQuietly(cg);
  if (cg) {
    waitFor(() => {
      const pids = cgroupPids(cg);
      pids.forEach(killQuietly);
      return pids.length === 0;
    }, 10000);
  }
  waitFor(() => !isAlive(state.pid, state.pidStartTime), 10000);
}

/**
 * Undoes create (lifecycle step 12): processes, cgroups, the state directory; then the poststop
 * hooks, whose failures are only warnings (step 13).
 */
export async function destroyContainer(dir: string, state: SavedState, opts: DestroyOptions): Promise<void> {
  killEverything(state);
  if (state.cgroup?.systemdUnit) {
    const { stopScope } = await import('../cgroups/systemd/scope');
    await stopScope(state.cgroup.systemdUnit).catch((e) => opts.warn((e as Error).message));
  }
  if (state.cgroup) removeCgroups(state.cgroup);
  if (sharesHostMountNamespace(state.config)) unmountUnder(state.rootfs, state.hostMountsBefore ?? []);
  fs.rmSync(dir, { recursive: true, force: true });
  if (opts.runPoststop && state.config?.hooks?.poststop?.length) {
    const hookState = { ociVersion: state.ociVersion, id: state.id, status: 'stopped', bundle: state.bundle, annotations: state.annotations ?? {} };
    await runPoststopHooks(state.config.hooks.poststop, hookState, opts.warn);
  }
}
