import * as fs from 'fs';
import * as path from 'path';
import { isAlive, pidRuns } from './proc-stat';
import { lockOwnerPid } from './lock';
import { SavedState, START_FIFO } from './state-file';

export type Status = 'creating' | 'created' | 'running' | 'stopped' | 'paused';

/** The spec's status, read from the live system rather than trusted from the file. */
export function liveStatus(dir: string, s: SavedState): Status {
  // Until skiff-init reports the init's pid, a create is told alive by the skiff holding the lock.
  if (s.phase === 'creating' && !s.pid) return pidRuns(lockOwnerPid(dir) ?? 0) ? 'creating' : 'stopped';
  if (!isAlive(s.pid, s.pidStartTime)) return 'stopped';
  if (s.phase === 'creating') return 'creating';
  if (isFrozen(s)) return 'paused';
  if (fs.existsSync(path.join(dir, START_FIFO))) return 'created';
  return 'running';
}

function isFrozen(s: SavedState): boolean {
  const freezer = s.cgroup?.freezerState;
  if (!freezer) return false;
  try {
    const text = fs.readFileSync(freezer, 'utf8').trim();
    return text === 'FROZEN' || text === '1';
  } catch {
    return false;
  }
}
