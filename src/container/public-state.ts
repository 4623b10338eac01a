/** The state document `state` and `list` print: the spec's fields plus runc's rootfs, created, owner. */
import { liveStatus, Status } from './status';
import type { SavedState } from './state-file';

export interface PublicState {
  ociVersion: string;
  id: string;
  pid?: number;
  status: Status;
  bundle: string;
  rootfs: string;
  created: string;
  annotations?: Record<string, string | undefined>;
  owner: string;
}

export async function publicState(dir: string, s: SavedState): Promise<PublicState> {
  const status = await liveStatus(dir, s);
  const out: PublicState = {
    ociVersion: s.ociVersion,
    id: s.id,
    // The spec: pid is REQUIRED when created or running; runc prints 0 once stopped.
    pid: status === 'stopped' ? 0 : s.pid,
    status,
    bundle: s.bundle,
    rootfs: s.rootfs,
    created: s.created,
    owner: s.owner,
  };
  if (s.annotations && Object.keys(s.annotations).length) {
    const { owner, ...rest } = out;
    return { ...rest, annotations: s.annotations, owner };
  }
  return out;
}
