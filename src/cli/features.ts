/**
 * `skiff features`: the runtime-spec "features structure" (features.md and
 * features-linux.md) describing what skiff recognises, as 4-space indented JSON.
 *
 * SUPPORT below states which optional subsystems skiff implements; keep it true to
 * the code, since callers (containerd, podman) decide what to ask for from it.
 */
import { writeOut } from '../log/write-all';
import * as fs from 'fs';
import type { GlobalOptions } from './context';
import { gitCommit, libseccompVersion, OCI_SPEC_VERSION, SKIFF_VERSION } from './version';
import type { Features } from '../spec/types';

export const SUPPORT = {
  cgroupV1: true,
  cgroupV2: true,
  systemd: true,
  systemdUser: false,
  rdma: false,
  seccomp: true,
  apparmor: false,
  selinux: false,
  intelRdt: false,
  idmapMounts: false,
  netDevices: false,
  checkpoint: false,
};

const HOOKS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];

/** Every mount option in config.md's "Linux mount options" table. */
const MOUNT_OPTIONS = [
  'async', 'atime', 'bind', 'defaults', 'dev', 'diratime', 'dirsync', 'exec', 'iversion',
  'lazytime', 'loud', 'mand', 'noatime', 'nodev', 'nodiratime', 'noexec', 'noiversion', 'nolazytime',
  'nomand', 'norelatime', 'nostrictatime', 'nosuid', 'nosymfollow', 'private', 'ratime', 'rbind',
  'rdev', 'rdiratime', 'relatime', 'remount', 'rexec', 'rnoatime', 'rnodev', 'rnodiratime',
  'rnoexec', 'rnorelatime', 'rnostrictatime', 'rnosuid', 'rnosymfollow', 'ro', 'rprivate', 'rrelatime',
  'rro', 'rrw', 'rshared', 'rslave', 'rstrictatime', 'rsuid', 'rsymfollow', 'runbindable', 'rw',
  'shared', 'silent', 'slave', 'strictatime', 'suid', 'symfollow', 'sync', 'tmpcopyup', 'unbindable',
];

/** Capability names by number (linux/capability.h). */
const CAPABILITY_NAMES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER',
  'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** Kernel names in /proc/self/ns mapped to the spec's namespace types. */
const NAMESPACE_TYPES: Record<string, string> = {
  cgroup: 'cgroup', ipc: 'ipc', mnt: 'mount', net: 'network', pid: 'pid', time: 'time', user: 'user', uts: 'uts',
};

const SECCOMP_ACTIONS = [
  'SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY', 'SCMP_ACT_TRACE', 'SCMP_ACT_TRAP',
];
const SECCOMP_OPERATORS = [
  'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_LE', 'SCMP_CMP_LT', 'SCMP_CMP_MASKED_EQ', 'SCMP_CMP_NE',
];
/** The architectures libseccomp 2.5 knows. */
const SECCOMP_ARCHS = [
  'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM', 'SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32',
  'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL64N32', 'SCMP_ARCH_PARISC', 'SCMP_ARCH_PARISC64',
  'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64', 'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_RISCV64', 'SCMP_ARCH_S390',
  'SCMP_ARCH_S390X', 'SCMP_ARCH_X32', 'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64',
];
const SECCOMP_KNOWN_FLAGS = [
  'SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_LOG',
  'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV',
];

/** Namespace types this kernel offers. */
export function kernelNamespaces(nsDir = '/proc/self/ns'): string[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(nsDir);
  } catch {
    return ['cgroup', 'ipc', 'mount', 'network', 'pid', 'user', 'uts'];
  }
  return entries.map((e) => NAMESPACE_TYPES[e]).filter((t): t is string => t !== undefined).sort();
}

/** Capabilities this kernel knows (up to /proc/sys/kernel/cap_last_cap) that have a name. */
export function kernelCapabilities(lastCapFile = '/proc/sys/kernel/cap_last_cap'): string[] {
  let last = CAPABILITY_NAMES.length - 1;
  try {
    const n = parseInt(fs.readFileSync(lastCapFile, 'utf8'), 10);
    if (Number.isInteger(n) && n >= 0) last = Math.min(n, last);
  } catch {
    // unknown kernel limit: list every capability we can name
  }
  return CAPABILITY_NAMES.slice(0, last + 1);
}

/** Seccomp filter flags that libseccomp (by version) and the kernel can apply. */
function supportedSeccompFlags(libseccomp: string | undefined): string[] {
  const [major, minor] = (libseccomp ?? '0.0').split('.').map(Number);
  const atLeast = (ma: number, mi: number) => major > ma || (major === ma && minor >= mi);
  const flags = ['SECCOMP_FILTER_FLAG_TSYNC'];
  if (atLeast(2, 5)) flags.push('SECCOMP_FILTER_FLAG_SPEC_ALLOW');
  if (atLeast(2, 4)) flags.push('SECCOMP_FILTER_FLAG_LOG');
  if (atLeast(2, 6)) flags.push('SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV');
  return flags;
}

export function buildFeatures(): Features {
  const libseccomp = libseccompVersion();
  const annotations: Record<string, string> = {
    'io.github.skiff.checkpoint.enabled': String(SUPPORT.checkpoint),
    'io.github.skiff.commit': gitCommit(),
    'io.github.skiff.version': SKIFF_VERSION,
  };
  if (libseccomp) annotations['io.github.seccomp.libseccomp.version'] = libseccomp;
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: OCI_SPEC_VERSION,
    hooks: HOOKS,
    mountOptions: MOUNT_OPTIONS,
    linux: {
      namespaces: kernelNamespaces(),
      capabilities: kernelCapabilities(),
      cgroup: {
        v1: SUPPORT.cgroupV1,
        v2: SUPPORT.cgroupV2,
        systemd: SUPPORT.systemd,
        systemdUser: SUPPORT.systemdUser,
        rdma: SUPPORT.rdma,
      },
      seccomp: {
        enabled: SUPPORT.seccomp,
        actions: SECCOMP_ACTIONS,
        operators: SECCOMP_OPERATORS,
        archs: SECCOMP_ARCHS,
        knownFlags: SECCOMP_KNOWN_FLAGS,
        supportedFlags: supportedSeccompFlags(libseccomp),
      },
      apparmor: { enabled: SUPPORT.apparmor },
      selinux: { enabled: SUPPORT.selinux },
      intelRdt: { enabled: SUPPORT.intelRdt },
      mountExtensions: { idmap: { enabled: SUPPORT.idmapMounts } },
      netDevices: { enabled: SUPPORT.netDevices },
    },
    annotations: Object.fromEntries(Object.keys(annotations).sort().map((k) => [k, annotations[k]])),
  };
}

export async function run(_g: GlobalOptions, _args: string[], _opts: Record<string, any>): Promise<number> {
  writeOut(JSON.stringify(buildFeatures(), null, 4) + '\n');
  return 0;
}
