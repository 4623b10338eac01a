/**
 * The cgroup hierarchies mounted on this host and where the current process sits
 * in each. On a hybrid host there is one v1 hierarchy per controller under
 * /sys/fs/cgroup/<ctrl> plus the v2 tree at /sys/fs/cgroup/unified.
 */
import * as fs from 'fs';
import * as path from 'path';
import { MountEntry, readMountInfo } from './mountinfo';

export interface CgroupHierarchy {
  mountPoint: string;
  version: 1 | 2;
  /** v1: controllers bound to the hierarchy (and "name=..." for named ones); v2: enabled controllers. */
  controllers: string[];
  /** Cgroup of this process in the hierarchy, relative to the mount (e.g. "/" or "/process_api/abc"). */
  ownPath: string;
}

/** Parses /proc/<pid>/cgroup into "controller list" -> path ("" is the v2 entry). */
export function readProcessCgroups(pid: number | 'self' = 'self'): Map<string, string> {
  const result = new Map<string, string>();
  for (const line of fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (match) result.set(match[2], match[3]);
  }
  return result;
}

function ownPathForV1(mount: MountEntry, own: Map<string, string>): string {
  for (const [controllers, cgPath] of own) {
    if (controllers === '') continue;
    if (controllers.split(',').some((c) => mount.superOptions.includes(c))) return cgPath;
  }
  return '/';
}

function v2Controllers(mountPoint: string): string[] {
  try {
    return fs.readFileSync(path.join(mountPoint, 'cgroup.controllers'), 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

export function listCgroupHierarchies(): CgroupHierarchy[] {
  const own = readProcessCgroups();
  const seen = new Set<string>();
  const hierarchies: CgroupHierarchy[] = [];
  for (const mount of readMountInfo()) {
    if (mount.fsType !== 'cgroup' && mount.fsType !== 'cgroup2') continue;
    if (seen.has(mount.mountPoint)) continue;
    seen.add(mount.mountPoint);
    if (mount.fsType === 'cgroup2') {
      hierarchies.push({ mountPoint: mount.mountPoint, version: 2, controllers: v2Controllers(mount.mountPoint), ownPath: own.get('') ?? '/' });
    } else {
      const known = new Set(['rw', 'ro', 'relatime', 'noatime', 'nosuid', 'nodev', 'noexec', 'xattr', 'clone_children', 'noprefix']);
      const controllers = mount.superOptions.filter((o) => !known.has(o) && !o.startsWith('release_agent='));
      hierarchies.push({ mountPoint: mount.mountPoint, version: 1, controllers, ownPath: ownPathForV1(mount, own) });
    }
  }
  return hierarchies;
}

/**
 * Directories that a cgroupsPath (absolute or relative) may have produced in a
 * hierarchy: runtimes put relative paths below their own cgroup, and runc on v1
 * also nests absolute ones there for some controllers, so both places are checked.
 */
export function candidateCgroupDirs(h: CgroupHierarchy, cgroupPath: string): string[] {
  const rel = cgroupPath.replace(/^\/+/, '');
  const dirs = [path.join(h.mountPoint, rel), path.join(h.mountPoint, h.ownPath, rel)];
  return [...new Set(dirs)];
}
