/**
 * `skiff run ID`: create and start. In the foreground skiff waits for the container, forwards
 * the signals it gets to the container's init, exits with the init's exit code (128+signal when
 * killed) and deletes the container unless --keep. With --detach it returns once started.
 */
import type { GlobalOptions } from './context';
import { createOptions } from './create';
import { forwardSignals, exitStatus } from '../process/forward-signals';
import { log } from '../log';
import { createContainer } from '../factory/create';
import { startLockedCreated } from '../container/start';
import { deleteContainer } from '../container/delete';

export async function run(g: GlobalOptions, [id]: string[], opts: Record<string, any>): Promise<number> {
  const warn = (msg: string) => log.warn(msg);
  const detach = Boolean(opts.detach);
  const created = await createContainer({
    ...createOptions(g, id, opts),
    stay: detach ? undefined : { subreaper: !opts.noSubreaper },
    keepLocked: true,
  });
  const { dir, state, shim } = created;
  try {
    // Still locked since create: nobody else can have touched it.
    await startLockedCreated(dir, state, warn);
  } catch (e) {
    created.unlock();
    if (!detach) await deleteContainer(dir, state, true, warn).catch(() => undefined);
    await shim.stop();
    throw e;
  }
  created.unlock();
  if (detach) {
    shim.close();
    return 0;
  }

  const stopForwarding = forwardSignals(state.pid);
  const exit = await shim.exited;
  stopForwarding();
  if (!opts.keep) await deleteContainer(dir, state, true, warn);
  return exitStatus(exit);
}
