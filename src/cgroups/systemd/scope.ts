/**
 * The container as a transient systemd scope (--systemd-cgroup), as runc makes it: skiff asks the
 * manager for a scope holding skiff-init's pid, with Delegate=yes so that what is inside stays the
 * container's, and with the limits systemd would otherwise write over on its own (memory, tasks,
 * cpu). skiff still writes every limit to the cgroup files itself afterwards, exactly as without
 * systemd, and makes the directories of the hierarchies systemd leaves alone.
 */
import * as fs from 'fs';
import { DbusConnection } from './dbus-connection';
import type { DbusValue } from './dbus-message';
import { managerAddress, SystemdUnit } from './unit';
import type { Hierarchy } from '../layout';
import { sharesToWeight } from '../convert';

const MANAGER = { destination: 'org.freedesktop.systemd1', path: '/org/freedesktop/systemd1', interface: 'org.freedesktop.systemd1.Manager' };
const UINT64_MAX = 18446744073709551615n;

function isV1(controller: string, hierarchies: Hierarchy[]): boolean {
  return hierarchies.some((h) => h.version === 1 && h.controllers.includes(controller));
}

/** The unit properties for a container's resources, in the names systemd uses for v1 or v2. */
export function scopeProperties(id: string, slice: string, pid: number, resources: any, hierarchies: Hierarchy[]): DbusValue[] {
  const props: DbusValue[] = [
    ['Description', ['s', `skiff container ${id}`]],
    ['Slice', ['s', slice]],
    ['Delegate', ['b', true]],
    ['PIDs', ['au', [pid]]],
    ['DefaultDependencies', ['b', false]],
    ['MemoryAccounting', ['b', true]],
    ['CPUAccounting', ['b', true]],
    ['TasksAccounting', ['b', true]],
  ];
  const memoryLimit = resources?.memory?.limit;
  if (typeof memoryLimit === 'number' && memoryLimit > 0) {
    props.push([isV1('memory', hierarchies) ? 'MemoryLimit' : 'MemoryMax', ['t', BigInt(memoryLimit)]]);
  }
  const tasks = resources?.pids?.limit;
  if (typeof tasks === 'number' && tasks !== 0) props.push(['TasksMax', ['t', tasks > 0 ? BigInt(tasks) : UINT64_MAX]]);
  const shares = resources?.cpu?.shares;
  if (typeof shares === 'number' && shares > 0) {
    if (isV1('cpu', hierarchies)) props.push(['CPUShares', ['t', BigInt(shares)]]);
    else props.push(['CPUWeight', ['t', BigInt(sharesToWeight(shares))]]);
  }
  const quota = resources?.cpu?.quota;
  if (typeof quota === 'number' && quota > 0) {
    const period = resources?.cpu?.period || 100000;
    // systemd counts quota per second, in whole 10 ms steps rounded up (as runc sends it).
    const perSec = Math.ceil((quota * 1_000_000) / period / 10_000) * 10_000;
    props.push(['CPUQuotaPerSecUSec', ['t', BigInt(perSec)]]);
  }
  return props;
}

/** Starts the scope with pid in it and waits until systemd has moved the pid there. */
export async function startScope(unit: SystemdUnit, pid: number, id: string, resources: any, hierarchies: Hierarchy[]): Promise<void> {
  const conn = await DbusConnection.open(managerAddress());
  try {
    await conn.call({
      ...MANAGER, member: 'StartTransientUnit', signature: 'ssa(sv)a(sa(sv))',
      body: [unit.name, 'replace', scopeProperties(id, unit.slice, pid, resources, hierarchies), []],
    });
  } catch (e) {
    throw new Error(`systemd: start unit ${unit.name}: ${(e as Error).message}`);
  } finally {
    conn.close();
  }
  // The job runs after the call returns; the scope is there once the pid is in it.
  const deadline = Date.now() + 5000;
  while (!inUnit(pid, unit.name)) {
    if (Date.now() > deadline) throw new Error(`systemd: unit ${unit.name} did not take pid ${pid}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function inUnit(pid: number, name: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').some((line) => line.endsWith(`/${name}`));
  } catch {
    return false;
  }
}

/** Stops the scope (delete); a scope already gone is not an error. */
export async function stopScope(name: string): Promise<void> {
  const conn = await DbusConnection.open(managerAddress());
  try {
    await conn.call({ ...MANAGER, member: 'StopUnit', signature: 'ss', body: [name, 'replace'] });
  } catch (e) {
    if (!/NoSuchUnit/.test((e as Error).message)) throw new Error(`systemd: stop unit ${name}: ${(e as Error).message}`);
  } finally {
    conn.close();
  }
}
