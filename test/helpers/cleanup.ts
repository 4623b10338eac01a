/**
 * Records what a test created and removes all of it afterwards, also when the
 * test failed half-way. Order matters: containers first (their runtime knows
 * best), then stray processes, cgroups, mounts, and only then directories, and
 * never a directory that still has something mounted below it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { candidateCgroupDirs, listCgroupHierarchies } from './cgroup-hierarchies';
import { mountsBelow } from './mountinfo';
import { carriesTestMarker, TEST_MARKER } from './names';
import { isAlive, processStartTime, sleepSync } from './processes';

/** Whatever can force-delete containers it created (RuntimeUnderTest implements this). */
export interface ContainerOwner {
  readonly description: string;
  /** Ids of all containers the owner's state root still knows about. */
  listContainerIds(): string[];
  forceDelete(id: string): void;
}

interface TrackedProcess {
  pid: number;
  startTime: string | undefined;
}

/** What one scope (one test, or the file's beforeAll) created. */
class Scope {
  owners = new Set<ContainerOwner>();
  containers: Array<{ owner: ContainerOwner; id: string }> = [];
  processes: TrackedProcess[] = [];
  cgroups: string[] = [];
  dirs: string[] = [];
  deferred: Array<() => void | Promise<void>> = [];
  /** Problems met while tracking (e.g. a cgroup path that cannot be removed safely). */
  warnings: string[] = [];

  async teardown(): Promise<string[]> {
    const problems: string[] = this.warnings.splice(0);
    const attempt = async (what: string, fn: () => void | Promise<void>) => {
      try {
        await fn();
      } catch (err) {
        problems.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };

    for (const task of this.deferred.splice(0).reverse()) await attempt('deferred cleanup', task);

    // Containers the test lost track of (e.g. created by a raw invocation) are still in the state roots.
    const containers = this.containers.splice(0);
    for (const owner of this.owners) {
      await attempt(`listing containers of ${owner.description}`, () => {
        for (const id of owner.listContainerIds()) {
          if (!containers.some((c) => c.owner === owner && c.id === id)) containers.push({ owner, id });
        }
      });
    }
    this.owners.clear();
    for (const { owner, id } of containers) await attempt(`deleting container ${id}`, () => owner.forceDelete(id));

    await attempt('killing processes', () => killTracked(this.processes.splice(0)));

    for (const cgroupPath of this.cgroups.splice(0)) await attempt(`removing cgroup ${cgroupPath}`, () => removeCgroupEverywhere(cgroupPath));

    const dirs = this.dirs.splice(0);
    await attempt('unmounting', () => unmountBelow(dirs));
    for (const dir of dirs) await attempt(`removing ${dir}`, () => removeDir(dir));
    return problems;
  }
}

/**
 * Scopes nest: useCleanup() opens one per test, so what beforeAll created
 * survives until afterAll while each test's own leftovers go right after it.
 */
export class CleanupTracker {
  private scopes: Scope[] = [new Scope()];

  private get current(): Scope {
    return this.scopes[this.scopes.length - 1];
  }

  /** Starts a nested scope; the next teardown() ends it. */
  enterScope(): void {
    this.scopes.push(new Scope());
  }

  /** A runtime whose state root is listed at teardown so that no container is forgotten. */
  trackOwner(owner: ContainerOwner): void {
    this.current.owners.add(owner);
  }

  trackContainer(owner: ContainerOwner, id: string): void {
    const scope = this.current;
    if (!scope.containers.some((c) => c.owner === owner && c.id === id)) scope.containers.push({ owner, id });
  }

  /** Remembers the pid with its start time so a recycled pid is never killed. */
  trackProcess(pid: number): void {
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) return;
    this.current.processes.push({ pid, startTime: processStartTime(pid) });
  }

  /**
   * A cgroupsPath the test's containers used (absolute or relative). Only the
   * part from the first segment that carries the test marker down is removed,
   * in every hierarchy. Returns false (and records a warning) for paths without
   * the marker, which are left alone.
   */
  trackCgroup(cgroupPath: string): boolean {
    if (!carriesTestMarker(cgroupPath)) {
      this.current.warnings.push(`cgroup path ${cgroupPath} lacks "${TEST_MARKER}" and was not removed`);
      return false;
    }
    if (!this.current.cgroups.includes(cgroupPath)) this.current.cgroups.push(cgroupPath);
    return true;
  }

  /** A directory (bundle, state root, scratch) to unmount below and remove. */
  trackDir(dir: string): void {
    const abs = path.resolve(dir);
    if (abs === '/' || !carriesTestMarker(abs)) throw new Error(`refusing to track ${abs} for removal: no "${TEST_MARKER}" in its path`);
    if (!this.current.dirs.includes(abs)) this.current.dirs.push(abs);
  }

  /** Extra teardown work (e.g. stopping a daemon); runs first, last registered first. */
  defer(task: () => void | Promise<void>): void {
    this.current.deferred.push(task);
  }

  /** Tears down the innermost scope; throws one error listing every problem left over. */
  async teardown(): Promise<void> {
    const scope = this.scopes.length > 1 ? this.scopes.pop()! : this.current;
    reportProblems(await scope.teardown());
  }

  /** Tears down every scope, innermost first. */
  async teardownAll(): Promise<void> {
    const problems: string[] = [];
    while (this.scopes.length > 1) problems.push(...(await this.scopes.pop()!.teardown()));
    problems.push(...(await this.current.teardown()));
    reportProblems(problems);
  }
}

function reportProblems(problems: string[]): void {
  if (problems.length > 0) throw new Error(`cleanup incomplete:\n  ${problems.join('\n  ')}`);
}

function killTracked(processes: TrackedProcess[]): void {
  const victims = processes.filter((p) => isAlive(p.pid) && processStartTime(p.pid) === p.startTime);
  for (const p of victims) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  waitUntil(() => victims.every((p) => !isAlive(p.pid)), 3000);
  const survivors = victims.filter((p) => isAlive(p.pid));
  if (survivors.length > 0) throw new Error(`still alive after SIGKILL: ${survivors.map((p) => p.pid).join(', ')}`);
}

/** The top of the subtree a test owns: the path up to its first segment carrying the marker. */
function ownedSubtree(cgroupPath: string): string {
  const segments = cgroupPath.split('/').filter(Boolean);
  const first = segments.findIndex((s) => s.includes(TEST_MARKER));
  return '/' + segments.slice(0, first + 1).join('/');
}

/**
 * Directories below `dir` named `name` (runtimes nest cgroups differently: runc
 * puts /<id> below its own cgroup on v1, skiff uses /skiff/<id>).
 */
function findNamedCgroups(dir: string, name: string, depth = 0): string[] {
  if (depth > 8) return [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const child = path.join(dir, entry.name);
    if (entry.name === name) found.push(child);
    else found.push(...findNamedCgroups(child, name, depth + 1));
  }
  return found;
}

function removeCgroupEverywhere(cgroupPath: string): void {
  const subtree = ownedSubtree(cgroupPath);
  const ownedName = path.basename(subtree);
  const failures: string[] = [];
  for (const hierarchy of listCgroupHierarchies()) {
    const dirs = new Set([...candidateCgroupDirs(hierarchy, subtree), ...findNamedCgroups(hierarchy.mountPoint, ownedName)]);
    for (const dir of dirs) {
      if (!fs.existsSync(dir)) continue;
      try {
        removeCgroupTree(dir);
      } catch (err) {
        failures.push(`${dir}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  if (failures.length > 0) throw new Error(failures.join('; '));
}

/** Cgroup directories can only be rmdir'ed, children first, once no task is left inside. */
function removeCgroupTree(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeCgroupTree(path.join(dir, entry.name));
  }
  thaw(dir);
  killCgroupMembers(dir);
  let lastError: unknown;
  const removed = waitUntil(() => {
    try {
      fs.rmdirSync(dir);
      return true;
    } catch (err) {
      lastError = err;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
      killCgroupMembers(dir);
      return false;
    }
  }, 3000);
  if (!removed) throw lastError instanceof Error ? lastError : new Error(`cannot remove ${dir}`);
}

/** A frozen task cannot die, so thaw first (v1 freezer or v2 cgroup.freeze). */
function thaw(dir: string): void {
  for (const [file, value] of [['freezer.state', 'THAWED'], ['cgroup.freeze', '0']]) {
    const p = path.join(dir, file);
    if (fs.existsSync(p)) {
      try {
        fs.writeFileSync(p, value);
      } catch {
        // not writable here (e.g. the root cgroup); nothing to thaw
      }
    }
  }
}

function killCgroupMembers(dir: string): void {
  let pids: number[] = [];
  try {
    pids = fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return;
  }
  for (const pid of pids) {
    if (pid === process.pid || pid === process.ppid || pid <= 1) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
}

function unmountBelow(dirs: string[]): void {
  // Stacked or propagated mounts can need several rounds; stop when nothing changes.
  for (let round = 0; round < 5; round++) {
    const mounts = mountsBelow(dirs);
    if (mounts.length === 0) return;
    for (const mount of mounts) spawnSync('umount', ['-l', mount.mountPoint], { stdio: 'ignore', timeout: 10000 });
  }
  const left = mountsBelow(dirs);
  if (left.length > 0) throw new Error(`still mounted: ${left.map((m) => m.mountPoint).join(', ')}`);
}

function removeDir(dir: string): void {
  // rm -r through a leftover mount could delete host files (think of a bind of /).
  const stillMounted = mountsBelow([dir]);
  if (stillMounted.length > 0) throw new Error(`not removed, mounts remain below it: ${stillMounted.map((m) => m.mountPoint).join(', ')}`);
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

function waitUntil(condition: () => boolean, timeoutMs: number): boolean {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (condition()) return true;
    if (Date.now() > deadline) return false;
    sleepSync(25);
  }
}

/** The tracker the helpers use unless given another one. */
export const defaultCleanup = new CleanupTracker();

/**
 * Call once at the top of a jest test file: tears down after each test and
 * once more after all (for what beforeAll created).
 */
export function useCleanup(tracker: CleanupTracker = defaultCleanup): CleanupTracker {
  beforeEach(() => tracker.enterScope());
  afterEach(() => tracker.teardown());
  afterAll(() => tracker.teardownAll());
  return tracker;
}
