/**
 * Which sysctls a container may set: only those of a namespace it has to itself (as runc
 * decides), so a config cannot change the host's kernel settings through /proc/sys.
 */
import type { NamespacePlan } from './namespaces';

const IPC_SYSCTLS = new Set([
  'kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem',
  'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced',
]);

function namespaceOf(key: string): string | undefined {
  if (IPC_SYSCTLS.has(key) || key.startsWith('fs.mqueue.')) return 'ipc';
  if (key.startsWith('net.')) return 'network';
  if (key === 'kernel.hostname' || key === 'kernel.domainname') return 'uts';
  return undefined;
}

export function checkSysctls(sysctl: Record<string, string | undefined> | undefined, ns: NamespacePlan): void {
  for (const key of Object.keys(sysctl ?? {})) {
    const type = namespaceOf(key);
    if (!type) throw new Error(`linux.sysctl: "${key}" is not in a separate kernel namespace`);
    if (!ns.created.has(type) && !ns.joined.has(type))
      throw new Error(`linux.sysctl: "${key}" needs a ${type} namespace of the container's own`);
  }
}
