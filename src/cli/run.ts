/**
 * `skiff run ID`: create and start. In the foreground skiff waits for the container, forwards
 * the signals it gets to the container's init, exits with the init's exit code (128+signal when
 * killed) and deletes the container unless --keep. With --detach it returns once started.
 */
import type { GlobalOptions } from './context';
import { log } from '../log';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT'];

export async function run(g: GlobalOptions, [id]: string[], opts: Record<string, any>): Promise<number> {
  const { createContainer } = await import('../factory/create');
  const { startContainer, deleteContainer } = await import('../container/operations');
  const warn = (msg: string) => log.warn(msg);
  const detach = Boolean(opts.detach);
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
    stay: detach ? undefined : { subreaper: !opts.noSubreaper },
    warn,
  });
  const { dir, state, shim } = created;
  try {
    await startContainer(dir, state, warn);
  } catch (e) {
    if (!detach) await deleteContainer(dir, state, true, warn).catch(() => undefined);
    throw e;
  }
  if (detach) {
    shim.close();
    return 0;
  }

  const forward = (signal: NodeJS.Signals) => {
    try {
      process.kill(state.pid, signal);
    } catch {
      // the container is already gone
    }
  };
  for (const s of FORWARDED) process.on(s, forward);
  const { code, signal } = await shim.exited;
  for (const s of FORWARDED) process.off(s, forward);
  if (!opts.keep) await deleteContainer(dir, state, true, warn);
  if (signal) return 128 + (require('os').constants.signals[signal] ?? 0);
  return code ?? 255;
}
