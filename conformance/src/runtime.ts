/**
 * Drives one runtime binary through runc's command line: `--root DIR` before
 * the command, `create --bundle B --pid-file F ID`, `start ID`, `state ID`,
 * `kill ID SIG`, `delete [--force] ID`, `features`.
 *
 * Every invocation writes its stdout/stderr to files (never pipes: a container
 * started by `create` inherits them and would hold a pipe open), so output is
 * read after the process exits.
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { readText } from './util';

export interface Invocation {
  args: string[];
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
  /** Files that received the invocation's stdout / stderr (and, for create, the container's). */
  stdoutFile: string;
  stderrFile: string;
}

export interface ContainerState {
  ociVersion: string;
  id: string;
  status: string;
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
  [k: string]: unknown;
}

/** A runtime under test: a binary path plus what we learnt about it once. */
export class Runtime {
  version = '';
  features: any = null;
  featuresError = '';

  constructor(
    public readonly path: string,
    public readonly label: string,
  ) {}

  probe(): void {
    const v = spawnSync(this.path, ['--version'], { encoding: 'utf8', timeout: 15000 });
    this.version = ((v.stdout || '') + (v.stderr || '')).split('\n').filter(Boolean).slice(0, 2).join('; ');
    const f = spawnSync(this.path, ['features'], { encoding: 'utf8', timeout: 15000 });
    if (f.status === 0) {
      try {
        this.features = JSON.parse(f.stdout);
      } catch (e) {
        this.featuresError = `features printed invalid JSON: ${(e as Error).message}`;
      }
    } else {
      this.featuresError = `\`features\` failed (exit ${f.status}): ${(f.stderr || f.stdout || '').trim().slice(0, 200)}`;
    }
  }
}

export class RuntimeSession {
  private n = 0;
  constructor(
    public readonly rt: Runtime,
    public readonly root: string,
    private readonly ioDir: string,
    private readonly defaultTimeoutMs = 20000,
  ) {
    fs.mkdirSync(root, { recursive: true });
    fs.mkdirSync(ioDir, { recursive: true });
  }

  /** Runs `<runtime> --root ROOT args...`. */
  invoke(args: string[], opts: { timeoutMs?: number; noRoot?: boolean; stdin?: string; wrap?: string[] } = {}): Promise<Invocation> {
    const full = opts.noRoot ? args : ['--root', this.root, ...args];
    const tag = `${String(++this.n).padStart(2, '0')}-${(args.find((a) => !a.startsWith('-')) || 'x').replace(/\W/g, '')}`;
    const outFile = path.join(this.ioDir, `${tag}.out`);
    const errFile = path.join(this.ioDir, `${tag}.err`);
    const out = fs.openSync(outFile, 'w');
    const err = fs.openSync(errFile, 'w');
    let inFd: number | 'ignore' = 'ignore';
    if (opts.stdin !== undefined) {
      const inFile = path.join(this.ioDir, `${tag}.in`);
      fs.writeFileSync(inFile, opts.stdin);
      inFd = fs.openSync(inFile, 'r');
    }
    const started = Date.now();
    return new Promise((resolve) => {
      const [cmd, ...cmdArgs] = opts.wrap ? [...opts.wrap, this.rt.path, ...full] : [this.rt.path, ...full];
      let child: ReturnType<typeof spawn>;
      try {
        child = spawn(cmd, cmdArgs, { stdio: [inFd, out, err], detached: true });
      } catch (e) {
        // e.g. ETXTBSY while the binary is being rebuilt: report it as a failed invocation.
        fs.closeSync(out);
        fs.closeSync(err);
        if (typeof inFd === 'number') fs.closeSync(inFd);
        fs.appendFileSync(errFile, `spawn error: ${(e as Error).message}\n`);
        resolve({ args: full, code: 127, signal: null, stdout: '', stderr: `spawn error: ${(e as Error).message}`, timedOut: false, ms: 0, stdoutFile: outFile, stderrFile: errFile });
        return;
      }
      fs.closeSync(out);
      fs.closeSync(err);
      if (typeof inFd === 'number') fs.closeSync(inFd);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, opts.timeoutMs ?? this.defaultTimeoutMs);
      const finish = (code: number | null, signal: string | null) => {
        clearTimeout(timer);
        resolve({
          args: full,
          code,
          signal,
          stdout: readText(outFile) || '',
          stderr: readText(errFile) || '',
          timedOut,
          ms: Date.now() - started,
          stdoutFile: outFile,
          stderrFile: errFile,
        });
      };
      child.on('error', (e) => {
        fs.appendFileSync(errFile, `spawn error: ${e.message}\n`);
        finish(127, null);
      });
      child.on('exit', (code, signal) => finish(code, signal));
    });
  }

  create(id: string, bundle: string, pidFile?: string, extra: string[] = []): Promise<Invocation> {
    const args = ['create', '--bundle', bundle];
    if (pidFile) args.push('--pid-file', pidFile);
    return this.invoke([...args, ...extra, id]);
  }

  start(id: string): Promise<Invocation> {
    return this.invoke(['start', id]);
  }

  kill(id: string, signal = 'KILL'): Promise<Invocation> {
    return this.invoke(['kill', id, signal]);
  }

  delete(id: string, force = false): Promise<Invocation> {
    return this.invoke(force ? ['delete', '--force', id] : ['delete', id]);
  }

  async state(id: string): Promise<{ inv: Invocation; state?: ContainerState; parseError?: string }> {
    const inv = await this.invoke(['state', id]);
    if (inv.code !== 0) return { inv };
    try {
      return { inv, state: JSON.parse(inv.stdout) };
    } catch (e) {
      return { inv, parseError: (e as Error).message };
    }
  }
}

/** One line describing a failed invocation, for failure messages. */
export function describe(inv: Invocation): string {
  const what = inv.timedOut ? 'timed out' : inv.signal ? `killed by ${inv.signal}` : `exit ${inv.code}`;
  const msg = (inv.stderr || inv.stdout).trim().split('\n').slice(-3).join(' / ');
  return `\`${inv.args.filter((a, i, all) => !(a === '--root' || all[i - 1] === '--root')).join(' ')}\` ${what}${msg ? ': ' + msg.slice(0, 300) : ''}`;
}
