import * as fs from 'fs';
import * as path from 'path';
import { record, PlanRecord } from '../shim/records';
import { MS } from './mount-flags';
import { parseMountOptions } from './mount-options';
import type { CgroupPlacement } from '../cgroups/placement';
import type { Hierarchy } from '../cgroups/layout';

export interface MountSpec {
  destination: string;
  source?: string;
  type?: string;
  options?: string[];
}

export interface MountContext {
  bundle: string;
  cgroup?: CgroupPlacement;
  hierarchies: Hierarchy[];
}

/** Container paths are absolute; the spec still allows (deprecated) relative ones, meaning from "/". */
export function containerPath(p: string): string {
  return path.posix.resolve('/', p);
}

/** The records that make one mount of config.json, target resolved inside the root filesystem. */
export function mountRecords(m: MountSpec, ctx: MountContext): PlanRecord[] {
  const dest = containerPath(m.destination);
  const opts = parseMountOptions(m.options);
  if (opts.idmap !== 'none') throw new Error(`mounts: ${dest}: idmapped mounts are not supported yet`);
  if (opts.tmpcopyup && m.type !== 'tmpfs') throw new Error(`mounts: ${dest}: tmpcopyup applies to tmpfs mounts only`);
  if (m.type === 'cgroup' || m.type === 'cgroup2') return cgroupMountRecords(dest, opts.flags, ctx);

  const out: PlanRecord[] = [];
  let source = m.source ?? '';
  if (opts.bind) {
    source = path.resolve(ctx.bundle, source);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(source);
    } catch (e: any) {
      throw new Error(`mounts: ${dest}: bind source ${source}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`);
    }
    out.push(stat.isDirectory() ? record('mkdir', dest, 0o755) : record('mkfile', dest, 0o644));
    out.push(record('mount', source, dest, '', opts.flags & (MS.BIND | MS.REC), ''));
    // A bind mount ignores other flags; they take a remount.
    const rest = opts.flags & ~(MS.BIND | MS.REC | MS.REMOUNT);
    if (rest) out.push(record('remount', dest, rest));
  } else {
    out.push(record('mkdir', dest, 0o755));
    if (opts.tmpcopyup) out.push(record('copyup_open', dest));
    out.push(record('mount', source, dest, m.type ?? '', opts.flags, opts.data.join(',')));
    if (opts.tmpcopyup) out.push(record('copyup', dest));
  }
  out.push(...propagationRecords(m));
  if (opts.recursive.set || opts.recursive.clear) out.push(record('setattr', dest, opts.recursive.set, opts.recursive.clear, 0, 1));
  return out;
}

/**
 * A cgroup filesystem for the container: the container's own cgroup directory of every host
 * hierarchy, bound under a tmpfs (v1 and hybrid hosts) or directly (cgroup v2 hosts).
 */
function cgroupMountRecords(dest: string, flags: number, ctx: MountContext): PlanRecord[] {
  const cg = ctx.cgroup;
  if (!cg) return [];
  const keep = flags & (MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC);
  const bind = (from: string, to: string) => [
    record('mkdir', to, 0o755),
    record('mount', from, to, '', MS.BIND | MS.REC, ''),
    record('remount', to, keep | MS.NOSUID | MS.NODEV | MS.NOEXEC),
  ];
  const onlyV2 = ctx.hierarchies.every((h) => h.version === 2);
  if (onlyV2) return bind(cg.dirs.unified, dest);
  const out: PlanRecord[] = [
    record('mkdir', dest, 0o755),
    record('mount', 'tmpfs', dest, 'tmpfs', MS.NOSUID | MS.NODEV | MS.NOEXEC, 'mode=755'),
  ];
  for (const h of ctx.hierarchies) {
    const key = h.version === 2 ? 'unified' : h.controllers.join(',');
    const name = h.version === 2 ? 'unified' : path.basename(h.mountPoint);
    if (cg.dirs[key]) out.push(...bind(cg.dirs[key], path.posix.join(dest, name)));
  }
  if (flags & MS.RDONLY) out.push(record('remount', dest, keep | MS.NOSUID | MS.NODEV | MS.NOEXEC));
  return out;
}

/**
 * A mount's own propagation (shared, slave, ...). Applied with the mount, and again once the root is
 * in place, because making the old root rslave on the way there also reaches the mounts below.
 */
export function propagationRecords(m: MountSpec): PlanRecord[] {
  if (m.type === 'cgroup' || m.type === 'cgroup2') return [];
  const dest = containerPath(m.destination);
  return parseMountOptions(m.options).propagation.map((p) => record('mount', '', dest, '', p, ''));
}
