/**
 * Runs a further process in a container: skiff-init joins every namespace and the cgroups of the
 * container's init, then carries out the same process plan the init had (rlimits, cwd, user,
 * capabilities, no_new_privs) and execs. Foreground: wait and return its exit code.
 */
import { liveStatus } from '../container/status';
import type { SavedState } from '../container/state-file';
import { namespacePlan, namespaceProcName } from '../container/namespaces';
import { subCgroupPlacement } from '../cgroups/placement';
import { joinCgroupRecords } from '../cgroups/join-records';
import { ShimChannel, withShim } from '../shim/channel';
import { consoleSocketRecords, initError, planAhead, record } from '../shim/records';
import { ownBoundingSet } from './capabilities';
import { userProcessRecords } from './process-plan';
import { writePidFile } from './pid-file';
import { forwardSignals, exitStatus } from './forward-signals';
import { listenerConnectRecords, seccompPlan } from '../seccomp/profile-records';

export interface ExecOptions {
  detach: boolean;
  consoleSocket?: string;
  /** exec --cgroup: sub-cgroups of the container's to run in. */
  subCgroups?: string[];
  pidFile?: string;
  preserveFds: number;
  ignorePaused: boolean;
  warn: (msg: string) => void;
}

async function checkState(dir: string, state: SavedState, ignorePaused: boolean): Promise<void> {
  const status = await liveStatus(dir, state);
  if (status === 'stopped') throw new Error('cannot exec in a stopped container');
  if (status === 'paused' && !ignorePaused) throw new Error('cannot exec in a paused container (use --ignore-paused to override)');
  if (status === 'creating') throw new Error('cannot exec in a container that is being created');
}

export function execProcess(dir: string, state: SavedState, proc: any, opts: ExecOptions): Promise<number> {
  return withShim({ preserveFds: opts.preserveFds }, (shim) => execWith(shim, dir, state, proc, opts));
}

async function execWith(shim: ShimChannel, dir: string, state: SavedState, proc: any, opts: ExecOptions): Promise<number> {
  await checkState(dir, state, opts.ignorePaused);
  if (proc.terminal && opts.detach && !opts.consoleSocket)
    throw new Error('cannot allocate tty if skiff will detach without setting console socket');
  if (!proc.terminal && opts.consoleSocket)
    throw new Error('cannot use console socket if skiff will not detach or allocate tty');
  // The init's namespaces, whether it made them or joined them, through its /proc entries.
  const namespaces = (state.config.linux?.namespaces ?? []).map((n: { type: string }) => ({
    type: n.type,
    path: `/proc/${state.pid}/ns/${namespaceProcName(n.type)}`,
  }));
  const ns = namespacePlan(namespaces, undefined, undefined, undefined);
  const seccomp = state.config.linux?.seccomp;
  // Checked before anything starts; built again with the pid once the process exists.
  seccompPlan(seccomp);

  const cgroupRecords = !state.cgroup ? [] : joinCgroupRecords(opts.subCgroups?.length ? subCgroupPlacement(state.cgroup, opts.subCgroups) : state.cgroup);
  // A terminal goes to the console socket, or (foreground) to skiff-init, which relays it.
  const consoleRecords = !proc.terminal ? [] : opts.consoleSocket ? consoleSocketRecords(opts.consoleSocket) : [record('console_pair')];
  const phase1 = [record('nodump'), ...cgroupRecords, ...consoleRecords, ...listenerConnectRecords(seccomp), ...ns.records];
  if (!opts.detach) phase1.push(record('stay', 0));
  phase1.push(record('end'));
  await shim.send(phase1);
  const containerState = { ociVersion: state.ociVersion, id: state.id, status: 'running', pid: state.pid, bundle: state.bundle, annotations: state.annotations ?? {} };
  const buildPlan = (pid: number) => userProcessRecords(proc, {
    preserveFds: opts.preserveFds, availableCaps: ownBoundingSet(), warn: opts.warn, withRlimits: true,
    seccomp: seccompPlan(seccomp, { pid, state: containerState }),
  });
  // Only a seccomp listener is told the process's pid: otherwise the plan is built while
  // skiff-init joins the container. If that fails, it is built again once the process is known.
  let plan = seccomp?.listenerPath ? undefined : planAhead(() => buildPlan(0));
  const first = await shim.next();
  if (first?.op === 'error') throw initError(first.args[0]);
  if (first?.op !== 'pid') throw new Error('skiff-init ended before the process started');
  const pid = Number(first.args[0]);
  plan ??= buildPlan(pid);
  const size = proc.consoleSize ?? {};
  const terminalRecords = proc.terminal ? [record('console', size.height ?? 0, size.width ?? 0, 0), record('setsid'), record('ctty')] : [];
  await shim.send([...terminalRecords, ...plan]);
  await shim.endInput();
  // The channel is close-on-exec: end of file means exec succeeded; a record is an error.
  const outcome = await shim.next();
  if (outcome?.op === 'error') {
    // The process exits once it has reported; in the foreground skiff-init reaps it and exits too.
    // Waited for, not killed: killed first, it would leave the process a zombie for pid 1.
    if (!opts.detach) await shim.exited;
    throw initError(outcome.args[0]);
  }
  if (opts.pidFile) writePidFile(opts.pidFile, pid);
  if (opts.detach) {
    // skiff-init exits now (it stays only in the foreground): reaped here, it is not left to the
    // caller's subreaper, or pid 1, as a zombie. The process goes there when it exits. Waited for
    // before close(), which unrefs it: unref'd, bun could exit first whenever the exit came late.
    await shim.exited;
    shim.close();
    return 0;
  }
  const stopForwarding = forwardSignals(pid);
  const exit = await shim.exited;
  stopForwarding();
  return exitStatus(exit);
}
