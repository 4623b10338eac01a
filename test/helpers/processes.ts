/** Small /proc based process checks used by cleanup and the runtime driver. */
import * as fs from 'fs';

function readStat(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
}

/** Fields after "pid (comm)"; comm may contain spaces and parentheses, so split after the last ")". */
function statFields(pid: number): string[] | undefined {
  const stat = readStat(pid);
  if (stat === undefined) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Process state letter (R, S, Z, ...) or undefined when the pid does not exist. */
export function processState(pid: number): string | undefined {
  return statFields(pid)?.[0];
}

/** Exists and is not a zombie (a zombie's resources are already released). */
export function isAlive(pid: number): boolean {
  const state = processState(pid);
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** Start time in clock ticks since boot; with the pid it names one process for good. */
export function processStartTime(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

/** Command line as an argument array ([] for kernel threads or vanished pids). */
export function processCmdline(pid: number): string[] {
  try {
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (args[args.length - 1] === '') args.pop(); // the list ends with a NUL
    return args;
  } catch {
    return [];
  }
}

export function allPids(): number[] {
  return fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
}

/** Blocks the thread; fine in test helpers that must stay synchronous. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Polls until the process is gone (or a zombie). */
export function waitForExit(pid: number, timeoutMs: number): boolean {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    sleepSync(20);
  }
  return true;
}

/** skiff-init processes (or zombies) left to pid 1: "pid state" for each. */
export function orphanedShims(): string[] {
  const found: string[] = [];
  for (const name of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (ppid === '1' && /skiff-ini/.test(comm)) found.push(`${name} ${state}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
