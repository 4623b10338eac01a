import { record, PlanRecord } from '../shim/records';
import { MS } from './mount-flags';
import { containerPath } from './mounts';

export interface DeviceSpec {
  type: string;
  path: string;
  major?: number;
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

/** The devices every container gets (config-linux.md "Default Devices"). */
export const DEFAULT_DEVICES: DeviceSpec[] = [
  { type: 'c', path: '/dev/null', major: 1, minor: 3, fileMode: 0o666 },
  { type: 'c', path: '/dev/zero', major: 1, minor: 5, fileMode: 0o666 },
  { type: 'c', path: '/dev/full', major: 1, minor: 7, fileMode: 0o666 },
  { type: 'c', path: '/dev/random', major: 1, minor: 8, fileMode: 0o666 },
  { type: 'c', path: '/dev/urandom', major: 1, minor: 9, fileMode: 0o666 },
  { type: 'c', path: '/dev/tty', major: 5, minor: 0, fileMode: 0o666 },
];

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

function typeBits(type: string): number {
  switch (type) {
    case 'c':
    case 'u':
      return S_IFCHR;
    case 'b':
      return S_IFBLK;
    case 'p':
      return S_IFIFO;
    default:
      throw new Error(`linux.devices: unknown device type "${type}"`);
  }
}

/**
 * Device nodes are made with mknod; in a new user namespace mknod is not allowed, so the host's
 * node is bind-mounted instead (as runc does).
 */
export function deviceRecords(devices: DeviceSpec[], inUserNamespace: boolean): PlanRecord[] {
  const out: PlanRecord[] = [];
  for (const d of devices) {
    const dest = containerPath(d.path);
    if (inUserNamespace) {
      out.push(record('mkfile', dest, 0o644));
      out.push(record('mount', d.path, dest, '', MS.BIND, ''));
      continue;
    }
    const mode = typeBits(d.type) | ((d.fileMode ?? 0o666) & 0o7777);
    out.push(record('mknod', dest, mode, d.major ?? 0, d.minor ?? 0, d.uid ?? 0, d.gid ?? 0));
  }
  return out;
}

/** /dev links of runtime-linux.md, made when /proc is there to point into, plus /dev/ptmx. */
export function devLinkRecords(hasProc: boolean, hasDevPts: boolean): PlanRecord[] {
  const out: PlanRecord[] = [];
  if (hasProc) {
    out.push(record('symlink', '/proc/self/fd', '/dev/fd', 0));
    out.push(record('symlink', '/proc/self/fd/0', '/dev/stdin', 0));
    out.push(record('symlink', '/proc/self/fd/1', '/dev/stdout', 0));
    out.push(record('symlink', '/proc/self/fd/2', '/dev/stderr', 0));
  }
  if (hasDevPts) out.push(record('symlink', 'pts/ptmx', '/dev/ptmx', 1));
  return out;
}
