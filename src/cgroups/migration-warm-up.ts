import { fs, path } from '../sys/lazy-builtins';
import { hostHierarchies, Hierarchy, keyOf } from './layout';

/**
 * The kernel makes the first cgroup migration after a quiet spell wait for an RCU grace period
 * (the rcu_sync of its cgroup threadgroup lock): 4–15 ms on these VMs. Migrations that follow within
 * a grace period or so go through at once. create and exec each move one process into the
 * container's cgroup, so each paid that wait in full, at a moment when nothing else could go on.
 *
 * Writing skiff's own pid into the cgroup it is already in moves nothing, but takes the same lock.
 * Started on a worker thread as create, run or exec begins (cli/program.ts), it lets the grace period
 * pass beside the work that comes before the container's own migration (cgroup directories made
 * meanwhile wait for it too: the write holds the cgroup mutex). The fast path closes again about a
 * grace period after the last migration, so create touches it once more on the way (factory/create.ts).
 * A failure only means the wait comes later.
 */
export function warmUpCgroupMigration(): void {
  try {
    const procs = warmUpTarget(hostHierarchies(), fs.readFileSync('/proc/self/cgroup', 'utf8'));
    if (procs) fs.writeFile(procs, String(process.pid), () => undefined);
  } catch {
    // no cgroups here: nothing to wait for
  }
}

/**
 * The cgroup.procs file of skiff's own cgroup in the first hierarchy. /proc/self/cgroup gives paths
 * from the root of skiff's cgroup namespace: they name skiff's cgroup under a mount only if the
 * mount shows the hierarchy from that root. Elsewhere (a host's cgroupfs bind-mounted into a
 * container) the write could move skiff, so there is no target.
 */
export function warmUpTarget(hierarchies: Hierarchy[], procSelfCgroup: string): string | undefined {
  const first = hierarchies[0];
  if (!first || (first.mountRoot ?? '/') !== '/') return undefined;
  const own = ownCgroupPath(procSelfCgroup, keyOf(first));
  return own === undefined ? undefined : path.join(first.mountPoint, own, 'cgroup.procs');
}

/**
 * This process's cgroup in the hierarchy keyed `key` ("unified" or its v1 controllers, as
 * "cpu,cpuacct"), from /proc/self/cgroup lines of the form "ID:CONTROLLERS:PATH".
 */
export function ownCgroupPath(procSelfCgroup: string, key: string): string | undefined {
  const wanted = key === 'unified' ? '' : key.split(',').sort().join(',');
  for (const line of procSelfCgroup.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second).split(',').filter(Boolean).sort().join(',');
    if (controllers === wanted) return line.slice(second + 1);
  }
  return undefined;
}
