/**
 * Facts about the host and the runtime binary that decide which tests can run:
 * executables on PATH, which runtime we are driving (skiff or a reference
 * runtime such as runc), what it advertises in `features`, and what the kernel
 * offers (time namespaces, user namespaces, mount_setattr).
 *
 * Everything here is synchronous so that test files can decide at load time
 * whether a case runs (jest cannot skip a test once it has started).
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';

const EXTRA_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Absolute path of an executable found in $PATH (plus the sbin dirs), or undefined. */
export function findExecutable(name: string): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? path.resolve(name) : undefined;
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Which implementation a binary is, judged by its `--version` output. */
export type RuntimeFlavor = 'skiff' | 'runc' | 'crun' | 'other';

const flavorCache = new Map<string, RuntimeFlavor>();

export function runtimeFlavor(binary: string): RuntimeFlavor {
  const cached = flavorCache.get(binary);
  if (cached) return cached;
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 10000 });
  const text = `${r.stdout ?? ''}`.toLowerCase();
  let flavor: RuntimeFlavor = 'other';
  if (text.startsWith('skiff')) flavor = 'skiff';
  else if (text.startsWith('runc')) flavor = 'runc';
  else if (text.startsWith('crun')) flavor = 'crun';
  flavorCache.set(binary, flavor);
  return flavor;
}

/** runc and crun serve as references while skiff is being written; tests about their known gaps skip on them. */
export function isReferenceRuntime(binary: string): boolean {
  const flavor = runtimeFlavor(binary);
  return flavor === 'runc' || flavor === 'crun';
}

export interface RuntimeFeatures {
  ociVersionMin?: string;
  ociVersionMax?: string;
  hooks?: string[];
  mountOptions?: string[];
  linux?: { namespaces?: string[]; capabilities?: string[]; [key: string]: unknown };
  [key: string]: unknown;
}

const featuresCache = new Map<string, RuntimeFeatures | null>();

/** Parsed `<binary> features`, or undefined when the runtime lacks the command. */
export function runtimeFeatures(binary: string): RuntimeFeatures | undefined {
  if (!featuresCache.has(binary)) {
    const r = spawnSync(binary, ['features'], { encoding: 'utf8', timeout: 10000 });
    let parsed: RuntimeFeatures | null = null;
    if (r.status === 0) {
      try {
        parsed = JSON.parse(r.stdout) as RuntimeFeatures;
      } catch {
        parsed = null;
      }
    }
    featuresCache.set(binary, parsed);
  }
  return featuresCache.get(binary) ?? undefined;
}

/**
 * Whether to run a test of an optional feature. skiff must implement all of
 * them (issue 2), so for skiff this is always true and a missing feature shows
 * up as a failure, never as a silent skip. A reference runtime is asked
 * through its `features` output.
 */
export function runtimeSupports(binary: string, feature: { namespace?: string; mountOption?: string; hook?: string }): boolean {
  if (!isReferenceRuntime(binary)) return true;
  const features = runtimeFeatures(binary);
  if (!features) return false;
  if (feature.namespace && !(features.linux?.namespaces ?? []).includes(feature.namespace)) return false;
  if (feature.mountOption && !(features.mountOptions ?? []).includes(feature.mountOption)) return false;
  if (feature.hook && !(features.hooks ?? []).includes(feature.hook)) return false;
  return true;
}

/** Kernel release as [major, minor]. */
export function kernelVersion(): [number, number] {
  const release = fs.readFileSync('/proc/sys/kernel/osrelease', 'utf8');
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

export function kernelAtLeast(major: number, minor: number): boolean {
  const [a, b] = kernelVersion();
  return a > major || (a === major && b >= minor);
}

/** Time namespaces exist since 5.6; /proc/self/ns/time appears when the kernel has them. */
export function kernelHasTimeNamespace(): boolean {
  return fs.existsSync('/proc/self/ns/time');
}

/** mount_setattr(2) (needed for rro) since 5.12. */
export function kernelHasMountSetattr(): boolean {
  return kernelAtLeast(5, 12);
}

export function kernelAllowsUserNamespaces(): boolean {
  try {
    return Number(fs.readFileSync('/proc/sys/user/max_user_namespaces', 'utf8').trim()) > 0;
  } catch {
    return fs.existsSync('/proc/self/ns/user');
  }
}

/** The cgroup2 mount point, if any (/sys/fs/cgroup on unified hosts, /sys/fs/cgroup/unified on hybrid ones). */
export function cgroup2MountPoint(): string | undefined {
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const fields = line.split(' ');
    const sep = fields.indexOf('-');
    if (sep > 0 && fields[sep + 1] === 'cgroup2') return fields[4];
  }
  return undefined;
}

/** Whether /sys/fs/cgroup is a cgroup2 mount (pure v2 host). */
export function isUnifiedCgroupHost(): boolean {
  return cgroup2MountPoint() === '/sys/fs/cgroup';
}
