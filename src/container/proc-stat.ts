import { fs } from '../sys/lazy-builtins';
import { readText } from '../sys/quick-files';

export interface ProcStat {
  state: string;
  startTime: number;
}

/** The fields of a /proc/<pid>/stat text we need. */
function parseProcStat(text: string): ProcStat {
  // comm (field 2) may hold spaces and parentheses: the fields we need follow its last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], startTime: Number(fields[19]) };
}

/** Fields of /proc/<pid>/stat we need, or null when the pid does not exist. */
export function procStat(pid: number): ProcStat | null {
  try {
    return parseProcStat(fs.readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return null;
  }
}

/** procStat through quick-files.ts, for the commands that must not load node:fs. */
export async function readProcStat(pid: number): Promise<ProcStat | null> {
  try {
    return parseProcStat(await readText(`/proc/${pid}/stat`));
  } catch {
    return null;
  }
}

/** True while st is our process (not a zombie, not a reused pid). */
export function isOurProcess(st: ProcStat | null, startTime: number): boolean {
  return st !== null && isRunning(st) && st.startTime === startTime;
}

/** True while pid is our process (not a zombie, not a reused pid). */
export function isAlive(pid: number, startTime: number): boolean {
  return Boolean(pid) && isOurProcess(procStat(pid), startTime);
}

/** True while some process has this pid and has not exited (a zombie has). */
export function pidRuns(pid: number): boolean {
  const st = pid ? procStat(pid) : null;
  return st !== null && isRunning(st);
}

function isRunning(st: ProcStat): boolean {
  return st.state !== 'Z' && st.state !== 'X';
}
