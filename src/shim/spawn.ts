/**
 * Starting skiff-init. Under bun (the shipped binary) this is Bun.spawn: loading node's
 * child_process there pulls in bun's event-emitter and stream layers, measured at ~5 ms of every
 * create, run and exec. Under node (jest, `node dist/src/main.js`) it is child_process.spawn.
 */
import type * as ChildProcess from 'child_process';

export interface ShimExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What the child gets at fd 0, 1, 2, 3...: one of our fds, ours at the same number, or nothing. */
export type FdSlot = number | 'inherit' | 'ignore';

export interface SpawnedShim {
  readonly pid: number | undefined;
  readonly exited: Promise<ShimExit>;
  kill(signal: NodeJS.Signals): void;
  /** Our exit no longer waits for the child. */
  unref(): void;
}

/** The part of bun's API used here (no bun types in this project). */
interface BunSubprocess {
  pid: number;
  exited: Promise<number>;
  signalCode: NodeJS.Signals | null;
  exitCode: number | null;
  kill(signal?: NodeJS.Signals): void;
  unref(): void;
}
interface BunRuntime {
  spawn(cmd: string[], opts: { stdio: FdSlot[]; env: Record<string, string>; argv0: string }): BunSubprocess;
}

export function spawnShim(file: string, argv0: string, stdio: FdSlot[], env: Record<string, string>): SpawnedShim {
  const bun = (globalThis as { Bun?: BunRuntime }).Bun;
  return bun ? spawnWithBun(bun, file, argv0, stdio, env) : spawnWithNode(file, argv0, stdio, env);
}

function spawnWithBun(bun: BunRuntime, file: string, argv0: string, stdio: FdSlot[], env: Record<string, string>): SpawnedShim {
  let proc: BunSubprocess;
  try {
    proc = bun.spawn([file], { stdio, env, argv0 });
  } catch {
    // As child_process reports a failed exec: no pid, exit status 127.
    return { pid: undefined, exited: Promise.resolve({ code: 127, signal: null }), kill() {}, unref() {} };
  }
  return {
    pid: proc.pid,
    exited: proc.exited.then(() => ({ code: proc.exitCode, signal: proc.signalCode })),
    kill: (signal) => proc.kill(signal),
    unref: () => proc.unref(),
  };
}

function spawnWithNode(file: string, argv0: string, stdio: FdSlot[], env: Record<string, string>): SpawnedShim {
  const { spawn } = require('child_process') as typeof ChildProcess;
  const child = spawn(file, [], { stdio, env, argv0 });
  const exited = new Promise<ShimExit>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', () => resolve({ code: 127, signal: null }));
  });
  return {
    pid: child.pid,
    exited,
    kill: (signal) => child.kill(signal),
    unref: () => child.unref(),
  };
}
