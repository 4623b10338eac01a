/**
 * The starter config.json that `skiff spec` writes: a read-only rootfs running `sh`
 * on a terminal with a minimal set of capabilities, the usual /proc, /dev and /sys
 * mounts, sensitive kernel files masked or read-only, and its own pid, network, ipc,
 * uts and mount namespaces (plus cgroup on a cgroup v2 host). Same content, in
 * substance, as `runc spec`; key order matches it so the files diff cleanly.
 */
import * as fs from 'fs';
import { OCI_SPEC_VERSION } from '../cli/version';
import type { Spec } from './types';

const DEFAULT_CAPABILITIES = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

/** True when /sys/fs/cgroup is a cgroup v2 hierarchy (not a v1 or hybrid layout). */
export function isCgroup2UnifiedHost(): boolean {
  return fs.existsSync('/sys/fs/cgroup/cgroup.controllers');
}

export function defaultSpec(opts: { cgroupNamespace?: boolean } = {}): Spec {
  const spec: Spec = {
    ociVersion: OCI_SPEC_VERSION,
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: {
        bounding: [...DEFAULT_CAPABILITIES],
        effective: [...DEFAULT_CAPABILITIES],
        permitted: [...DEFAULT_CAPABILITIES],
      },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'skiff',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      {
        destination: '/dev/pts', type: 'devpts', source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
      },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      maskedPaths: [
        '/proc/acpi',
        '/proc/asound',
        '/proc/kcore',
        '/proc/keys',
        '/proc/latency_stats',
        '/proc/timer_list',
        '/proc/timer_stats',
        '/proc/sched_debug',
        '/sys/firmware',
        '/proc/scsi',
      ],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
  if (opts.cgroupNamespace) spec.linux!.namespaces!.push({ type: 'cgroup' });
  return spec;
}

/**
 * Adapt a spec for an unprivileged user: a user namespace mapping container root to
 * the given host ids, no network namespace (an unprivileged user cannot wire one up),
 * /sys bound from the host (sysfs cannot be mounted without owning the network
 * namespace), no cgroup mount or cgroup limits, and no uid=/gid= mount options
 * (those ids do not exist in the single-id mapping).
 */
export function toRootless(spec: Spec, hostUid: number, hostGid: number): Spec {
  const linux = spec.linux ?? (spec.linux = {});
  const namespaces = (linux.namespaces ?? []).filter((ns) => ns.type !== 'network' && ns.type !== 'user');
  namespaces.push({ type: 'user' });
  // uidMappings/gidMappings first, as in runc's output.
  const { resources: _dropped, ...rest } = linux;
  spec.linux = {
    uidMappings: [{ containerID: 0, hostID: hostUid, size: 1 }],
    gidMappings: [{ containerID: 0, hostID: hostGid, size: 1 }],
    ...rest,
    namespaces,
  };
  spec.mounts = (spec.mounts ?? [])
    .filter((m) => m.type !== 'cgroup')
    .map((m) => {
      if (m.destination.replace(/\/+$/, '') === '/sys') {
        return { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] };
      }
      if (!m.options) return m;
      return { ...m, options: m.options.filter((o) => !o.startsWith('uid=') && !o.startsWith('gid=')) };
    });
  return spec;
}
