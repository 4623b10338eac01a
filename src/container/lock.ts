import { fs, path } from '../sys/lazy-builtins';
import { pidRuns } from './proc-stat';

const LOCK_FILE = 'lock';
const sleeper = new Int32Array(new SharedArrayBuffer(4));

function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/**
 * Serialises operations on one container across skiff processes: an O_EXCL lock file holding the
 * owner's pid. A lock whose owner died is taken over, so a killed skiff never wedges a container.
 */
export function lockContainer(dir: string, timeoutMs = 30000): () => void {
  const file = path.join(dir, LOCK_FILE);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, 0o600);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return () => fs.rmSync(file, { force: true });
    } catch (e: any) {
      if (e.code === 'ENOENT') throw new Error('container does not exist');
      if (e.code !== 'EEXIST') throw e;
    }
    const owner = lockOwnerPid(dir);
    if (owner === undefined) continue; // released meanwhile
    // An empty lock whose writer died before writing its pid: stale once it is a second old.
    const orphaned = !owner && Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 1000;
    // A zombie owner has exited too: its parent has only not reaped it yet.
    if ((owner && !pidRuns(owner)) || orphaned) {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`container is locked by another skiff process (pid ${owner})`);
    sleep(5);
  }
}

/** The pid written in the container's lock file: undefined without a lock, 0 before it is written. */
export function lockOwnerPid(dir: string): number | undefined {
  try {
    return Number(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}
