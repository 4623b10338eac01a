import * as path from 'path';
import { record, PlanRecord } from '../shim/records';
import { mountRecords, containerPath, propagationRecords } from '../rootfs/mounts';
import { DEFAULT_DEVICES, deviceRecords, devLinkRecords } from '../rootfs/devices';
import { MS } from '../rootfs/mount-flags';
import { rlimitRecord } from '../process/rlimits';
import { userProcessRecords, searchPathOf } from '../process/process-plan';
import { seccompPlan } from '../seccomp/profile-records';
import { CLONE_NEWCGROUP, NamespacePlan } from './namespaces';
import type { CgroupPlacement } from '../cgroups/placement';
import type { Hierarchy } from '../cgroups/layout';

export interface InitPlanContext {
  id: string;
  bundle: string;
  rootfs: string;
  stateDir: string;
  config: any;
  ns: NamespacePlan;
  cgroup?: CgroupPlacement;
  hierarchies: Hierarchy[];
  noPivot: boolean;
  /** process.terminal with --console-socket: the pty is made after the root is in place. */
  terminal?: boolean;
  /** --no-new-keyring: keep the caller's session keyring. */
  noNewKeyring?: boolean;
  preserveFds: number;
  /** The container init's pid as the host sees it. */
  hostPid: number;
  availableCaps: bigint;
  warn: (msg: string) => void;
}

const PROPAGATION: Record<string, number> = {
  shared: MS.SHARED | MS.REC, slave: MS.SLAVE | MS.REC, private: MS.PRIVATE | MS.REC, unbindable: MS.UNBINDABLE | MS.REC,
};

/** The state given to hooks; the pid is the one the hook's namespace sees. */
export function hookState(ctx: InitPlanContext, status: string, inContainer: boolean): object {
  const pid = inContainer && ctx.ns.created.has('pid') ? 1 : ctx.hostPid;
  return { ociVersion: '1.3.0', id: ctx.id, status, pid, bundle: ctx.bundle, annotations: ctx.config.annotations ?? {} };
}

/** Whether the plan holds the init's pid: in the state for createContainer and startContainer hooks or a seccomp listener. */
export function planNeedsPid(config: any): boolean {
  const hooks = config.hooks ?? {};
  return Boolean(hooks.createContainer?.length || hooks.startContainer?.length || config.linux?.seccomp?.listenerPath);
}

function hookRecords(hooks: any[] | undefined, state: object): PlanRecord[] {
  return (hooks ?? []).map((h) => {
    const args: string[] = h.args ?? [h.path];
    return record('hook', h.path, h.timeout ?? 0, JSON.stringify(state), args.length, ...args, ...(h.env ?? []));
  });
}

/** Where the root filesystem's parent mount is: pivot_root needs it not to be shared. */
function parentMountPoint(rootfs: string, mountinfo: string): string {
  let best = '/';
  for (const line of mountinfo.split('\n')) {
    const mp = line.split(' ')[4];
    if (!mp) continue;
    const inside = mp === '/' || rootfs.startsWith(mp + '/');
    if (inside && mp.length > best.length && mp !== rootfs) best = mp;
  }
  return best;
}

/**
 * Phase 2: everything the container init does, in order. Records up to each `sync` are sent, then
 * skiff runs the runtime-namespace hooks and sends the rest.
 */
export function initPhase2(ctx: InitPlanContext, mountinfo: string): PlanRecord[] {
  const { config, ns } = ctx;
  const linux = config.linux ?? {};
  const proc = config.process;
  const out: PlanRecord[] = [];
  const userns = ns.created.has('user');
  // The init is in its cgroups from its start (cgroups/join-records.ts), so a cgroup namespace of its
  // own, rooted where the init is when it makes it, comes first.
  if (ns.created.has('cgroup')) out.push(record('unshare', CLONE_NEWCGROUP));

  // Without a mount namespace of its own the container shares the host's (the spec: inherit it).
  // Its mounts then appear on the host, under the rootfs; delete unmounts them (see destroy.ts).
  const hostMountNs = !ns.created.has('mount') && !ns.joined.has('mount');
  const privateUts = ns.created.has('uts') || ns.joined.has('uts');
  if (config.hostname && !privateUts) throw new Error('unable to set hostname without a private UTS namespace');
  if (config.domainname && !privateUts) throw new Error('unable to set domainname without a private UTS namespace');
  if (userns) out.push(record('become_root'));

  // Root filesystem: a mount point of its own, not propagating back to the host.
  const propagation = linux.rootfsPropagation ? PROPAGATION[linux.rootfsPropagation] : undefined;
  if (linux.rootfsPropagation && propagation === undefined)
    throw new Error(`linux.rootfsPropagation: unknown value "${linux.rootfsPropagation}"`);
  // An unbindable tree cannot be bind-mounted: make it unbindable only once the root is in place.
  const initial = propagation === undefined || propagation & MS.UNBINDABLE ? MS.SLAVE | MS.REC : propagation;
  if (!hostMountNs) out.push(record('mount_host', '', '/', '', initial, ''));
  if (!hostMountNs && propagation !== undefined && propagation & MS.SHARED)
    out.push(record('mount_host', '', parentMountPoint(ctx.rootfs, mountinfo), '', MS.PRIVATE, ''));
  out.push(record('mount_host', ctx.rootfs, ctx.rootfs, '', MS.BIND | MS.REC, ''));
  out.push(record('rootfs', ctx.rootfs));

  const mounts: any[] = config.mounts ?? [];
  const mountCtx = { bundle: ctx.bundle, cgroup: ctx.cgroup, hierarchies: ctx.hierarchies };
  for (const m of mounts) out.push(...mountRecords(m, mountCtx));

  const dests = new Map(mounts.map((m) => [containerPath(m.destination), m]));
  const devIsHostBind = (dests.get('/dev')?.options ?? []).some((o: string) => o === 'bind' || o === 'rbind');
  if (!devIsHostBind) {
    const devices = [...DEFAULT_DEVICES.filter((d) => !(linux.devices ?? []).some((c: any) => c.path === d.path)), ...(linux.devices ?? [])];
    out.push(...deviceRecords(devices, userns));
    out.push(...devLinkRecords(dests.get('/proc')?.type === 'proc', dests.has('/dev/pts')));
  } else out.push(...deviceRecords(linux.devices ?? [], userns));

  const hooks = config.hooks ?? {};
  if (hooks.prestart?.length || hooks.createRuntime?.length) out.push(record('sync', 'createRuntime'));
  out.push(...hookRecords(hooks.createContainer, hookState(ctx, 'creating', true)));

  for (const [key, value] of Object.entries(linux.sysctl ?? {}))
    out.push(record('write', `/proc/sys/${key.replace(/\./g, '/')}`, String(value)));
  if (config.hostname) out.push(record('sethostname', config.hostname));
  if (config.domainname) out.push(record('setdomainname', config.domainname));
  for (const p of linux.maskedPaths ?? []) out.push(record('mask', p));
  for (const p of linux.readonlyPaths ?? []) out.push(record('readonly', p));
  if (proc?.oomScoreAdj !== undefined) out.push(record('write', '/proc/self/oom_score_adj', String(proc.oomScoreAdj)));
  if (config.root?.readonly) out.push(record('remount', '/', MS.RDONLY));

  if (!ctx.noNewKeyring) out.push(record('keyring', `_ses.${ctx.id}`));
  // pivot_root would swap the host's root: in the host's mount namespace only chroot will do.
  if (hostMountNs) out.push(record('chroot', 0));
  else out.push(ctx.noPivot ? record('chroot', 1) : record('pivot_root'));
  if (propagation !== undefined && !hostMountNs) out.push(record('mount_host', '', '/', '', propagation, ''));
  if (!hostMountNs) for (const m of mounts) out.push(...propagationRecords(m));
  if (ctx.terminal) out.push(record('console', proc?.consoleSize?.height ?? 0, proc?.consoleSize?.width ?? 0, 1));
  out.push(record('setsid'));
  if (ctx.terminal) out.push(record('ctty'));
  for (const rl of proc?.rlimits ?? []) out.push(rlimitRecord(rl));

  const pathVar = searchPathOf(proc?.env);
  // Built now, while create still hears what skiff-init reports; loaded just before exec.
  const seccomp = seccompPlan(linux.seccomp, { pid: ctx.hostPid, state: hookState(ctx, 'creating', false) });
  if (proc && seccomp) out.push(...seccomp.build);
  if (proc) out.push(record('check_exec', proc.args[0], pathVar));
  out.push(record('ready'));
  out.push(record('await_start'));

  // From here on the records run when `skiff start` is called.
  if (!proc) {
    out.push(record('abort', 'process is not set in config.json'));
    return out;
  }
  out.push(...hookRecords(hooks.startContainer, hookState(ctx, 'created', true)));
  out.push(...userProcessRecords(proc, {
    preserveFds: ctx.preserveFds, availableCaps: ctx.availableCaps, warn: ctx.warn, seccomp, seccompBuilt: true,
  }));
  return out;
}

export function rootfsPath(bundle: string, config: any): string {
  return path.resolve(bundle, config.root?.path ?? 'rootfs');
}
