/**
 * Drivers for skiff's real clients in end-to-end tests: a private containerd
 * (with `ctr`), podman on private storage, and tmux for the cases that need a
 * real terminal. Everything they create lives below a test scratch dir (so the
 * run's leftover check sees it) and is torn down through the cleanup tracker,
 * also when a test fails half-way.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { scratchDir } from './bundle';
import { CleanupTracker, defaultCleanup } from './cleanup';
import { buildBusyboxRootfs } from './rootfs';
import { readProcessCgroups, listCgroupHierarchies } from './cgroup-hierarchies';
import { RUN_PREFIX } from './names';
import { allPids, isAlive, processCmdline, sleepSync, waitForExit } from './processes';
import { RunResult } from './runtime';

/** Runs a client command synchronously and captures everything (never throws). */
export function runCommand(
  command: string,
  args: string[],
  options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): RunResult {
  const started = Date.now();
  const r = spawnSync(command, args, {
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60000,
    killSignal: 'SIGKILL',
    env: options.env,
    maxBuffer: 16 * 1024 * 1024,
  });
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  return {
    args: [command, ...args],
    code: r.status,
    signal: r.signal,
    stdout: r.stdout ?? '',
    stderr: (r.stderr ?? '') + (r.error && !timedOut ? `\n[spawn error: ${r.error.message}]` : ''),
    timedOut,
    durationMs: Date.now() - started,
  };
}

/** Hard limit of a resource from /proc/self/limits ("Max open files", "Max processes"), or undefined if unlimited/unknown. */
export function hardLimit(name: string): number | undefined {
  const line = fs
    .readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(name));
  if (!line) return undefined;
  const fields = line.slice(name.length).trim().split(/\s+/);
  const hard = Number(fields[1]);
  return Number.isFinite(hard) ? hard : undefined;
}

/** A cgroup file of a (host) process: the v1 hierarchy of `controller`, or the v2 tree on a unified host. */
export function cgroupFileOf(pid: number, controller: string, v1File: string, v2File: string): string {
  const own = readProcessCgroups(pid);
  for (const h of listCgroupHierarchies()) {
    if (h.version === 1 && h.controllers.includes(controller)) {
      const entry = [...own].find(([ctrls]) => ctrls.split(',').includes(controller));
      if (entry) return path.join(h.mountPoint, entry[1], v1File);
    }
  }
  const v2 = listCgroupHierarchies().find((h) => h.version === 2);
  if (!v2) throw new Error(`no hierarchy with the ${controller} controller`);
  return path.join(v2.mountPoint, own.get('') ?? '/', v2File);
}

function stopPid(pid: number, graceMs: number): void {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  if (waitForExit(pid, graceMs)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  if (!waitForExit(pid, 5000)) throw new Error(`process ${pid} survived SIGKILL`);
}

// ---------------------------------------------------------------- containerd

export interface Containerd {
  /** Scratch dir holding config, root, state, sockets, the runc root and fifos. */
  readonly dir: string;
  /** grpc socket (ctr --address). */
  readonly address: string;
  /** ctr namespace; carries the run prefix, so the default cgroups /<ns>/<id> do too. */
  readonly namespace: string;
  /** A private copy of the busybox rootfs for `ctr run --rootfs`. */
  readonly rootfs: string;
  /** --runc-root given to every `ctr run`: the runtime's state root is <runcRoot>/<namespace>. */
  readonly runcRoot: string;
  readonly fifoDir: string;
  readonly pid: number;
  /** `ctr --address SOCK --namespace NS <args>`. */
  ctr(args: string[], options?: { input?: string; timeoutMs?: number }): RunResult;
  /** Full argv of `ctr ... run --runc-binary BIN ... <extra> --rootfs ROOTFS ID CMD...` (for tmux). */
  runArgv(id: string, command: string[], extra?: string[]): string[];
  /** `ctr run ...` as above, synchronously. */
  run(id: string, command: string[], extra?: string[], options?: { input?: string; timeoutMs?: number }): RunResult;
  /** Pid of a container's task (from `ctr task ls`), or undefined. */
  taskPid(id: string): number | undefined;
  /** Kills and deletes every task and container of the namespace. */
  removeAllContainers(): string[];
}

/**
 * Starts a private containerd (CRI disabled, everything under a scratch dir)
 * and waits until it answers. Its teardown is registered on `tracker`'s current
 * scope: containers removed through ctr, containerd stopped by pid (SIGTERM,
 * then SIGKILL), our shims killed by their -address, their sockets removed,
 * the runtime's state root force-deleted, the namespace's cgroups removed.
 */
export async function startContainerd(runtimeBinary: string, tracker: CleanupTracker = defaultCleanup): Promise<Containerd> {
  const dir = scratchDir('containerd', tracker);
  const address = path.join(dir, 'c.sock');
  const namespace = `${RUN_PREFIX}-ctd`;
  const runcRoot = path.join(dir, 'runc');
  const fifoDir = path.join(dir, 'fifo');
  const rootfs = path.join(dir, 'rootfs');
  fs.mkdirSync(runcRoot);
  fs.mkdirSync(fifoDir);
  buildBusyboxRootfs(rootfs);
  // ctr's default cgroupsPath is /<namespace>/<id>; the parent /<namespace> stays behind after delete.
  tracker.trackCgroup(`/${namespace}`);
  const config = [
    'version = 2',
    `root = ${JSON.stringify(path.join(dir, 'root'))}`,
    `state = ${JSON.stringify(path.join(dir, 'state'))}`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '[grpc]',
    `  address = ${JSON.stringify(address)}`,
    '[ttrpc]',
    `  address = ${JSON.stringify(`${address}.ttrpc`)}`,
    '[debug]',
    `  address = ${JSON.stringify(path.join(dir, 'debug.sock'))}`,
    '[metrics]',
    '  address = ""',
    '',
  ].join('\n');
  const configFile = path.join(dir, 'config.toml');
  fs.writeFileSync(configFile, config);
  const log = fs.openSync(path.join(dir, 'containerd.log'), 'w');
  const child = spawn('containerd', ['--config', configFile], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error('containerd did not start');
  child.on('error', () => undefined);
  tracker.trackProcess(pid);

  const ctr = (args: string[], options: { input?: string; timeoutMs?: number } = {}) =>
    runCommand('ctr', ['--address', address, '--namespace', namespace, ...args], options);

  const removeAllContainers = (): string[] => {
    const problems: string[] = [];
    const listed = ctr(['containers', 'list', '--quiet'], { timeoutMs: 15000 });
    if (listed.code !== 0) return [`ctr containers list: ${listed.stderr.trim()}`];
    for (const id of listed.stdout.split('\n').map((s) => s.trim()).filter(Boolean)) {
      ctr(['task', 'kill', '--signal', 'SIGKILL', '--all', id], { timeoutMs: 15000 });
      // The task must have stopped before it can be deleted.
      const deadline = Date.now() + 10000;
      for (;;) {
        const del = ctr(['task', 'delete', id], { timeoutMs: 15000 });
        if (del.code === 0 || /not found/.test(del.stderr) || Date.now() > deadline) break;
        sleepSync(100);
      }
      const gone = ctr(['container', 'delete', id], { timeoutMs: 15000 });
      if (gone.code !== 0) problems.push(`ctr container delete ${id}: ${gone.stderr.trim()}`);
    }
    return problems;
  };

  const shimPids = (): number[] =>
    allPids().filter((p) => {
      const argv = processCmdline(p);
      if (!argv[0] || !path.basename(argv[0]).startsWith('containerd-shim')) return false;
      const i = argv.indexOf('-address');
      return i >= 0 && argv[i + 1] === address;
    });

  tracker.defer(() => {
    const problems = removeAllContainers();
    stopPid(pid, 10000);
    // A shim outlives containerd; ours name our socket in -address.
    for (const shim of shimPids()) {
      const argv = processCmdline(shim);
      const arg = (flag: string) => argv[argv.indexOf(flag) + 1];
      try {
        process.kill(shim, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
      waitForExit(shim, 5000);
      // The shim's socket is /run/containerd/s/<sha256 of address/namespace/id>; a killed shim leaves it.
      if (argv.includes('-namespace') && argv.includes('-id')) {
        const hash = crypto.createHash('sha256').update(path.join(arg('-address'), arg('-namespace'), arg('-id'))).digest('hex');
        fs.rmSync(path.join('/run/containerd/s', hash), { force: true });
      }
    }
    const survivors = shimPids();
    if (survivors.length > 0) problems.push(`containerd shims still alive: ${survivors.join(', ')}`);
    // Whatever the runtime still knows (a shim killed before it deleted its container).
    const stateRoot = path.join(runcRoot, namespace);
    if (fs.existsSync(stateRoot)) {
      for (const id of fs.readdirSync(stateRoot)) {
        const r = runCommand(runtimeBinary, ['--root', stateRoot, 'delete', '--force', id], { timeoutMs: 15000 });
        if (r.code !== 0 && fs.existsSync(path.join(stateRoot, id))) problems.push(`${runtimeBinary} delete --force ${id}: ${r.stderr.trim()}`);
      }
    }
    if (problems.length > 0) throw new Error(problems.join('\n'));
  });

  // Wait for the socket and an answer.
  const deadline = Date.now() + 30000;
  for (;;) {
    if (!isAlive(pid)) throw new Error(`containerd exited early:\n${fs.readFileSync(path.join(dir, 'containerd.log'), 'utf8')}`);
    if (fs.existsSync(address) && ctr(['version'], { timeoutMs: 5000 }).code === 0) break;
    if (Date.now() > deadline) throw new Error(`containerd did not answer on ${address} within 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }

  const runArgv = (id: string, command: string[], extra: string[] = []): string[] => [
    'ctr',
    '--address',
    address,
    '--namespace',
    namespace,
    'run',
    '--runc-binary',
    runtimeBinary,
    '--runc-root',
    runcRoot,
    '--fifo-dir',
    fifoDir,
    ...extra,
    // --rootfs is a boolean flag: the directory is the first positional argument, and flags must precede it.
    '--rootfs',
    rootfs,
    id,
    ...command,
  ];

  return {
    dir,
    address,
    namespace,
    rootfs,
    runcRoot,
    fifoDir,
    pid,
    ctr,
    runArgv,
    run: (id, command, extra = [], options = {}) => {
      const argv = runArgv(id, command, extra);
      return runCommand(argv[0], argv.slice(1), options);
    },
    taskPid: (id) => {
      const listed = ctr(['task', 'list']);
      const line = listed.stdout.split('\n').find((l) => l.split(/\s+/)[0] === id);
      const pidField = line ? Number(line.split(/\s+/)[1]) : NaN;
      return Number.isInteger(pidField) && pidField > 0 ? pidField : undefined;
    },
    removeAllContainers,
  };
}

// ---------------------------------------------------------------- podman

export interface Podman {
  /** Scratch dir holding storage (root, runroot, tmpdir, network config) and the rootfs copy. */
  readonly dir: string;
  /** A private copy of the busybox rootfs for `--rootfs`. */
  readonly rootfs: string;
  /** --cgroup-parent of every container: carries the run prefix so the leftover check sees podman's cgroups. */
  readonly cgroupParent: string;
  /** Global flags: private storage, cgroupfs, file events, --runtime <skiff>. */
  readonly globalArgs: string[];
  /** Flags every `podman run` needs here (network, ulimits, cgroup parent). */
  readonly runFlags: string[];
  podman(args: string[], options?: { input?: string; timeoutMs?: number }): RunResult;
  /** Full argv of `podman <global> run <runFlags> <extra> --rootfs ROOTFS CMD...`. */
  runArgv(extra: string[], command: string[]): string[];
  run(extra: string[], command: string[], options?: { input?: string; timeoutMs?: number }): RunResult;
  /** `podman rm -af -t 0`. */
  removeAll(): void;
}

/**
 * podman's default ulimits (nofile and nproc 1048576) are above this host's hard
 * limits, and root here lacks CAP_SYS_RESOURCE to raise a hard limit, so
 * setrlimit fails in any runtime (runc too). Ask for 20000 (this host's hard
 * nofile limit), or less where our own hard limit is lower. Not simply our hard
 * nproc limit: the runtime under conmon gets a lower one than this process has
 * (96362 here fails with runc and skiff alike).
 */
export function podmanUlimitFlags(): string[] {
  const cap = (hard: number | undefined) => Math.min(20000, hard ?? 20000);
  const nofile = cap(hardLimit('Max open files'));
  const nproc = cap(hardLimit('Max processes'));
  return ['--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', `nproc=${nproc}:${nproc}`];
}

/**
 * podman with storage, state and network config of its own below a scratch dir
 * (vfs: no image is used, so no overlay mount is ever made). Teardown, on
 * `tracker`'s current scope: every container removed, `system reset`, then the
 * dirs are unmounted below and removed by the tracker.
 */
export function setupPodman(runtimeBinary: string, tracker: CleanupTracker = defaultCleanup): Podman {
  const dir = scratchDir('podman', tracker);
  const rootfs = path.join(dir, 'rootfs');
  buildBusyboxRootfs(rootfs);
  const cgroupParent = `/${RUN_PREFIX}-podman`;
  tracker.trackCgroup(cgroupParent);
  const globalArgs = [
    '--root', path.join(dir, 'root'),
    '--runroot', path.join(dir, 'runroot'),
    '--tmpdir', path.join(dir, 'tmp'),
    '--network-config-dir', path.join(dir, 'networks'),
    '--storage-driver', 'vfs',
    '--cgroup-manager', 'cgroupfs',
    '--events-backend', 'file',
    '--runtime', runtimeBinary,
  ];
  const runFlags = ['--network', 'none', '--cgroup-parent', cgroupParent, ...podmanUlimitFlags()];
  const podman = (args: string[], options: { input?: string; timeoutMs?: number } = {}) => runCommand('podman', [...globalArgs, ...args], options);
  const removeAll = () => {
    const r = podman(['rm', '--all', '--force', '--time', '0'], { timeoutMs: 60000 });
    if (r.code !== 0) throw new Error(`podman rm -af: ${r.stderr.trim()}`);
  };
  tracker.defer(() => {
    removeAll();
    const reset = podman(['system', 'reset', '--force'], { timeoutMs: 60000 });
    if (reset.code !== 0) throw new Error(`podman system reset: ${reset.stderr.trim()}`);
  });
  const runArgv = (extra: string[], command: string[]) => ['podman', ...globalArgs, 'run', ...runFlags, ...extra, '--rootfs', rootfs, ...command];
  return {
    dir,
    rootfs,
    cgroupParent,
    globalArgs,
    runFlags,
    podman,
    runArgv,
    run: (extra, command, options = {}) => runCommand('podman', runArgv(extra, command).slice(1), options),
    removeAll,
  };
}

// ---------------------------------------------------------------- tmux

export interface TmuxSession {
  /** Types text followed by Enter. */
  typeLine(text: string): void;
  /** The pane's visible text (trailing blank lines dropped). */
  capture(): string;
  /** Polls the pane until `pattern` matches; throws with the pane's text on timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number): string;
  /** Resizes the terminal, as a user dragging the window would. */
  resize(cols: number, rows: number): void;
  kill(): void;
}

/** Whether a real terminal can be had (tmux installed). */
export function haveTmux(): boolean {
  return runCommand('tmux', ['-V'], { timeoutMs: 5000 }).code === 0;
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs `argv` in a detached tmux session of the given size on a private server
 * (socket in a scratch dir). When the command ends the pane prints EXIT=<code>
 * and stays. The server is killed at teardown (kill-server, then by pid).
 */
export function startTmux(argv: string[], size: { cols: number; rows: number }, tracker: CleanupTracker = defaultCleanup): TmuxSession {
  const dir = scratchDir('tmux', tracker);
  const socket = path.join(dir, 'tmux.sock');
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: process.env.TERM && process.env.TERM !== 'dumb' ? process.env.TERM : 'xterm' };
  delete env.TMUX;
  const tmux = (args: string[]) => runCommand('tmux', ['-S', socket, ...args], { env, timeoutMs: 15000 });
  const line = `${argv.map(shellQuote).join(' ')}; echo "EXIT=$?"; sleep 600`;
  const started = tmux(['-f', '/dev/null', 'new-session', '-d', '-x', String(size.cols), '-y', String(size.rows), 'sh', '-c', line]);
  if (started.code !== 0) throw new Error(`tmux new-session failed: ${started.stderr}`);
  const serverPid = Number(tmux(['display-message', '-p', '#{pid}']).stdout.trim());
  if (Number.isInteger(serverPid) && serverPid > 0) tracker.trackProcess(serverPid);
  const kill = () => {
    tmux(['kill-server']);
    if (Number.isInteger(serverPid) && serverPid > 0) stopPid(serverPid, 3000);
  };
  tracker.defer(kill);
  const capture = () => tmux(['capture-pane', '-p']).stdout.replace(/\n+$/, '');
  return {
    typeLine: (text) => {
      // -l: literal text, then a separate Enter key.
      tmux(['send-keys', '-l', text]);
      tmux(['send-keys', 'Enter']);
    },
    capture,
    resize: (cols, rows) => {
      tmux(['resize-window', '-x', String(cols), '-y', String(rows)]);
    },
    waitFor: (pattern, timeoutMs = 15000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = capture();
        if (pattern.test(text)) return text;
        if (Date.now() > deadline) throw new Error(`tmux: ${pattern} not seen within ${timeoutMs} ms; pane:\n${text}`);
        sleepSync(100);
      }
    },
    kill,
  };
}

