import * as fs from 'fs';

export interface ProcStat {
  state: string;
  startTime: number;
}

/** Fields of /proc/<pid>/stat we need, or null when the pid does not exist. */
export function procStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], startTime: Number(fields[19]) };
}

/** True while pid is our process (not a zombie, not a reused pid). */
export function isAlive(pid: number, startTime: number): boolean {
  if (!pid) return false;
  const st = procStat(pid);
  return st !== null && isRunning(st) && st.startTime === startTime;
}

/** True while some process has this pid and has not exited (a zombie has). */
export function pidRuns(pid: number): boolean {
  const st = pid ? procStat(pid) : null;
  return st !== null && isRunning(st);
}

function isRunning(st: ProcStat): boolean {
  return st.state !== 'Z' && st.state !== 'X';
}
