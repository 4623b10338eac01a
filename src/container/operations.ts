import * as fs from 'fs';
import type * as Net from 'net';
import * as path from 'path';
import { liveStatus } from './status';
import { lockContainer } from './lock';
import { SavedState, START_SOCKET } from './state-file';
import { cgroupPids } from '../cgroups/placement';
import { destroyContainer, killEverything, waitFor } from './destroy';
import { isAlive } from './proc-stat';

type Warn = (msg: string) => void;

/** Releases the container init to exec the user program; resolves once it has. */
function releaseInit(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const cwd = process.cwd();
    process.chdir(dir); // a relative socket path dodges the 108-byte sun_path limit
    const net = require('net') as typeof Net; // only start needs sockets: keep it off delete's path
    const conn = net.connect(START_SOCKET);
    process.chdir(cwd);
    let reply = '';
    conn.on('connect', () => conn.write('s'));
    conn.on('data', (d) => (reply += d.toString('utf8')));
    conn.on('error', (e) => reject(new Error(`cannot reach the container init: ${e.message}`)));
    // Close-on-exec closes the connection when exec succeeds; anything written first is an error.
    conn.on('close', () => (reply ? reject(new Error(decodeError(reply))) : resolve()));
  });
}

/** skiff-init writes `error` as a record: "5:error,1:1,N:<message>,". */
function decodeError(raw: string): string {
  const m = /^5:error,1:1,\d+:([\s\S]*),$/.exec(raw);
  return m ? m[1] : raw;
}

export async function startContainer(dir: string, state: SavedState, warn: Warn): Promise<void> {
  const unlock = lockContainer(dir);
  try {
    const status = liveStatus(dir, state);
    if (status === 'stopped') throw new Error('cannot start a container that has stopped');
    if (status === 'running' || status === 'paused') throw new Error('cannot start an already running container');
    if (status !== 'created') throw new Error(`cannot start a container in the ${status} state`);
    try {
      await releaseInit(dir);
    } finally {
      fs.rmSync(path.join(dir, START_SOCKET), { force: true });
    }
    const poststart = state.config?.hooks?.poststart;
    if (poststart?.length) {
      const { runHooks } = await import('./hooks');
      const hookState = { ociVersion: state.ociVersion, id: state.id, status: 'running', pid: state.pid, bundle: state.bundle, annotations: state.annotations ?? {} };
      try {
        await runHooks('poststart', poststart, hookState);
      } catch (e) {
        // runtime-spec 1.3.0: a failing poststart hook stops the container and destroys it (step 12).
        await destroyContainer(dir, state, { runPoststop: true, warn });
        throw e;
      }
    }
  } finally {
    unlock();
  }
}

export function killContainer(dir: string, state: SavedState, signal: number, all: boolean): void {
  const status = liveStatus(dir, state);
  if (status !== 'created' && status !== 'running' && status !== 'paused') throw new Error('container not running');
  if (all && state.cgroup) {
    for (const pid of cgroupPids(state.cgroup)) {
      try {
        process.kill(pid, signal);
      } catch {
        // exited meanwhile
      }
    }
    return;
  }
  process.kill(state.pid, signal);
}

export async function deleteContainer(dir: string, state: SavedState, force: boolean, warn: Warn): Promise<void> {
  const unlock = lockContainer(dir);
  let status = liveStatus(dir, state);
  if (status !== 'stopped') {
    if (!force) {
      unlock();
      throw new Error(`cannot delete container ${state.id} that is not stopped: ${status}`);
    }
    killEverything(state);
    waitFor(() => !isAlive(state.pid, state.pidStartTime), 10000);
    status = liveStatus(dir, state);
  }
  // destroy removes the directory, lock included.
  await destroyContainer(dir, state, { runPoststop: true, warn });
}
