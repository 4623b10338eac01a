import * as fs from 'fs';
import * as path from 'path';
import { parseConfigFile } from '../spec/validate';
import { claimContainerDir } from './state-root';
import { SavedState, START_FIFO, START_REPLY_FIFO, writeState } from '../container/state-file';
import { isAlive, procStat } from '../container/proc-stat';
import { lockContainer } from '../container/lock';
import { namespacePlan } from '../container/namespaces';
import { checkSysctls } from '../container/sysctl';
import { checkUnsupported } from './unsupported';
import { activationEnv, activationFds } from '../process/socket-activation';
import { initPhase2, planNeedsPid, rootfsPath, hookState, InitPlanContext } from '../container/init-plan';
import { runHooks } from '../container/hooks';
import { destroyContainer } from '../container/destroy';
import { cgroupPathFor, createCgroups } from '../cgroups/placement';
import { joinCgroupRecords } from '../cgroups/join-records';
import { hostHierarchies } from '../cgroups/layout';
import { systemdUnitFor } from '../cgroups/systemd/unit';
import { applyLateResources, applyResources } from '../cgroups/resources';
import { ownBoundingSet } from '../process/capabilities';
import { ShimChannel, withShim } from '../shim/channel';
import { mountPointsUnder, sharesHostMountNamespace } from '../rootfs/host-mounts';
import { listenerConnectRecords } from '../seccomp/profile-records';
import { writePidFile } from '../process/pid-file';
import { consoleSocketRecords, initError, planAhead, record, PlanRecord } from '../shim/records';

export interface CreateOptions {
  root: string;
  id: string;
  bundle: string;
  pidFile?: string;
  noPivot: boolean;
  noNewKeyring?: boolean;
  consoleSocket?: string;
  /** --systemd-cgroup: the container is a transient systemd scope (cgroupsPath slice:prefix:name). */
  systemdCgroup?: boolean;
  preserveFds: number;
  /** Foreground run: skiff-init stays as the init's parent and exits with its status. */
  stay?: { subreaper: boolean };
  /** run: the container stays locked after create, for the start that follows (CreatedContainer.unlock). */
  keepLocked?: boolean;
  warn: (msg: string) => void;
}

export interface CreatedContainer {
  dir: string;
  state: SavedState;
  shim: ShimChannel;
  /** With keepLocked: releases the container's lock. */
  unlock: () => void;
}

/** The create operation: bundle → a container in `created`, or an error and nothing left behind. */
export function createContainer(opts: CreateOptions): Promise<CreatedContainer> {
  // skiff-init starts before the config is even read. Socket-activation fds come first, then the
  // caller's --preserve-fds.
  const listenFds = activationFds();
  const preserveFds = listenFds + opts.preserveFds;
  return withShim({ preserveFds }, (shim) => createWith(shim, listenFds, preserveFds, opts));
}

async function createWith(shim: ShimChannel, listenFds: number, preserveFds: number, opts: CreateOptions): Promise<CreatedContainer> {
  const bundle = path.resolve(opts.bundle);
  const config = parseConfigFile(path.join(bundle, 'config.json'));
  const rootfs = rootfsPath(bundle, config);
  if (!fs.statSync(rootfs, { throwIfNoEntry: false })?.isDirectory())
    throw new Error(`root.path: ${rootfs} is not a directory`);
  if (listenFds && config.process) config.process.env = [...(config.process.env ?? []), ...activationEnv(listenFds)];
  const terminal = config.process?.terminal === true;
  checkTerminal(terminal, opts);
  checkLsm(config, opts.warn);
  checkUnsupported(config);
  const linux = config.linux ?? {};
  const unit = opts.systemdCgroup ? systemdUnitFor(linux.cgroupsPath, opts.id) : undefined;
  const ns = namespacePlan(linux.namespaces ?? [], linux.uidMappings, linux.gidMappings, linux.timeOffsets);
  checkSysctls(linux.sysctl, ns);

  const dir = claimContainerDir(opts.root, opts.id);
  const unlock = lockContainer(dir);
  const state: SavedState = {
    ociVersion: '1.3.0',
    id: opts.id,
    pid: 0,
    pidStartTime: 0,
    bundle,
    rootfs,
    created: new Date().toISOString(),
    owner: '',
    annotations: config.annotations,
    phase: 'creating',
    config,
  };
  if (sharesHostMountNamespace(config)) state.hostMountsBefore = mountPointsUnder(rootfs);
  let phase1Sent = false;
  try {
    writeState(dir, state);
    const hierarchies = hostHierarchies();
    const cgroupPath = unit ? unit.cgroupPath : cgroupPathFor(linux.cgroupsPath, opts.id);
    if (unit) {
      // Recorded before the scope exists, so that a failure from here on stops it. Directories and
      // limits come after the scope: starting it prunes the cgroups of the controllers systemd
      // does not manage for it, and writes systemd's own defaults.
      state.cgroup = { path: cgroupPath, dirs: {}, created: [], systemdUnit: unit.name };
      writeState(dir, state);
      const { startScope } = await import('../cgroups/systemd/scope');
      await startScope(unit, shim.child.pid!, opts.id, linux.resources, hierarchies);
    }
    // The cgroups and their limits come first: skiff-init clones the init into them, and it is in
    // them from its first instruction (cgroups/join-records.ts). They are recorded with the pid.
    state.cgroup = createCgroups(cgroupPath, hierarchies);
    if (unit) state.cgroup.systemdUnit = unit.name;
    const { deviceProgram } = applyResources(state.cgroup, linux.resources, linux.devices, opts.warn);
    // An eBPF device program is attached by skiff-init before it joins any namespace.
    const deviceRecords = deviceProgram && state.cgroup.dirs.unified ? [record('bpf_devices', state.cgroup.dirs.unified, deviceProgram.toString('hex'))] : [];
    // The start FIFOs are made first, by the shim with the host's view and credentials: the
    // init may be in a user namespace whose root cannot write to the state directory.
    // A terminal goes to the console socket, or in a foreground run to skiff-init, which relays it.
    const consoleRecords = !terminal ? [] : opts.consoleSocket ? consoleSocketRecords(opts.consoleSocket) : [record('console_pair')];
    const phase1 = [record('listen', dir, START_FIFO, START_REPLY_FIFO), ...joinCgroupRecords(state.cgroup), ...consoleRecords,
      ...listenerConnectRecords(linux.seccomp), ...deviceRecords, ...ns.records];
    if (opts.stay) phase1.push(record('stay', opts.stay.subreaper ? 1 : 0));
    phase1.push(record('end'));
    await shim.send(phase1);
    phase1Sent = true;
    const ctx: InitPlanContext = {
      id: opts.id, bundle, rootfs, stateDir: dir, config, ns, cgroup: state.cgroup, hierarchies,
      noPivot: opts.noPivot, terminal, noNewKeyring: opts.noNewKeyring, preserveFds, hostPid: 0,
      availableCaps: ownBoundingSet(), warn: opts.warn,
    };
    const mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8');
    // A plan that does not carry the init's pid is built while skiff-init makes the init, and its
    // first piece sent at once: the init reads it as soon as it exists. If building fails, it is
    // built again below, so that the error is handled once the init is known.
    const plan = planNeedsPid(config) ? undefined : planAhead(() => initPhase2(ctx, mountinfo));
    const sentAhead = plan ? pieceEnd(plan, 0) : 0;
    if (plan) await shim.send(plan.slice(0, sentAhead));
    const pidRecord = await expect(shim, 'pid');
    state.pid = Number(pidRecord.args[0]);
    ctx.hostPid = state.pid;
    applyLateResources(state.cgroup, linux.resources);
    // The cgroups are recorded with the pid, while the init goes on: one write fewer is ~0.2 ms off
    // every create. (A create killed before this write leaves its cgroups unrecorded, as its pid.)
    const recordInit = () => {
      state.pidStartTime = procStat(state.pid)?.startTime ?? 0;
      writeState(dir, state);
    };
    await drive(shim, plan ?? initPhase2(ctx, mountinfo), sentAhead, recordInit, async (name) => {
      if (name !== 'createRuntime') throw new Error(`unexpected sync ${name}`);
      const hookSt = hookState(ctx, 'creating', false);
      await runHooks('prestart', config.hooks?.prestart, hookSt);
      await runHooks('createRuntime', config.hooks?.createRuntime, hookSt);
    });
    state.phase = 'created';
    writeState(dir, state);
    if (opts.pidFile) writePidFile(opts.pidFile, state.pid);
    await shim.endInput();
    // skiff-init's first process is done once it has reported the init's pid; reap it here, or it
    // would be left to the caller as a zombie (one the container's pids cgroup counts, if it joined it).
    if (!opts.stay) await shim.exited;
    if (!opts.keepLocked) unlock();
    return { dir, state, shim, unlock: opts.keepLocked ? unlock : () => undefined };
  } catch (e) {
    // An init skiff-init made is killed by destroy, which needs its pid.
    if (phase1Sent && !state.pid) state.pid = await reportedPid(shim);
    if (state.pid && !state.pidStartTime) state.pidStartTime = procStat(state.pid)?.startTime ?? 0;
    // Destroyed first: a skiff-init that stays with the init reaps it once destroy kills it, and
    // exits; withShim stops skiff-init after. Killed before that, it would leave the init a zombie.
    await destroyContainer(dir, state, { runPoststop: isHookFailure(e), warn: opts.warn });
    if (opts.stay && state.pid && !isAlive(state.pid, state.pidStartTime)) await shim.exited;
    throw e;
  }
}

/** A terminal needs somewhere to go: a console socket, or a foreground run that proxies it. */
function checkTerminal(terminal: boolean, opts: CreateOptions): void {
  if (terminal && !opts.consoleSocket && !opts.stay)
    throw new Error('cannot allocate tty if skiff will detach without setting console socket');
  if (!terminal && opts.consoleSocket)
    throw new Error('cannot use console socket if skiff will not detach or allocate tty');
}

/** No LSM is applied yet: refuse an AppArmor profile as runc does on a host without AppArmor. */
function checkLsm(config: any, warn: (msg: string) => void): void {
  if (config.process?.apparmorProfile) {
    let enabled = '';
    try {
      enabled = fs.readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim();
    } catch {
      // no AppArmor module
    }
    throw new Error(enabled === 'Y'
      ? 'process.apparmorProfile: AppArmor profiles are not supported by skiff yet'
      : 'apparmor: config provided but apparmor not supported');
  }
  if (config.process?.selinuxLabel || config.linux?.mountLabel)
    warn('SELinux labels are ignored: SELinux is not supported by skiff');
}

function isHookFailure(e: unknown): boolean {
  return e instanceof Error && /^(unable to start container process: )?error running (prestart|createRuntime|createContainer) hook/.test(e.message);
}

/** The init's pid, once skiff-init reports it; 0 if it reports an error or ends instead. */
async function reportedPid(shim: ShimChannel): Promise<number> {
  const r = await shim.next();
  return r?.op === 'pid' ? Number(r.args[0]) : 0;
}

async function expect(shim: ShimChannel, op: string) {
  const r = await shim.next();
  if (r?.op === op) return r;
  if (r?.op === 'error') throw initError(r.args[0]);
  throw new Error(`skiff-init ended before ${op}${await exitNote(shim)}`);
}

async function exitNote(shim: ShimChannel): Promise<string> {
  const { code, signal } = await shim.exited;
  return signal ? ` (killed by ${signal})` : code ? ` (exit status ${code})` : '';
}

/** Where the piece of the plan that starts at `start` ends: after its first `sync`, or at the end. */
function pieceEnd(plan: PlanRecord[], start: number): number {
  const sync = plan.findIndex((r, i) => i >= start && r.op === 'sync');
  return sync < 0 ? plan.length : sync + 1;
}

/**
 * Sends the plan in pieces (but for its first `sentAhead` records, sent already): at each `sync`
 * skiff-init waits while we run the runtime hooks. `meanwhile` runs once, after the first piece is
 * sent, while skiff-init carries it out.
 */
async function drive(shim: ShimChannel, plan: PlanRecord[], sentAhead: number, meanwhile: () => void, onSync: (name: string) => Promise<void>) {
  let start = 0;
  while (start < plan.length) {
    const end = pieceEnd(plan, start);
    if (end > sentAhead) await shim.send(plan.slice(Math.max(start, sentAhead), end));
    if (start === 0) meanwhile();
    start = end;
    const r = await shim.next();
    if (r?.op === 'error') throw initError(translateInitError(r.args[0]));
    if (r?.op === 'sync') {
      try {
        await onSync(r.args[0]);
      } catch (e: any) {
        await shim.send([record('abort', e.message)]);
        throw e;
      }
      continue;
    }
    if (r?.op === 'ready' && start >= plan.length) return;
    if (r === null) throw new Error(`container init ended during create${await exitNote(shim)}`);
    throw new Error(`unexpected message from skiff-init: ${r.op}`);
  }
}

/** createContainer hooks run inside the init; give their failures the runtime-hook wording. */
function translateInitError(msg: string): string {
  return msg.startsWith('hook ') ? `error running createContainer hook: ${msg.slice(5)}` : msg;
}
