/**
 * A thin driver for any runc-compatible binary: builds the command lines,
 * applies timeouts, parses `state`, and registers every container it creates
 * with the cleanup tracker so tests never leak containers.
 *
 *   const rt = new RuntimeUnderTest();               // $SKIFF_BIN or <repo>/bin/skiff
 *   const r = rt.run(id, bundle);                     // { code, stdout, stderr, ... }
 *   rt.create(id, bundle); rt.start(id); rt.state(id).status === 'running'
 *
 * Each instance owns a fresh scratch dir /tmp/skiff-test-rt-XXXXXX holding the
 * state root (--root), the log file and the captured stdio of detached containers.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ChildProcessWithoutNullStreams, spawn, spawnSync, SpawnSyncOptions, StdioOptions } from 'child_process';
import { Bundle } from './bundle';
import { CleanupTracker, ContainerOwner, defaultCleanup } from './cleanup';
import { findExecutable } from './host';
import { carriesTestMarker, makeTempDir, REPO_ROOT } from './names';
import { sleepSync } from './processes';

export interface RunResult {
  /** The full argument list after the binary, for error messages. */
  args: string[];
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

/** What `state` prints (runtime.md "State"). */
export interface ContainerState {
  ociVersion: string;
  id: string;
  status: 'creating' | 'created' | 'running' | 'stopped' | string;
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface RuntimeOptions {
  /** State root (--root). Default: <scratch>/state, a fresh directory. */
  root?: string;
  /** --log: true puts it at <scratch>/runtime.log; a string names the file. */
  log?: boolean | string;
  /** --log-format, used when `log` is set. Default json. */
  logFormat?: 'json' | 'text';
  debug?: boolean;
  /** More global flags, placed before the command (e.g. ['--systemd-cgroup']). */
  globalArgs?: string[];
  /** Per invocation. Default 30 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cleanup?: CleanupTracker;
}

/**
 * How a detached container's stdio is wired:
 * - 'files' (default): /dev/null in, stdout/stderr to <scratch>/io/<id>.{stdout,stderr};
 *   the runtime's own messages land there too and come back in the result, and
 *   rt.output(id) reads the container's output later.
 * - 'ignore': /dev/null for all three.
 * - 'inherit': the test process's stdio (noisy; for debugging).
 * Never pipes: a pipe held open by the container would block a synchronous call.
 */
export type DetachedStdio = 'files' | 'ignore' | 'inherit';

export interface InvokeOptions {
  /** Data for stdin (foreground commands only). */
  input?: string | Buffer;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface SpawnedRuntime {
  child: ChildProcessWithoutNullStreams;
  done: Promise<RunResult>;
  stdoutSoFar(): string;
  stderrSoFar(): string;
}

export interface CreateOptions extends InvokeOptions {
  /** --pid-file: true picks <scratch>/<id>.pid; a string names the file. */
  pidFile?: boolean | string;
  consoleSocket?: string;
  stdio?: DetachedStdio;
  /** Extra flags for the command itself, before the container id. */
  extraArgs?: string[];
}

export interface RunOptions extends CreateOptions {
  /** run --detach: returns once the container runs; stdio as for create. */
  detach?: boolean;
}

export interface ExecOptions extends InvokeOptions {
  extraArgs?: string[];
}

/** The runtime the e2e tests exercise: $SKIFF_BIN, else the built bin/skiff. */
export function defaultRuntimeBinary(): string {
  return process.env.SKIFF_BIN || path.join(REPO_ROOT, 'bin', 'skiff');
}

/** The runtime the harness's own tests use: $HARNESS_RUNTIME, else runc. */
export function harnessRuntimeBinary(): string {
  return process.env.HARNESS_RUNTIME || findExecutable('runc') || '/usr/sbin/runc';
}

/** Returns the result when the command succeeded, else throws with everything needed to debug. */
export function ok(result: RunResult): RunResult {
  if (result.code === 0) return result;
  throw new Error(describeFailure(result));
}

export function describeFailure(result: RunResult): string {
  const how = result.timedOut ? 'timed out' : result.signal ? `killed by ${result.signal}` : `exit code ${result.code}`;
  return `runtime ${result.args.join(' ')}: ${how}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;
}

function bundlePath(bundle: Bundle | string): string {
  return typeof bundle === 'string' ? bundle : bundle.path;
}

export class RuntimeUnderTest implements ContainerOwner {
  readonly scratch: string;
  readonly root: string;
  readonly logFile: string | undefined;
  private readonly globalArgs: string[];
  private readonly timeoutMs: number;
  private readonly env: NodeJS.ProcessEnv | undefined;
  private readonly tracker: CleanupTracker;

  constructor(readonly binary: string = defaultRuntimeBinary(), options: RuntimeOptions = {}) {
    this.tracker = options.cleanup ?? defaultCleanup;
    this.scratch = makeTempDir('rt');
    this.tracker.trackDir(this.scratch);
    this.root = options.root ?? path.join(this.scratch, 'state');
    // A caller-provided root is removed afterwards only if it is a test directory.
    if (options.root !== undefined && carriesTestMarker(path.resolve(options.root))) this.tracker.trackDir(options.root);
    fs.mkdirSync(path.join(this.scratch, 'io'), { recursive: true });
    this.logFile = options.log === true ? path.join(this.scratch, 'runtime.log') : options.log || undefined;

    this.globalArgs = ['--root', this.root];
    if (this.logFile) this.globalArgs.push('--log', this.logFile, '--log-format', options.logFormat ?? 'json');
    if (options.debug) this.globalArgs.push('--debug');
    this.globalArgs.push(...(options.globalArgs ?? []));
    this.timeoutMs = options.timeoutMs ?? 30000;
    this.env = options.env;
    this.tracker.trackOwner(this);
  }

  get description(): string {
    return `${this.binary} --root ${this.root}`;
  }

  /** Runs `<binary> <global flags> <args>` in the foreground and captures its output. */
  invoke(args: string[], options: InvokeOptions = {}): RunResult {
    return this.spawnCaptured([...this.globalArgs, ...args], options);
  }

  /** Like invoke() but without blocking the event loop (for concurrent work in a test). */
  invokeAsync(args: string[], options: InvokeOptions = {}): Promise<RunResult> {
    return this.spawnRuntime(args, options).done;
  }

  /**
   * Starts `<binary> <global flags> <args>` with piped stdio and hands back the
   * child (to signal it, or to write to its stdin while it runs) and a promise
   * of its result. `done` resolves when the process exited and, unless
   * `resolveOnExit`, when its stdout and stderr were closed too (a container
   * that inherited them keeps them open).
   */
  spawnRuntime(args: string[], options: InvokeOptions & { resolveOnExit?: boolean; keepStdinOpen?: boolean } = {}): SpawnedRuntime {
    const fullArgs = [...this.globalArgs, ...args];
    const started = Date.now();
    const child = spawn(this.binary, fullArgs, { env: options.env ?? this.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.stdin.on('error', () => undefined); // the runtime may exit before reading stdin
    if (!options.keepStdinOpen) child.stdin.end(options.input ?? '');
    else if (options.input !== undefined) child.stdin.write(options.input);
    const done = new Promise<RunResult>((resolve) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, options.timeoutMs ?? this.timeoutMs);
      const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
        clearTimeout(timer);
        resolve({
          args: fullArgs,
          code,
          signal,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8') + (spawnError ? `\n[spawn error: ${spawnError.message}]` : ''),
          timedOut,
          durationMs: Date.now() - started,
        });
      };
      child.on('error', (e) => finish(null, null, e));
      child.on(options.resolveOnExit ? 'exit' : 'close', (code, signal) => finish(code, signal));
    });
    return {
      child,
      done,
      stdoutSoFar: () => Buffer.concat(out).toString('utf8'),
      stderrSoFar: () => Buffer.concat(err).toString('utf8'),
    };
  }

  create(id: string, bundle: Bundle | string, options: CreateOptions = {}): RunResult {
    const args = ['create', '--bundle', bundlePath(bundle), ...this.detachedFlags(id, options), ...(options.extraArgs ?? []), id];
    return this.launchDetached(id, bundle, args, options);
  }

  start(id: string, options: InvokeOptions = {}): RunResult {
    return this.invoke(['start', id], options);
  }

  /**
   * `run`: in the foreground it returns the container's exit code and output;
   * with detach it behaves like create + start.
   */
  run(id: string, bundle: Bundle | string, options: RunOptions = {}): RunResult {
    const flags = [...(options.detach ? ['--detach'] : []), ...this.detachedFlags(id, options)];
    const args = ['run', '--bundle', bundlePath(bundle), ...flags, ...(options.extraArgs ?? []), id];
    if (options.detach) return this.launchDetached(id, bundle, args, options);
    this.noteContainer(id, bundle);
    return this.invoke(args, options);
  }

  /**
   * Foreground `run` without blocking: the test can signal the runtime process
   * or act on the container while it runs. Resolves when the runtime exits.
   */
  runAsync(id: string, bundle: Bundle | string, options: InvokeOptions & { extraArgs?: string[]; keepStdinOpen?: boolean } = {}): SpawnedRuntime {
    this.noteContainer(id, bundle);
    const args = ['run', '--bundle', bundlePath(bundle), ...(options.extraArgs ?? []), id];
    return this.spawnRuntime(args, options);
  }

  /** Registers a container that the test starts by other means (e.g. a raw invocation) for cleanup. */
  track(id: string, bundle: Bundle | string): void {
    this.noteContainer(id, bundle);
  }

  /** Parsed `state`; throws when the runtime fails (e.g. unknown id). */
  state(id: string): ContainerState {
    const result = ok(this.invoke(['state', id]));
    try {
      return JSON.parse(result.stdout) as ContainerState;
    } catch {
      throw new Error(`state ${id} printed invalid JSON:\n${result.stdout}`);
    }
  }

  /** Parsed `state`, or undefined when the runtime reports an error. */
  tryState(id: string): ContainerState | undefined {
    try {
      return this.state(id);
    } catch {
      return undefined;
    }
  }

  /** Polls `state` until the status matches; throws with the last state on timeout. */
  waitForStatus(id: string, status: string, timeoutMs = 10000): ContainerState {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = this.tryState(id);
      if (current?.status === status) return current;
      if (Date.now() > deadline) throw new Error(`container ${id} did not reach "${status}" within ${timeoutMs} ms; last state: ${JSON.stringify(current)}`);
      sleepSync(25);
    }
  }

  kill(id: string, signal: string = 'SIGTERM', options: { all?: boolean } & InvokeOptions = {}): RunResult {
    return this.invoke(['kill', ...(options.all ? ['--all'] : []), id, signal], options);
  }

  delete(id: string, options: { force?: boolean } & InvokeOptions = {}): RunResult {
    return this.invoke(['delete', ...(options.force ? ['--force'] : []), id], options);
  }

  /** `exec` of a process in a running container, in the foreground. */
  exec(id: string, processArgs: string[], options: ExecOptions = {}): RunResult {
    return this.invoke(['exec', ...(options.extraArgs ?? []), id, ...processArgs], options);
  }

  /** Output a detached container wrote so far (stdio 'files'). */
  output(id: string): { stdout: string; stderr: string } {
    const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
    return { stdout: read(this.ioFile(id, 'stdout')), stderr: read(this.ioFile(id, 'stderr')) };
  }

  /** Where `pidFile: true` puts the pid file of a container. */
  pidFilePath(id: string): string {
    return path.join(this.scratch, 'io', `${id}.pid`);
  }

  /** Entries of the --log file; lines that are not JSON come back as { raw }. */
  readLog(): Array<Record<string, unknown>> {
    if (!this.logFile || !fs.existsSync(this.logFile)) return [];
    return fs
      .readFileSync(this.logFile, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          return { raw: line };
        }
      });
  }

  // ContainerOwner, used by the cleanup tracker.

  listContainerIds(): string[] {
    const ids = new Set<string>();
    const listed = this.invoke(['list', '--format', 'json'], { timeoutMs: 10000 });
    if (listed.code === 0) {
      try {
        const parsed = JSON.parse(listed.stdout) as Array<{ id?: string }> | null;
        for (const entry of parsed ?? []) if (entry.id) ids.add(entry.id);
      } catch {
        // unparsable list output: fall back to the directory scan
      }
    }
    // runc keeps one directory per container in its root; a runtime that lists
    // badly still gets its containers deleted this way.
    if (fs.existsSync(this.root)) {
      for (const entry of fs.readdirSync(this.root, { withFileTypes: true })) if (entry.isDirectory()) ids.add(entry.name);
    }
    return [...ids];
  }

  forceDelete(id: string): void {
    const result = this.delete(id, { force: true, timeoutMs: 15000 });
    if (result.code !== 0 && this.tryState(id) !== undefined) throw new Error(describeFailure(result));
  }

  // Internals.

  private ioFile(id: string, stream: 'stdout' | 'stderr'): string {
    return path.join(this.scratch, 'io', `${id}.${stream}`);
  }

  private detachedFlags(id: string, options: CreateOptions): string[] {
    const flags: string[] = [];
    const pidFile = options.pidFile === true ? this.pidFilePath(id) : options.pidFile || undefined;
    if (pidFile) flags.push('--pid-file', pidFile);
    if (options.consoleSocket) flags.push('--console-socket', options.consoleSocket);
    return flags;
  }

  /** Tells the tracker about the container and the cgroup it will get, before it exists. */
  private noteContainer(id: string, bundle: Bundle | string): void {
    this.tracker.trackContainer(this, id);
    let cgroupsPath: string | undefined;
    try {
      const config = JSON.parse(fs.readFileSync(path.join(bundlePath(bundle), 'config.json'), 'utf8')) as { linux?: { cgroupsPath?: unknown } };
      if (typeof config.linux?.cgroupsPath === 'string' && config.linux.cgroupsPath !== '') cgroupsPath = config.linux.cgroupsPath;
    } catch {
      // a deliberately broken config: the runtime will refuse it anyway
    }
    // Without cgroupsPath, runc names the cgroup after the container id.
    if (cgroupsPath === undefined || !cgroupsPath.includes(':')) this.tracker.trackCgroup(cgroupsPath ?? id);
  }

  private launchDetached(id: string, bundle: Bundle | string, args: string[], options: CreateOptions): RunResult {
    this.noteContainer(id, bundle);
    const mode = options.stdio ?? 'files';
    let stdio: StdioOptions = mode === 'inherit' ? 'inherit' : 'ignore';
    const opened: number[] = [];
    if (mode === 'files') {
      const out = fs.openSync(this.ioFile(id, 'stdout'), 'w');
      const err = fs.openSync(this.ioFile(id, 'stderr'), 'w');
      opened.push(out, err);
      stdio = ['ignore', out, err];
    }
    let result: RunResult;
    try {
      result = this.spawnCaptured([...this.globalArgs, ...args], options, stdio);
    } finally {
      for (const fd of opened) fs.closeSync(fd);
    }
    if (mode === 'files') {
      const written = this.output(id);
      result = { ...result, stdout: written.stdout, stderr: written.stderr };
    }
    if (result.code === 0) {
      const pid = this.tryState(id)?.pid;
      if (pid) this.tracker.trackProcess(pid);
    }
    return result;
  }

  private spawnCaptured(fullArgs: string[], options: InvokeOptions, stdio: StdioOptions = 'pipe'): RunResult {
    const started = Date.now();
    const spawnOptions: SpawnSyncOptions = {
      env: options.env ?? this.env,
      cwd: options.cwd,
      input: options.input,
      stdio,
      timeout: options.timeoutMs ?? this.timeoutMs,
      killSignal: 'SIGKILL',
      maxBuffer: 64 * 1024 * 1024,
    };
    const r = spawnSync(this.binary, fullArgs, spawnOptions);
    const errorCode = (r.error as NodeJS.ErrnoException | undefined)?.code;
    return {
      args: fullArgs,
      code: r.status,
      signal: r.signal,
      stdout: r.stdout ? r.stdout.toString() : '',
      stderr: (r.stderr ? r.stderr.toString() : '') + (r.error && errorCode !== 'ETIMEDOUT' ? `\n[spawn error: ${r.error.message}]` : ''),
      timedOut: errorCode === 'ETIMEDOUT',
      durationMs: Date.now() - started,
    };
  }
}
