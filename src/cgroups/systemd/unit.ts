/**
 * --systemd-cgroup naming, as runc does it: cgroupsPath is "slice:prefix:name" and the container
 * becomes the transient scope "<prefix>-<name>.scope" in that slice (default system.slice:skiff:<id>).
 * Its cgroup directory is the slice's path (a-b.slice lives in /a.slice/a-b.slice) plus the scope.
 */
import * as fs from 'fs';
import type { DbusAddress } from './dbus-connection';

export interface SystemdUnit {
  slice: string;
  /** The scope's unit name, e.g. skiff-c1.scope. */
  name: string;
  /** The cgroup path in every hierarchy, e.g. /system.slice/skiff-c1.scope. */
  cgroupPath: string;
}

/** The unit for a container; throws the error a user needs when the host or the path will not do. */
export function systemdUnitFor(configured: string | undefined, id: string): SystemdUnit {
  if (!isRunningSystemd())
    throw new Error('--systemd-cgroup: systemd is not running on this host (no /run/systemd/system); use cgroupfs paths');
  let slice = 'system.slice';
  let prefix = 'skiff';
  let name = id;
  if (configured) {
    const parts = configured.split(':');
    if (parts.length !== 3)
      throw new Error(`expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "${configured}" instead`);
    [slice, prefix, name] = parts;
    if (slice === '') slice = 'system.slice';
  }
  if (name.endsWith('.slice')) throw new Error(`cgroupsPath "${configured}": a slice as the container's unit is not supported by skiff yet`);
  const unitName = prefix ? `${prefix}-${name}.scope` : `${name}.scope`;
  for (const part of [slice, unitName]) {
    if (part.includes('/') || part === '.' || part === '..') throw new Error(`invalid systemd unit name "${part}"`);
  }
  return { slice, name: unitName, cgroupPath: `${expandSlice(slice)}/${unitName}` };
}

/** "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" is the root. */
export function expandSlice(slice: string): string {
  if (!slice.endsWith('.slice') || slice.includes('/')) throw new Error(`invalid slice name "${slice}"`);
  const base = slice.slice(0, -'.slice'.length);
  if (base === '-') return '';
  if (base === '' || base.startsWith('-') || base.endsWith('-') || base.includes('--')) throw new Error(`invalid slice name "${slice}"`);
  let path = '';
  let prefix = '';
  for (const component of base.split('-')) {
    prefix = prefix ? `${prefix}-${component}` : component;
    path += `/${prefix}.slice`;
  }
  return path;
}

/** The check systemd itself documents (sd_booted): this directory exists only when systemd is init. */
export function isRunningSystemd(): boolean {
  return fs.existsSync('/run/systemd/system');
}

/**
 * Where to reach the manager: DBUS_SYSTEM_BUS_ADDRESS (unix:path=...) if set, else systemd's
 * private socket for root, else the system bus.
 */
export function managerAddress(): DbusAddress {
  const env = process.env.DBUS_SYSTEM_BUS_ADDRESS;
  if (env) {
    const m = /(?:^|;)unix:path=([^,;]+)/.exec(env);
    if (!m) throw new Error(`DBUS_SYSTEM_BUS_ADDRESS "${env}": only unix:path= addresses are supported`);
    return { socketPath: m[1], isBus: !m[1].endsWith('/systemd/private') };
  }
  if ((process.geteuid?.() ?? 0) === 0 && fs.existsSync('/run/systemd/private')) return { socketPath: '/run/systemd/private', isBus: false };
  return { socketPath: '/run/dbus/system_bus_socket', isBus: true };
}
