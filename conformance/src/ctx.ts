/**
 * The per-case context: a fresh state root and work folder, bundle builders,
 * runtime operations that fail the case with a readable reason, the checker
 * runner, and cleanup that runs even when the case throws.
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { Assets } from './assets';
import { baseConfig, CGROUP_PARENT } from './config';
import { HostInfo } from './host';
import { ContainerState, describe, Invocation, Runtime, RuntimeSession } from './runtime';
import {
  capsFromHex,
  exists,
  hostMounts,
  MountInfo,
  parseMountInfo,
  pidAlive,
  procStartTime,
  readText,
  rmrf,
  sleep,
  statusField,
  umountBelow,
  writeExecutable,
} from './util';

export class Skip extends Error {}
export class Fail extends Error {}

export interface Bundle {
  id: string;
  dir: string;
  rootfs: string;
  config: any;
  configPath: string;
  /** Rewrites config.json from `config`. */
  write(): void;
}

/** What the checker printed, with a few parsed views. */
export interface CheckerReport {
  pid: number;
  ppid: number;
  uid: number;
  euid: number;
  gid: number;
  egid: number;
  groups: number[];
  umask: number;
  cwd: string | null;
  env: string[];
  hostname: string;
  domainname: string;
  machine: string;
  personality: number;
  no_new_privs: number;
  seccomp: number;
  sched: { policy: number; priority: number; nice: number };
  ioprio: number;
  mempolicy: number;
  mempolicy_nodes: number;
  cpus: number[];
  clocks: { monotonic: number; boottime: number };
  tty: number[];
  ns: Record<string, string | null>;
  rlimits: Record<string, { soft: string; hard: string } | null>;
  fds: Array<{ fd: number; target: string }>;
  status: string;
  mountinfo: string;
  cgroup: string | { errno: number };
  oom_score_adj: string | { errno: number };
  probes: Record<string, any>;
  // derived
  mounts: MountInfo[];
  caps: { effective: string[]; permitted: string[]; inheritable: string[]; bounding: string[]; ambient: string[] };
}

export function parseChecker(text: string): CheckerReport | null {
  const b = text.indexOf('@@CHECKER-BEGIN@@\n');
  const e = text.indexOf('\n@@CHECKER-END@@');
  if (b < 0 || e < 0) return null;
  const r = JSON.parse(text.slice(b + '@@CHECKER-BEGIN@@\n'.length, e)) as CheckerReport;
  r.mounts = parseMountInfo(typeof r.mountinfo === 'string' ? r.mountinfo : '');
  const st = typeof r.status === 'string' ? r.status : '';
  r.caps = {
    effective: capsFromHex(statusField(st, 'CapEff') || '0'),
    permitted: capsFromHex(statusField(st, 'CapPrm') || '0'),
    inheritable: capsFromHex(statusField(st, 'CapInh') || '0'),
    bounding: capsFromHex(statusField(st, 'CapBnd') || '0'),
    ambient: capsFromHex(statusField(st, 'CapAmb') || '0'),
  };
  return r;
}

let idCounter = 0;
const RUN_NONCE = Math.random().toString(36).slice(2, 7);

export class Ctx {
  private readonly ids = new Set<string>();
  private readonly pids = new Map<number, string | null>();
  private readonly outputs = new Map<string, string>();
  private bundles = 0;
  private readonly undo: Array<() => void> = [];
  private readonly helpers = new Set<number>();
  /** Notes shown with a pass (e.g. what was observed). */
  notes: string[] = [];

  constructor(
    public readonly runtime: Runtime,
    public readonly rt: RuntimeSession,
    public readonly host: HostInfo,
    public readonly dir: string,
    public readonly assets: Assets,
  ) {}

  // ---- outcome helpers -------------------------------------------------------------------

  skip(reason: string): never {
    throw new Skip(reason);
  }

  fail(reason: string): never {
    throw new Fail(reason);
  }

  assert(cond: unknown, reason: string): void {
    if (!cond) throw new Fail(reason);
  }

  eq<T>(got: T, want: T, what: string): void {
    const g = JSON.stringify(got);
    const w = JSON.stringify(want);
    if (g !== w) throw new Fail(`${what}: got ${g}, want ${w}`);
  }

  note(s: string): void {
    this.notes.push(s);
  }

  // ---- bundles ---------------------------------------------------------------------------

  newId(): string {
    return `cf-${RUN_NONCE}-${process.pid % 1000}-${++idCounter}`;
  }

  /** A fresh bundle (rootfs copy + base config), optionally adjusted, written to disk. */
  bundle(mutate?: (config: any, b: Bundle) => void, opts: { id?: string } = {}): Bundle {
    const id = opts.id ?? this.newId();
    const dir = path.join(this.dir, `bundle${++this.bundles}`);
    fs.mkdirSync(dir, { recursive: true });
    const rootfs = path.join(dir, 'rootfs');
    const cp = spawnSync('cp', ['-a', this.assets.rootfs, rootfs]);
    if (cp.status !== 0) throw new Error(`cannot copy the rootfs: ${cp.stderr}`);
    const configPath = path.join(dir, 'config.json');
    const b: Bundle = {
      id,
      dir,
      rootfs,
      config: baseConfig(id),
      configPath,
      write() {
        fs.writeFileSync(configPath, JSON.stringify(b.config, null, 2));
      },
    };
    if (mutate) mutate(b.config, b);
    b.write();
    return b;
  }

  /** Container-visible `rel` inside the bundle's rootfs, on the host. */
  inRootfs(b: Bundle, rel: string): string {
    return path.join(b.rootfs, rel.replace(/^\/+/, ''));
  }

  // ---- runtime operations -----------------------------------------------------------------

  /** `create`; the id is tracked for cleanup whatever the outcome. */
  async create(b: Bundle, id = b.id, extra: string[] = []): Promise<Invocation> {
    this.ids.add(id);
    const pidFile = path.join(this.dir, `${id}.pid`);
    const inv = await this.rt.create(id, b.dir, pidFile, extra);
    this.outputs.set(id, inv.stdoutFile);
    const pid = Number((readText(pidFile) || '').trim());
    if (pid > 0) this.pids.set(pid, procStartTime(pid));
    return inv;
  }

  /** Registers a container created outside `create()` (output file, pid file) for cleanup. */
  track(id: string, outFile: string, pidFile?: string): void {
    this.ids.add(id);
    this.outputs.set(id, outFile);
    const pid = pidFile ? Number((readText(pidFile) || '').trim()) : 0;
    if (pid > 0) this.pids.set(pid, procStartTime(pid));
  }

  async createOk(b: Bundle, id = b.id): Promise<number> {
    const inv = await this.create(b, id);
    if (inv.code !== 0) this.fail(`create failed: ${describe(inv)}`);
    const pid = Number((readText(path.join(this.dir, `${id}.pid`)) || '').trim());
    if (!(pid > 0)) {
      const st = await this.stateOk(id);
      if (st.pid) this.pids.set(st.pid, procStartTime(st.pid));
      return st.pid ?? 0;
    }
    return pid;
  }

  async startOk(id: string): Promise<Invocation> {
    const inv = await this.rt.start(id);
    if (inv.code !== 0) this.fail(`start failed: ${describe(inv)}`);
    return inv;
  }

  async stateOk(id: string): Promise<ContainerState> {
    const { inv, state, parseError } = await this.rt.state(id);
    if (inv.code !== 0) this.fail(`state failed: ${describe(inv)}`);
    if (!state) this.fail(`state printed invalid JSON (${parseError}): ${inv.stdout.slice(0, 200)}`);
    return state;
  }

  async killOk(id: string, sig = 'KILL'): Promise<void> {
    const inv = await this.rt.kill(id, sig);
    if (inv.code !== 0) this.fail(`kill failed: ${describe(inv)}`);
  }

  async deleteOk(id: string, force = false): Promise<void> {
    const inv = await this.rt.delete(id, force);
    if (inv.code !== 0) this.fail(`delete failed: ${describe(inv)}`);
  }

  /** Polls `state` until the status is `want` (or the timeout passes). */
  async waitStatus(id: string, want: string, timeoutMs = 10000): Promise<ContainerState> {
    const end = Date.now() + timeoutMs;
    let last: ContainerState | undefined;
    for (;;) {
      const { state } = await this.rt.state(id);
      last = state;
      if (state?.status === want) return state;
      if (Date.now() > end) this.fail(`container did not reach status "${want}" in ${timeoutMs} ms (last: ${last?.status ?? 'no state'})`);
      await sleep(30);
    }
  }

  /** What the container wrote to stdout/stderr so far (they go to create's output files). */
  output(id: string): string {
    const f = this.outputs.get(id);
    return f ? readText(f) || '' : '';
  }

  /** Waits for the checker's report in the container's output. */
  async waitReport(id: string, timeoutMs = 10000): Promise<CheckerReport> {
    const end = Date.now() + timeoutMs;
    let polls = 0;
    for (;;) {
      const out = this.output(id);
      if (out.includes('@@CHECKER-END@@')) {
        const r = parseChecker(out);
        if (!r) this.fail(`cannot parse the checker output: ${out.slice(0, 300)}`);
        return r;
      }
      if (++polls % 10 === 0) {
        const { state } = await this.rt.state(id);
        if (state?.status === 'stopped' || !state) {
          const again = this.output(id);
          if (again.includes('@@CHECKER-END@@')) continue;
          this.fail(`the container process ended without a checker report; output: ${again.trim().slice(0, 300) || '(none)'}`);
        }
      }
      if (Date.now() > end) this.fail(`no checker report within ${timeoutMs} ms; output: ${out.slice(0, 300)}`);
      await sleep(15);
    }
  }

  /** create + start a bundle whose process is the checker, and return its report. */
  async runChecker(b: Bundle): Promise<CheckerReport> {
    await this.createOk(b);
    await this.startOk(b.id);
    return this.waitReport(b.id);
  }

  /** Builds a bundle with `mutate`, runs `/checker probes...` in it, returns the report. */
  async check(mutate?: (config: any, b: Bundle) => void, probes: string[] = []): Promise<CheckerReport> {
    const b = this.bundle((c, bb) => {
      c.process.args = ['/checker', ...probes];
      if (mutate) mutate(c, bb);
    });
    return this.runChecker(b);
  }

  /** A bundle whose process sleeps (a long-running container). */
  sleeper(mutate?: (config: any, b: Bundle) => void, seconds = 600): Bundle {
    return this.bundle((c, bb) => {
      c.process.args = ['/bin/sleep', String(seconds)];
      if (mutate) mutate(c, bb);
    });
  }

  /**
   * Expects `create` to fail, then checks that it left nothing behind
   * (runtime.md "Errors": as if the operation were never attempted).
   */
  async expectCreateFails(b: Bundle, what: string): Promise<Invocation> {
    const inv = await this.create(b);
    if (inv.code === 0) {
      const { state } = await this.rt.state(b.id);
      this.fail(`create succeeded although ${what} (state: ${state?.status ?? '?'})`);
    }
    await this.expectNoTrace(b);
    return inv;
  }

  /** No container `id` in state, no mounts under the bundle, no cgroup, no process. */
  async expectNoTrace(b: Bundle, id = b.id): Promise<void> {
    const { inv } = await this.rt.state(id);
    if (inv.code === 0) this.fail(`the failed create left a container behind: ${inv.stdout.trim().slice(0, 200)}`);
    const prefix = b.dir + '/';
    const left = hostMounts().filter((m) => m.mountPoint === b.dir || m.mountPoint.startsWith(prefix));
    if (left.length) this.fail(`the failed create left mounts: ${left.map((m) => m.mountPoint).join(', ')}`);
    const cg = this.cgroupDirs(id).filter((d) => exists(d));
    if (cg.length) this.fail(`the failed create left cgroups: ${cg.join(', ')}`);
    for (const [pid, start] of this.pids) {
      if (this.helpers.has(pid)) continue;
      if (pidAlive(pid) && procStartTime(pid) === start) this.fail(`the failed create left process ${pid} running`);
    }
  }

  /** Every cgroup directory the suite's cgroupsPath maps to for `id`, in each hierarchy. */
  cgroupDirs(id: string): string[] {
    return this.host.cgroupMounts.map((m) => path.join(m, CGROUP_PARENT, id));
  }

  // ---- hooks ------------------------------------------------------------------------------

  /**
   * A hook recorder script, run as `SCRIPT LOGDIR LABEL [EXIT [SLEEP [CMD]]]`. It saves its stdin
   * (the state) to LOGDIR/LABEL.state, its namespaces, env and args, the cmdline of the
   * state's pid, the exit code of CMD (run with sh -c) if given, sleeps SLEEP seconds, appends
   * LABEL to LOGDIR/order and exits with EXIT. Works with dash on the host and busybox inside.
   */
  hookScript(file: string): string {
    writeExecutable(
      file,
      `#!/bin/sh
dir=$1; label=$2; rc=\${3:-0}; nap=\${4:-0}; cmd=$5
mkdir -p "$dir"
cat > "$dir/$label.state"
for n in mnt uts pid net ipc user cgroup; do echo "$n $(readlink /proc/self/ns/$n)"; done > "$dir/$label.ns"
env > "$dir/$label.env"
echo "$*" > "$dir/$label.args"
pid=$(sed -n 's/.*"pid": *\\([0-9][0-9]*\\).*/\\1/p' "$dir/$label.state")
if [ -n "$pid" ] && [ -r /proc/$pid/cmdline ]; then tr '\\000' ' ' < /proc/$pid/cmdline > "$dir/$label.cmdline"; fi
if [ -n "$cmd" ]; then sh -c "$cmd" > "$dir/$label.cmdout" 2>&1; echo $? > "$dir/$label.cmdrc"; fi
if [ "$nap" != 0 ]; then sleep "$nap"; fi
echo "$label" >> "$dir/order"
exit "$rc"
`,
    );
    return file;
  }

  /** Reads what a hook recorded. */
  hookRecord(
    logDir: string,
    label: string,
  ): { state?: any; ns: Record<string, string>; env: string[]; ran: boolean; cmdline: string | null; cmdrc: string | null; args: string } {
    const stateText = readText(path.join(logDir, `${label}.state`));
    const nsText = readText(path.join(logDir, `${label}.ns`)) || '';
    const ns: Record<string, string> = {};
    for (const line of nsText.split('\n')) {
      const [k, v] = line.split(' ');
      if (k) ns[k] = v;
    }
    let state: any;
    try {
      state = stateText ? JSON.parse(stateText) : undefined;
    } catch {
      state = { unparsable: stateText };
    }
    return {
      state,
      ns,
      env: (readText(path.join(logDir, `${label}.env`)) || '').split('\n').filter(Boolean),
      ran: stateText !== null,
      cmdline: readText(path.join(logDir, `${label}.cmdline`)),
      cmdrc: (readText(path.join(logDir, `${label}.cmdrc`)) || '').trim() || null,
      args: (readText(path.join(logDir, `${label}.args`)) || '').trim(),
    };
  }

  hookOrder(logDir: string): string[] {
    return (readText(path.join(logDir, 'order')) || '').split('\n').filter(Boolean);
  }

  // ---- helpers on the host ---------------------------------------------------------------

  /** Starts a long-lived host process (killed at cleanup) and returns its pid once it runs `readyCheck`. */
  async spawnHelper(args: string[], ready: (pid: number) => boolean = () => true): Promise<number> {
    const child = spawn(args[0], args.slice(1), { stdio: 'ignore', detached: true });
    const pid = child.pid!;
    child.unref();
    this.helpers.add(pid);
    this.pids.set(pid, null);
    const end = Date.now() + 5000;
    while (Date.now() < end) {
      if (ready(pid)) {
        this.pids.set(pid, procStartTime(pid));
        return pid;
      }
      await sleep(10);
    }
    this.fail(`helper ${args.join(' ')} did not become ready`);
  }

  /** Remembers a host-side action to undo at cleanup (run in reverse order). */
  onCleanup(fn: () => void): void {
    this.undo.push(fn);
  }

  // ---- cleanup ----------------------------------------------------------------------------

  async cleanup(keep: boolean): Promise<string[]> {
    const problems: string[] = [];
    const step = async (what: string, fn: () => unknown) => {
      try {
        await fn();
      } catch (e) {
        problems.push(`${what}: ${(e as Error).message}`);
      }
    };
    for (const id of this.ids) {
      await step(`delete ${id}`, async () => {
        const { inv } = await this.rt.state(id);
        if (inv.code === 0) {
          const d = await this.rt.delete(id, true);
          if (d.code !== 0) problems.push(`delete --force ${id}: ${describe(d)}`);
        }
      });
    }
    for (const [pid, start] of this.pids) {
      await step(`kill ${pid}`, () => {
        if (pidAlive(pid) && (start === null || procStartTime(pid) === start)) process.kill(pid, 'SIGKILL');
      });
    }
    for (const id of this.ids) {
      for (const d of this.cgroupDirs(id)) await step(`rmdir ${d}`, () => removeCgroup(d));
    }
    for (const fn of this.undo.reverse()) await step('undo', fn);
    await step('umount', () => umountBelow(this.dir));
    if (!keep) await step('rm', () => rmrf(this.dir));
    return problems;
  }
}

/** Kills what is left in a cgroup directory and removes it, children first. */
export function removeCgroup(dir: string): void {
  if (!exists(dir)) return;
  let entries: fs.Dirent[] = [];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) removeCgroup(path.join(dir, e.name));
  for (let attempt = 0; attempt < 50; attempt++) {
    const procs = (readText(path.join(dir, 'cgroup.procs')) || '').split('\n').filter(Boolean);
    for (const p of procs) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    try {
      // A frozen v1 cgroup must be thawed before its tasks can die.
      if (exists(path.join(dir, 'freezer.state'))) fs.writeFileSync(path.join(dir, 'freezer.state'), 'THAWED');
    } catch {
      /* ignore */
    }
    try {
      fs.rmdirSync(dir);
      return;
    } catch {
      const t = Date.now();
      while (Date.now() - t < 20) {
        /* brief spin; cgroup removal waits for exiting tasks */
      }
    }
  }
}
