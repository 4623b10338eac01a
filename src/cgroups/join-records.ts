import * as path from 'path';
import { record, PlanRecord } from '../shim/records';
import type { CgroupPlacement } from './placement';

/**
 * skiff-init's records that put the process it clones into the placement's cgroups: cloned into the
 * v2 one, moving itself into each v1 one (native/main.c). Writing its pid to cgroup.procs from here
 * would make the kernel wait for an RCU grace period first (4-15 ms on these VMs) whenever no other
 * migration went just before: a process moving only itself, or born in its cgroup, does not wait.
 */
export function joinCgroupRecords(placement: CgroupPlacement): PlanRecord[] {
  return Object.entries(placement.dirs).map(([key, dir]) =>
    key === 'unified' ? record('cgroup_into', dir) : record('cgroup_tasks', path.join(dir, 'tasks')));
}
