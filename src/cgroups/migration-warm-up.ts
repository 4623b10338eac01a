import * as fs from 'fs';
import * as path from 'path';

/**
 * The kernel makes the first cgroup migration after a quiet spell wait for an RCU grace period
 * (the rcu_sync of its cgroup threadgroup lock): 5–10 ms on these VMs. Migrations that follow within
 * a grace period or so go through at once. create and exec each move one process into the
 * container's cgroup, so each paid that wait in full, at a moment when nothing else could go on.
 *
 * Writing skiff's own pid into the cgroup it is already in moves nothing, but takes the same lock.
 * Started on a worker thread as the operation begins, it lets the grace period pass beside the work
 * that comes before the container's own migration. Any failure only means the wait happens later.
 */
export function warmUpCgroupMigration(mountPoint: string, key: string): void {
  let own: string | undefined;
  try {
    own = ownCgroupPath(fs.readFileSync('/proc/self/cgroup', 'utf8'), key);
  } catch {
    return;
  }
  if (own === undefined) return;
  fs.writeFile(path.join(mountPoint, own, 'cgroup.procs'), String(process.pid), () => undefined);
}

/** The same, for an exec: the hierarchy is one of those the container's cgroup is in. */
export function warmUpCgroupMigrationFor(placement: { path: string; dirs: Record<string, string> }): void {
  const first = Object.entries(placement.dirs)[0];
  if (!first) return;
  const [key, dir] = first;
  const suffix = path.join('/', placement.path);
  if (dir.endsWith(suffix)) warmUpCgroupMigration(dir.slice(0, dir.length - suffix.length) || '/', key);
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
