import { isOurProcess, pidRuns, readProcStat } from './proc-stat';
import { lockOwnerPid } from './lock';
import { SavedState, START_FIFO } from './state-file';
import { fileExists, readText } from '../sys/quick-files';

export type Status = 'creating' | 'created' | 'running' | 'stopped' | 'paused';

/**
 * The spec's status, read from the live system rather than trusted from the file. The three
 * facts are read at once: for state and kill under bun each read is asynchronous (quick-files.ts).
 */
export async function liveStatus(dir: string, s: SavedState): Promise<Status> {
  // Until skiff-init reports the init's pid, a create is told alive by the skiff holding the lock.
  if (s.phase === 'creating' && !s.pid) return pidRuns(lockOwnerPid(dir) ?? 0) ? 'creating' : 'stopped';
  if (!s.pid) return 'stopped';
  const [init, frozen, startPending] = await Promise.all([
    readProcStat(s.pid),
    isFrozen(s),
    fileExists(`${dir}/${START_FIFO}`),
  ]);
  if (!isOurProcess(init, s.pidStartTime)) return 'stopped';
  if (s.phase === 'creating') return 'creating';
  if (frozen) return 'paused';
  if (startPending) return 'created';
  return 'running';
}

async function isFrozen(s: SavedState): Promise<boolean> {
  const freezer = s.cgroup?.freezerState;
  if (!freezer) return false;
  try {
    const text = (await readText(freezer)).trim();
    return text === 'FROZEN' || text === '1';
  } catch {
    return false;
  }
}
