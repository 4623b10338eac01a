import { MOUNT_ATTR, MS } from './mount-flags';

/** What a mount's `options` array asks for, split by the syscall that carries it out. */
export interface ParsedMountOptions {
  /** mount(2) flags. */
  flags: number;
  /** Propagation changes, applied one by one after the mount (e.g. MS_SHARED|MS_REC). */
  propagation: number[];
  /** Recursive attributes for mount_setattr(2) (rro, rnosuid, ...). */
  recursive: { set: number; clear: number };
  /** Filesystem-specific options, the data argument of mount(2). */
  data: string[];
  bind: boolean;
  tmpcopyup: boolean;
  idmap: 'none' | 'idmap' | 'ridmap';
}

const SET: Record<string, number> = {
  ro: MS.RDONLY, nosuid: MS.NOSUID, nodev: MS.NODEV, noexec: MS.NOEXEC, sync: MS.SYNCHRONOUS,
  remount: MS.REMOUNT, mand: MS.MANDLOCK, dirsync: MS.DIRSYNC, nosymfollow: MS.NOSYMFOLLOW,
  noatime: MS.NOATIME, nodiratime: MS.NODIRATIME, bind: MS.BIND, rbind: MS.BIND | MS.REC,
  relatime: MS.RELATIME, strictatime: MS.STRICTATIME, lazytime: MS.LAZYTIME, iversion: MS.I_VERSION,
  silent: MS.SILENT,
};

const CLEAR: Record<string, number> = {
  rw: MS.RDONLY, suid: MS.NOSUID, dev: MS.NODEV, exec: MS.NOEXEC, async: MS.SYNCHRONOUS,
  nomand: MS.MANDLOCK, symfollow: MS.NOSYMFOLLOW, atime: MS.NOATIME, diratime: MS.NODIRATIME,
  norelatime: MS.RELATIME, nostrictatime: MS.STRICTATIME, nolazytime: MS.LAZYTIME,
  noiversion: MS.I_VERSION, loud: MS.SILENT, defaults: 0,
};

const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC, shared: MS.SHARED, rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC, unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};

/** r-prefixed options: [attributes to set, attributes to clear] for mount_setattr(AT_RECURSIVE). */
const RECURSIVE: Record<string, [number, number]> = {
  rro: [MOUNT_ATTR.RDONLY, 0], rrw: [0, MOUNT_ATTR.RDONLY],
  rnosuid: [MOUNT_ATTR.NOSUID, 0], rsuid: [0, MOUNT_ATTR.NOSUID],
  rnodev: [MOUNT_ATTR.NODEV, 0], rdev: [0, MOUNT_ATTR.NODEV],
  rnoexec: [MOUNT_ATTR.NOEXEC, 0], rexec: [0, MOUNT_ATTR.NOEXEC],
  rnodiratime: [MOUNT_ATTR.NODIRATIME, 0], rdiratime: [0, MOUNT_ATTR.NODIRATIME],
  rrelatime: [MOUNT_ATTR.RELATIME, MOUNT_ATTR.ATIME_MASK], rnorelatime: [0, 0],
  // The atime mode is one field: changing it means clearing the whole mask (the kernel insists).
  rnoatime: [MOUNT_ATTR.NOATIME, MOUNT_ATTR.ATIME_MASK], ratime: [MOUNT_ATTR.RELATIME, MOUNT_ATTR.ATIME_MASK],
  rstrictatime: [MOUNT_ATTR.STRICTATIME, MOUNT_ATTR.ATIME_MASK], rnostrictatime: [MOUNT_ATTR.RELATIME, MOUNT_ATTR.ATIME_MASK],
  rnosymfollow: [MOUNT_ATTR.NOSYMFOLLOW, 0], rsymfollow: [0, MOUNT_ATTR.NOSYMFOLLOW],
};

export function parseMountOptions(options: string[] = []): ParsedMountOptions {
  const out: ParsedMountOptions = {
    flags: 0, propagation: [], recursive: { set: 0, clear: 0 }, data: [], bind: false, tmpcopyup: false, idmap: 'none',
  };
  for (const opt of options) {
    if (opt in SET) out.flags |= SET[opt];
    else if (opt in CLEAR) out.flags &= ~CLEAR[opt];
    else if (opt in PROPAGATION) out.propagation.push(PROPAGATION[opt]);
    else if (opt in RECURSIVE) {
      const [set, clear] = RECURSIVE[opt];
      out.recursive.set = (out.recursive.set & ~clear) | set;
      out.recursive.clear = (out.recursive.clear | clear) & ~(set & ~MOUNT_ATTR.ATIME_MASK);
    } else if (opt === 'tmpcopyup') out.tmpcopyup = true;
    else if (opt === 'idmap' || opt === 'ridmap') out.idmap = opt;
    else out.data.push(opt);
  }
  out.bind = (out.flags & MS.BIND) !== 0;
  return out;
}
