import * as fs from 'fs';

/** Capability names in kernel bit order (capability.h). */
export const CAPABILITY_NAMES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT',
  'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE',
  'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

export interface CapabilitySets {
  bounding: bigint;
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
  ambient: bigint;
}

/** The bounding set of this process: what we can hand on at all. */
export function ownBoundingSet(): bigint {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status);
  return m ? BigInt('0x' + m[1]) : (1n << BigInt(CAPABILITY_NAMES.length)) - 1n;
}

/**
 * Turns the config's capability names into masks. Names the kernel does not know, or that this
 * process cannot grant, are warned about and left out: the spec asks runtimes not to fail on them.
 */
export function capabilityMasks(
  caps: Partial<Record<keyof CapabilitySets, string[]>>,
  available: bigint,
  warn: (msg: string) => void,
): CapabilitySets {
  const mask = (names: string[] | undefined): bigint => {
    let m = 0n;
    for (const name of names ?? []) {
      const bit = CAPABILITY_NAMES.indexOf(name.toUpperCase());
      if (bit < 0) {
        warn(`unknown capability "${name}" ignored`);
        continue;
      }
      if (!(available & (1n << BigInt(bit)))) {
        warn(`capability ${name} is not available to skiff and is not granted`);
        continue;
      }
      m |= 1n << BigInt(bit);
    }
    return m;
  };
  const sets = {
    bounding: mask(caps.bounding),
    effective: mask(caps.effective),
    permitted: mask(caps.permitted),
    inheritable: mask(caps.inheritable),
    ambient: mask(caps.ambient),
  };
  // The kernel raises an ambient capability only if it is also permitted and inheritable.
  const raisable = sets.ambient & sets.permitted & sets.inheritable;
  if (raisable !== sets.ambient) {
    for (let bit = 0; bit < CAPABILITY_NAMES.length; bit++)
      if ((sets.ambient & ~raisable) & (1n << BigInt(bit)))
        warn(`ambient capability ${CAPABILITY_NAMES[bit]} is not in the permitted and inheritable sets and is not raised`);
    sets.ambient = raisable;
  }
  return sets;
}
