import type { Dirent } from 'fs';
import { fs, path } from '../sys/lazy-builtins';
import { hostHierarchies, Hierarchy, keyOf } from './layout';

/** Where a container's cgroup is, in every hierarchy, and which directories skiff made. */
export interface CgroupPlacement {
  /** The container's cgroup path, relative to each hierarchy's root. */
  path: string;
  /** Absolute cgroup directory per hierarchy, keyed by "unified" or the v1 controller list. */
  dirs: Record<string, string>;
  /** Directories create made (removed by delete; pre-existing ones are left alone). */
  created: string[];
  /** The file that says whether the container is frozen (v1 freezer.state or v2 cgroup.freeze). */
  freezerState?: string;
  /** With --systemd-cgroup: the transient scope that holds the container (stopped by delete). */
  systemdUnit?: string;
}

/** Where containers without an absolute cgroupsPath go, in every hierarchy. */
const DEFAULT_PARENT = '/skiff';

/** runc-like default: absent → /skiff/<id>; relative → under /skiff; absolute as given. */
export function cgroupPathFor(configured: string | undefined, id: string): string {
  if (!configured) return `${DEFAULT_PARENT}/${id}`;
  if (configured.includes(':')) throw new Error(`cgroupsPath "${configured}" is a systemd path; it needs --systemd-cgroup`);
  const normal = path.posix.normalize(configured.startsWith('/') ? configured : `${DEFAULT_PARENT}/${configured}`);
  if (normal === '/' || normal.split('/').includes('..')) throw new Error(`invalid cgroupsPath "${configured}"`);
  return normal;
}

/** Where the container's cgroup is in every hierarchy (v1, v2 or hybrid), before it is made. */
function cgroupPlacement(cgroupPath: string, hierarchies = hostHierarchies()): CgroupPlacement {
  const placement: CgroupPlacement = { path: cgroupPath, dirs: {}, created: [] };
  for (const h of hierarchies) {
    const dir = path.join(h.mountPoint, cgroupPath);
    placement.dirs[keyOf(h)] = dir;
    if (h.controllers.includes('freezer')) placement.freezerState = path.join(dir, 'freezer.state');
  }
  if (!placement.freezerState && placement.dirs.unified && hierarchies.every((h) => h.version === 2))
    placement.freezerState = path.join(placement.dirs.unified, 'cgroup.freeze');
  return placement;
}

/** Makes the container's cgroup in every hierarchy. */
export function createCgroups(cgroupPath: string, hierarchies = hostHierarchies()): CgroupPlacement {
  const placement = cgroupPlacement(cgroupPath, hierarchies);
  try {
    for (const h of hierarchies) {
      // A parent shared with other containers can vanish under us when the last of them is deleted.
      for (let attempt = 0; ; attempt++) {
        try {
          makeCgroupDir(h, placement.dirs[keyOf(h)], placement.created);
          break;
        } catch (e: any) {
          if (e.code !== 'ENOENT' || attempt >= 5) throw e;
        }
      }
    }
  } catch (e) {
    removeCgroups(placement);
    throw e;
  }
  return placement;
}

/** mkdir -p, recording what was made; v1 cpusets start empty, so they get the parent's cpus and mems. */
function makeCgroupDir(h: Hierarchy, dir: string, created: string[]): void {
  // mkdir first: the parent usually exists, so one call per hierarchy instead of a stat of each level.
  try {
    fs.mkdirSync(dir);
  } catch (e: any) {
    if (e.code === 'EEXIST') return;
    if (e.code !== 'ENOENT') throw e;
    makeCgroupDir(h, path.dirname(dir), created);
    fs.mkdirSync(dir);
  }
  created.push(dir);
  if (h.controllers.includes('cpuset')) for (const file of ['cpuset.cpus', 'cpuset.mems']) inheritCpuset(h, dir, file);
}

/**
 * A v1 cpuset's cpus or mems, copied from its parent when empty: no task can join an empty cpuset.
 * An empty parent is filled first, the same way, as runc does: one made by someone else, or by a
 * create running beside this one that has made it but not filled it yet.
 */
function inheritCpuset(h: Hierarchy, dir: string, file: string): string {
  const own = path.join(dir, file);
  const value = fs.readFileSync(own, 'utf8').trim();
  if (value !== '' || dir.length <= h.mountPoint.length) return value;
  const inherited = inheritCpuset(h, path.dirname(dir), file);
  fs.writeFileSync(own, inherited);
  return inherited;
}

/** Pids in the container's cgroup (any hierarchy holds them all). */
export function cgroupPids(placement: CgroupPlacement): number[] {
  for (const dir of Object.values(placement.dirs)) {
    try {
      return fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      // try the next hierarchy
    }
  }
  return [];
}

/**
 * Removes the directories create made, deepest first. The container's own directory may stay busy a
 * moment after its last process died; a parent (such as /skiff) shared with other containers is
 * left when it is not empty.
 */
export function removeCgroups(placement: CgroupPlacement): void {
  const leaves = new Set(Object.values(placement.dirs));
  const dirs = [...placement.created].sort((a, b) => b.length - a.length);
  for (const dir of dirs) {
    for (let attempt = 0; ; attempt++) {
      try {
        fs.rmdirSync(dir);
        break;
      } catch (e: any) {
        if (e.code === 'ENOENT') break;
        if (!leaves.has(dir) && (e.code === 'EBUSY' || e.code === 'ENOTEMPTY')) break;
        // Sub-cgroups made inside the container's (exec --cgroup, a nested runtime) go first.
        if (attempt === 0 && removeSubCgroups(dir)) continue;
        if (e.code !== 'EBUSY' || attempt >= 200) throw new Error(`remove cgroup ${dir}: ${e.message}`);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      }
    }
  }
  // The default parent (/skiff) goes with its last container, whichever container made it.
  if (placement.path.startsWith(`${DEFAULT_PARENT}/`)) {
    for (const dir of Object.values(placement.dirs)) {
      const root = dir.slice(0, dir.length - placement.path.length);
      try {
        fs.rmdirSync(path.join(root, DEFAULT_PARENT));
      } catch {
        // other containers are still in it
      }
    }
  }
}

/** Removes the cgroups under dir, deepest first; returns whether there were any. */
function removeSubCgroups(dir: string): boolean {
  let entries: Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  let found = false;
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    found = true;
    const sub = path.join(dir, e.name);
    removeSubCgroups(sub);
    try {
      fs.rmdirSync(sub);
    } catch {
      // still busy: the container's own rmdir reports it
    }
  }
  return found;
}

/**
 * exec --cgroup [controllers:]path (repeatable): the exec'd process goes to an existing sub-cgroup
 * of the container's, in the named controllers' hierarchies or, without a prefix, in all of them.
 */
export function subCgroupPlacement(placement: CgroupPlacement, specs: string[]): CgroupPlacement {
  const dirs = { ...placement.dirs };
  for (const spec of specs) {
    const colon = spec.indexOf(':');
    const controllers = colon >= 0 ? spec.slice(0, colon).split(',') : undefined;
    const sub = colon >= 0 ? spec.slice(colon + 1) : spec;
    if (!sub || sub.split('/').includes('..')) throw new Error(`exec --cgroup ${spec}: invalid sub-cgroup path`);
    let matched = false;
    for (const [key, dir] of Object.entries(placement.dirs)) {
      const names = key === 'unified' ? ['unified', ''] : key.split(',');
      if (controllers && !controllers.some((c) => names.includes(c))) continue;
      const target = path.join(dir, sub);
      if (!fs.statSync(target, { throwIfNoEntry: false })?.isDirectory())
        throw new Error(`exec --cgroup ${spec}: ${target} does not exist`);
      dirs[key] = target;
      matched = true;
    }
    if (!matched) throw new Error(`exec --cgroup ${spec}: no such controller in the container's cgroups`);
  }
  return { ...placement, dirs };
}
