/** `skiff create ID`: a container in the `created` state, its process waiting for `start`. */
import type { GlobalOptions } from './context';
import { createContainer, CreateOptions } from '../factory/create';
import { log } from '../log';

/** create's flags (shared with run) as the factory's options. */
export function createOptions(g: GlobalOptions, id: string, opts: Record<string, any>): CreateOptions {
  return {
    root: g.root,
    id,
    bundle: opts.bundle,
    pidFile: opts.pidFile,
    noPivot: opts.noPivot,
    noNewKeyring: opts.noNewKeyring,
    consoleSocket: opts.consoleSocket,
    systemdCgroup: g.systemdCgroup,
    preserveFds: opts.preserveFds,
    warn: (msg) => log.warn(msg),
  };
}

export async function run(g: GlobalOptions, [id]: string[], opts: Record<string, any>): Promise<number> {
  const created = await createContainer(createOptions(g, id, opts));
  // skiff-init's first process has exited; the init now belongs to the caller's subreaper.
  created.shim.close();
  return 0;
}
