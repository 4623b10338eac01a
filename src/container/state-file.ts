import { fs } from '../sys/lazy-builtins';
import { readText } from '../sys/quick-files';
import type { CgroupPlacement } from '../cgroups/placement';

/** What skiff keeps about a container in <root>/<id>/state.json. */
export interface SavedState {
  ociVersion: string;
  id: string;
  /** The container init as the host sees it. */
  pid: number;
  /** /proc/<pid>/stat start time: tells our init from a later process that got the same pid. */
  pidStartTime: number;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string | undefined>;
  /** How far create got; the live status is derived from this, the pid and the start FIFO. */
  phase: 'creating' | 'created';
  /** The config as it was at create: later edits of config.json must not affect the container. */
  config: any;
  cgroup?: CgroupPlacement;
  /** Without a mount namespace: what was mounted under the rootfs before create, to keep at delete. */
  hostMountsBefore?: string[];
}

export const STATE_FILE = 'state.json';
/** The start handshake's FIFOs (native/main.c op_listen): `start` writes to the first, reads the second. */
export const START_FIFO = 'start.fifo';
export const START_REPLY_FIFO = 'start-reply.fifo';

/** Through quick-files.ts, so that state and kill can read it without node:fs. */
export async function readState(dir: string): Promise<SavedState> {
  return JSON.parse(await readText(`${dir}/${STATE_FILE}`));
}

/** Atomic replace: readers see the old or the new file, never half of one. */
export function writeState(dir: string, state: SavedState): void {
  const tmp = `${dir}/.${STATE_FILE}.${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(state));
  fs.renameSync(tmp, `${dir}/${STATE_FILE}`);
}
