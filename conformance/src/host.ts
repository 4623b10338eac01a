/**
 * What this host offers, detected once per run: cgroup layout, namespaces,
 * seccomp, and the suite's own privileges. Cases use it to skip for a host
 * reason instead of failing the runtime.
 */
import * as fs from 'fs';
import * as os from 'os';
import { hostMounts, readText, statusField, capsFromHex } from './util';

export interface HostInfo {
  kernel: string;
  kernelVersion: [number, number];
  cgroupMode: 'v1' | 'v2' | 'hybrid' | 'none';
  /** v1 controller name -> mount point (e.g. memory -> /sys/fs/cgroup/memory). */
  v1: Map<string, string>;
  /** cgroup2 mount point, if any, and controllers available in its root. */
  v2?: string;
  v2Controllers: string[];
  /** Every cgroup/cgroup2 mount point (for cleanup). */
  cgroupMounts: string[];
  namespaces: Set<string>;
  userNamespaces: boolean;
  seccomp: boolean;
  caps: string[];
  hardNofile: number;
  hostname: string;
}

export function detectHost(): HostInfo {
  const mounts = hostMounts();
  const v1 = new Map<string, string>();
  let v2: string | undefined;
  const cgroupMounts: string[] = [];
  for (const m of mounts) {
    if (m.fsType === 'cgroup2') {
      v2 = v2 ?? m.mountPoint;
      cgroupMounts.push(m.mountPoint);
    } else if (m.fsType === 'cgroup') {
      cgroupMounts.push(m.mountPoint);
      for (const opt of m.superOptions) {
        if (['rw', 'ro'].includes(opt) || opt.includes('=') || opt.startsWith('name=')) continue;
        if (!v1.has(opt)) v1.set(opt, m.mountPoint);
      }
    }
  }
  const v2Controllers = v2 ? (readText(`${v2}/cgroup.controllers`) || '').trim().split(/\s+/).filter(Boolean) : [];
  const cgroupMode = v1.size && v2 ? 'hybrid' : v1.size ? 'v1' : v2 ? 'v2' : 'none';
  const namespaces = new Set<string>();
  try {
    for (const n of fs.readdirSync('/proc/self/ns')) namespaces.add(n);
  } catch {
    /* none */
  }
  const status = readText('/proc/self/status') || '';
  const limits = readText('/proc/self/limits') || '';
  const nofile = /Max open files\s+\S+\s+(\S+)/.exec(limits);
  const rel = os.release();
  const [maj, min] = rel.split('.').map((x) => parseInt(x, 10));
  return {
    kernel: rel,
    kernelVersion: [maj, min],
    cgroupMode,
    v1,
    v2,
    v2Controllers,
    cgroupMounts,
    namespaces,
    userNamespaces: Number((readText('/proc/sys/user/max_user_namespaces') || '0').trim()) > 0,
    seccomp: statusField(status, 'Seccomp') !== undefined,
    caps: capsFromHex(statusField(status, 'CapEff') || '0'),
    hardNofile: nofile ? (nofile[1] === 'unlimited' ? Infinity : Number(nofile[1])) : Infinity,
    hostname: os.hostname(),
  };
}

export function kernelAtLeast(h: HostInfo, major: number, minor: number): boolean {
  return h.kernelVersion[0] > major || (h.kernelVersion[0] === major && h.kernelVersion[1] >= minor);
}
