/**
 * `skiff exec ID CMD...` or `skiff exec --process FILE ID`: another process in a running container.
 * Without --process, the container's own process settings are the base and the flags change them,
 * as runc does.
 */
import type { GlobalOptions } from './context';
import { loadContainer } from '../factory/load';
import { RuntimeError } from './errors';
import { log } from '../log';
import { execProcess } from '../process/exec-process';
// Static: create, in the same chunk, loads the validators anyway (setup-commands.ts).
import { parseProcessFile } from '../spec/validate';

function processFromFlags(base: any, command: string[], opts: Record<string, any>): any {
  if (command.length === 0) throw new RuntimeError('exec needs a command (or --process)');
  const proc = JSON.parse(JSON.stringify(base ?? { cwd: '/', args: [] }));
  proc.args = command;
  proc.terminal = Boolean(opts.tty);
  if (opts.cwd) proc.cwd = opts.cwd;
  proc.env = [...(proc.env ?? []), ...(opts.env ?? [])];
  if (opts.user) {
    const [uid, gid] = String(opts.user).split(':');
    proc.user = { ...(proc.user ?? {}), uid: Number(uid), gid: gid === undefined ? 0 : Number(gid) };
    if (!Number.isInteger(proc.user.uid) || !Number.isInteger(proc.user.gid))
      throw new RuntimeError(`parsing ${opts.user} as uid[:gid]: invalid number`);
  }
  if (opts.additionalGids?.length) proc.user = { ...(proc.user ?? { uid: 0, gid: 0 }), additionalGids: opts.additionalGids };
  if (opts.cap?.length) {
    const caps = (proc.capabilities ??= {});
    for (const name of opts.cap as string[]) {
      const cap = name.toUpperCase().startsWith('CAP_') ? name.toUpperCase() : `CAP_${name.toUpperCase()}`;
      for (const set of ['bounding', 'effective', 'permitted']) caps[set] = [...(caps[set] ?? []), cap];
      // Ambient needs the bit in inheritable too; add it only where the config already has those.
      if (caps.inheritable) caps.ambient = [...(caps.ambient ?? []), cap];
    }
  }
  if (opts.noNewPrivs !== undefined) proc.noNewPrivileges = Boolean(opts.noNewPrivs);
  if (opts.apparmor) proc.apparmorProfile = opts.apparmor;
  if (opts.processLabel) proc.selinuxLabel = opts.processLabel;
  return proc;
}

export async function run(g: GlobalOptions, [id, ...command]: string[], opts: Record<string, any>): Promise<number> {
  const { dir, state } = await loadContainer(g.root, id);
  let proc: any;
  if (opts.process) {
    proc = parseProcessFile(opts.process);
  } else {
    proc = processFromFlags(state.config.process, command, opts);
  }
  if (proc.apparmorProfile) throw new RuntimeError('apparmor: config provided but apparmor not supported');
  return execProcess(dir, state, proc, {
    detach: Boolean(opts.detach),
    consoleSocket: opts.consoleSocket,
    subCgroups: opts.cgroup,
    pidFile: opts.pidFile,
    preserveFds: opts.preserveFds ?? 0,
    ignorePaused: Boolean(opts.ignorePaused),
    warn: (msg) => log.warn(msg),
  });
}
