/**
 * Finds what containers leave behind on the host: state directories, mounts,
 * cgroup directories and processes. Used in two ways:
 * - per container, right after a test deleted it: the runtime itself must have
 *   removed everything (tracesOfContainer), before the harness's cleanup could
 *   hide a leak;
 * - per run, at the end of each e2e file and in the final check: nothing named
 *   by this run is left anywhere (leftoversOfRun).
 * Each finding is one human-readable line, so `expect(list).toEqual([])` prints
 * exactly what was left.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { listCgroupHierarchies } from './cgroup-hierarchies';
import { readMountInfo } from './mountinfo';
import { RUN_PREFIX } from './names';
import { allPids, processCmdline, processState, sleepSync } from './processes';

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function linkOrEmpty(file: string): string {
  try {
    return fs.readlinkSync(file);
  } catch {
    return '';
  }
}

function parentPid(pid: number): number | undefined {
  const m = /^PPid:\s+(\d+)/m.exec(readOrEmpty(`/proc/${pid}/status`));
  return m ? Number(m[1]) : undefined;
}

/** Host mounts whose mount point or source path contains one of the needles. */
export function mountsMentioning(needles: string[]): string[] {
  return readMountInfo()
    .filter((m) => needles.some((n) => m.mountPoint.includes(n) || m.root.includes(n)))
    .map((m) => `mount ${m.mountPoint} (${m.fsType}, root ${m.root})`);
}

/** Cgroup directories, in every mounted hierarchy, whose name contains one of the needles. */
export function cgroupsMentioning(needles: string[], maxDepth = 8): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const child = path.join(dir, entry.name);
      if (needles.some((n) => entry.name.includes(n))) found.push(`cgroup ${child}`);
      else if (depth < maxDepth) walk(child, depth + 1);
    }
  };
  for (const h of listCgroupHierarchies()) walk(h.mountPoint, 0);
  return found;
}

/**
 * Live processes tied to one of the needles: by command line, cgroup, working directory, or
 * (for processes in another mount namespace, i.e. containers) by a mount whose
 * source path names it. The test process and its ancestors never count.
 */
export function processesMentioning(needles: string[]): string[] {
  const ownMntNs = linkOrEmpty('/proc/self/ns/mnt');
  const exclude = new Set([process.pid, process.ppid, 1]);
  const found: string[] = [];
  for (const pid of allPids()) {
    if (exclude.has(pid)) continue;
    const state = processState(pid);
    if (state === undefined) continue;
    const cmdline = processCmdline(pid);
    if (cmdline.length === 0 && state !== 'Z') continue; // kernel thread
    const reasons: string[] = [];
    if (needles.some((n) => cmdline.some((a) => a.includes(n)))) reasons.push('command line');
    if (needles.some((n) => readOrEmpty(`/proc/${pid}/cgroup`).includes(n))) reasons.push('cgroup');
    // A hook or helper that exec'd something plain still works in a test's directory.
    if (needles.some((n) => linkOrEmpty(`/proc/${pid}/cwd`).includes(n))) reasons.push('working directory');
    const mntNs = linkOrEmpty(`/proc/${pid}/ns/mnt`);
    if (mntNs && mntNs !== ownMntNs && needles.some((n) => readOrEmpty(`/proc/${pid}/mountinfo`).includes(n))) reasons.push('mounts');
    if (reasons.length > 0) found.push(`process ${pid} [${state}, parent ${parentPid(pid)}] ${JSON.stringify(cmdline.join(' '))} (${reasons.join(', ')})`);
  }
  return found;
}

export interface ContainerRef {
  /** The runtime's state root (--root). */
  root: string;
  id: string;
  /** Bundle directory, to find mounts of its rootfs. */
  bundle?: string;
  /** cgroupsPath from the config, when it named one. */
  cgroupsPath?: string;
}

/**
 * Polls `find` until it reports nothing or `settleMs` passed: a process that
 * just died may still be a zombie for a moment until its parent (often pid 1)
 * reaps it, and a lazily unmounted tree may take a moment to go.
 */
export function settled(find: () => string[], settleMs = 3000): string[] {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const found = find();
    if (found.length === 0 || Date.now() > deadline) return found;
    sleepSync(50);
  }
}

/** Everything the runtime should have removed when it deleted (or failed to create) the container. */
export function tracesOfContainer(ref: ContainerRef): string[] {
  return settled(() => findTracesOfContainer(ref));
}

function findTracesOfContainer(ref: ContainerRef): string[] {
  const traces: string[] = [];
  const stateDir = path.join(ref.root, ref.id);
  if (fs.existsSync(stateDir)) traces.push(`state dir ${stateDir}`);
  const needles = [ref.id];
  if (ref.bundle) needles.push(ref.bundle);
  if (ref.cgroupsPath) {
    const last = ref.cgroupsPath.split(/[/:]/).filter(Boolean).pop();
    if (last) needles.push(last);
  }
  traces.push(...mountsMentioning(needles.filter((n) => n.startsWith('/'))));
  traces.push(...cgroupsMentioning(needles.filter((n) => !n.startsWith('/'))));
  traces.push(...processesMentioning(needles));
  return traces;
}

/** Temp dirs of this run still in /tmp. */
export function tempDirsOfRun(): string[] {
  return fs
    .readdirSync(os.tmpdir())
    .filter((name) => name.startsWith(RUN_PREFIX))
    .map((name) => `directory ${path.join(os.tmpdir(), name)}`);
}

/** Everything named by this test run that is still on the host. */
export function leftoversOfRun(): string[] {
  return settled(findLeftoversOfRun);
}

function findLeftoversOfRun(): string[] {
  return [...tempDirsOfRun(), ...mountsMentioning([RUN_PREFIX]), ...cgroupsMentioning([RUN_PREFIX]), ...processesMentioning([RUN_PREFIX])];
}
