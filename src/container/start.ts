/** The start operation: release a created container's init to exec the user program. */
import { fs, path } from '../sys/lazy-builtins';
import { liveStatus } from './status';
import { lockContainer } from './lock';
import { SavedState, START_FIFO, START_REPLY_FIFO } from './state-file';
import { runHooks } from './hooks';
import { destroyContainer } from './destroy';

type Warn = (msg: string) => void;

/**
 * Releases the container init to exec the user program; returns once it has (native/main.c
 * op_listen describes the FIFOs): the init holds the reply FIFO's only writer, so reading it to
 * end-of-file waits exactly until the init execs (close-on-exec) or dies.
 */
function releaseInit(dir: string): void {
  const reply = openBlockingReader(path.join(dir, START_REPLY_FIFO));
  try {
    let go: number;
    try {
      go = fs.openSync(path.join(dir, START_FIFO), fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    } catch (e) {
      // ENXIO: nobody holds the FIFO for reading, so the init is gone.
      throw new Error(`cannot reach the container init: ${(e as Error).message}`);
    }
    try {
      fs.writeSync(go, 's');
    } finally {
      fs.closeSync(go);
    }
    const buf = Buffer.alloc(4096);
    let text = '';
    for (;;) {
      const n = fs.readSync(reply, buf, 0, buf.length, null);
      if (n === 0) break;
      text += buf.toString('utf8', 0, n);
    }
    // Anything written before the end is an error.
    if (text) throw new Error(decodeError(text));
  } finally {
    fs.closeSync(reply);
  }
}

/**
 * A blocking read end of a FIFO, opened without the risk of waiting forever for a writer that is
 * gone: a writer of our own is held just while the blocking open happens (a FIFO's open for
 * reading waits only when it has no writer), then dropped, so end-of-file again means the init's.
 */
function openBlockingReader(fifo: string): number {
  const { O_RDONLY, O_WRONLY, O_NONBLOCK } = fs.constants;
  const probe = fs.openSync(fifo, O_RDONLY | O_NONBLOCK);
  try {
    const writer = fs.openSync(fifo, O_WRONLY | O_NONBLOCK);
    try {
      return fs.openSync(fifo, O_RDONLY);
    } finally {
      fs.closeSync(writer);
    }
  } finally {
    fs.closeSync(probe);
  }
}

/** skiff-init writes `error` as a record: "5:error,1:1,N:<message>,". */
function decodeError(raw: string): string {
  const m = /^5:error,1:1,\d+:([\s\S]*),$/.exec(raw);
  return m ? m[1] : raw;
}

export async function startContainer(dir: string, state: SavedState, warn: Warn): Promise<void> {
  const unlock = lockContainer(dir);
  try {
    const status = await liveStatus(dir, state);
    if (status === 'stopped') throw new Error('cannot start a container that has stopped');
    if (status === 'running' || status === 'paused') throw new Error('cannot start an already running container');
    if (status !== 'created') throw new Error(`cannot start a container in the ${status} state`);
    await startLockedCreated(dir, state, warn);
  } finally {
    unlock();
  }
}

/** start, for a caller that holds the container's lock and knows it is created: run, right after create. */
export async function startLockedCreated(dir: string, state: SavedState, warn: Warn): Promise<void> {
  try {
    releaseInit(dir);
  } finally {
    fs.rmSync(path.join(dir, START_FIFO), { force: true });
    fs.rmSync(path.join(dir, START_REPLY_FIFO), { force: true });
  }
  const poststart = state.config?.hooks?.poststart;
  if (poststart?.length) {
    const hookState = { ociVersion: state.ociVersion, id: state.id, status: 'running', pid: state.pid, bundle: state.bundle, annotations: state.annotations ?? {} };
    try {
      await runHooks('poststart', poststart, hookState);
    } catch (e) {
      // runtime-spec 1.3.0: a failing poststart hook stops the container and destroys it (step 12).
      await destroyContainer(dir, state, { runPoststop: true, warn });
      throw e;
    }
  }
}
