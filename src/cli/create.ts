/** `skiff create ID`: a container in the `created` state, its process waiting for `start`. */
import type { GlobalOptions } from './context';
import { log } from '../log';

export async function run(g: GlobalOptions, [id]: string[], opts: Record<string, any>): Promise<number> {
  const { createContainer } = await import('../factory/create');
  const created = await createContainer({
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
  });
  // skiff-init's first process has exited; the init now belongs to the caller's subreaper.
  created.shim.close();
  return 0;
}
