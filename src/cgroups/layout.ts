import { fs } from '../sys/lazy-builtins';

/** One mounted cgroup hierarchy of the host. */
export interface Hierarchy {
  mountPoint: string;
  /** v1 controllers (and name=... for named hierarchies); empty for cgroup2. */
  controllers: string[];
  version: 1 | 2;
  /** What of the hierarchy the mount shows, as seen from skiff's cgroup namespace ("/": all of it). */
  mountRoot?: string;
}

/** How a hierarchy is named in CgroupPlacement.dirs: "unified" or its v1 controllers. */
export function keyOf(h: Hierarchy): string {
  return h.version === 2 ? 'unified' : h.controllers.join(',');
}

let ours: Hierarchy[] | undefined;

/**
 * The cgroup hierarchies mounted on this host: v1, v2 (unified) or both (hybrid). Read once per
 * skiff process (several parts of a command ask for them).
 */
export function hostHierarchies(): Hierarchy[] {
  return (ours ??= hierarchiesIn(fs.readFileSync('/proc/self/mountinfo', 'utf8')));
}

/** The cgroup hierarchies a mountinfo text shows. */
export function hierarchiesIn(mountinfo: string): Hierarchy[] {
  const found: Hierarchy[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const [fstype, , superOptions] = line.slice(sep + 3).split(' ');
    const fields = line.slice(0, sep).split(' ');
    const mountPoint = unescapeMountPath(fields[4]);
    const mountRoot = unescapeMountPath(fields[3]);
    if (fstype === 'cgroup2') found.push({ mountPoint, controllers: [], version: 2, mountRoot });
    else if (fstype === 'cgroup') {
      const controllers = superOptions.split(',').filter((o) => o !== 'rw' && o !== 'ro' && !o.startsWith('release_agent') && o !== 'clone_children' && o !== 'noprefix' && o !== 'xattr');
      found.push({ mountPoint, controllers, version: 1, mountRoot });
    }
  }
  // A hierarchy may be mounted twice; keep the first mount of each.
  const seen = new Set<string>();
  return found.filter((h) => {
    const key = h.version === 2 ? 'cgroup2' : h.controllers.join(',');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
export function unescapeMountPath(s: string): string {
  // Most paths have nothing escaped: no regular expression to compile then (bun compiles it cold).
  if (!s.includes('\\')) return s;
  return s.replace(/\\([0-7]{3})/g, (_, oct) => String.fromCharCode(parseInt(oct, 8)));
}
