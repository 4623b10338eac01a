/** Small helpers shared by the runner and the cases. */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

export function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

export interface MountInfo {
  id: number;
  parent: number;
  majmin: string;
  root: string;
  mountPoint: string;
  options: string[];
  optional: string[];
  fsType: string;
  source: string;
  superOptions: string[];
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
}

export function parseMountInfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const parts = line.split(' ');
    const dash = parts.indexOf('-');
    out.push({
      id: Number(parts[0]),
      parent: Number(parts[1]),
      majmin: parts[2],
      root: unescapeMount(parts[3]),
      mountPoint: unescapeMount(parts[4]),
      options: parts[5].split(','),
      optional: parts.slice(6, dash),
      fsType: parts[dash + 1],
      source: unescapeMount(parts[dash + 2]),
      superOptions: (parts[dash + 3] || '').split(','),
    });
  }
  return out;
}

/** The mount visible at `p` (the last one mounted there). */
export function mountAt(mounts: MountInfo[], p: string): MountInfo | undefined {
  let found: MountInfo | undefined;
  for (const m of mounts) if (m.mountPoint === p) found = m;
  return found;
}

export function hostMounts(): MountInfo[] {
  return parseMountInfo(readText('/proc/self/mountinfo') || '');
}

/** Start time of a process (field 22 of /proc/PID/stat), to tell a pid from its reuse. */
export function procStartTime(pid: number): string | null {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return null;
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return rest[19] ?? null;
}

export function procState(pid: number): string | null {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return null;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? null;
}

export function pidAlive(pid: number): boolean {
  const st = procState(pid);
  return st !== null && st !== 'Z' && st !== 'X';
}

export function nsLink(pid: number | 'self', ns: string): string | null {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/${ns}`);
  } catch {
    return null;
  }
}

/** Unmounts everything at or below `dir` (deepest first, lazily). */
export function umountBelow(dir: string): number {
  const prefix = dir.endsWith('/') ? dir : dir + '/';
  const targets = hostMounts()
    .map((m) => m.mountPoint)
    .filter((p) => p === dir || p.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
  for (const t of targets) spawnSync('umount', ['-l', t], { stdio: 'ignore' });
  return targets.length;
}

export function rmrf(p: string): void {
  try {
    fs.rmSync(p, { recursive: true, force: true });
  } catch {
    // chattr'd or busy files: try again after unmounting
    umountBelow(p);
    fs.rmSync(p, { recursive: true, force: true });
  }
}

export function writeExecutable(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode: 0o755 });
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export const CAP_NAMES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER',
  'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

export function capsFromHex(hex: string): string[] {
  const v = BigInt('0x' + hex.trim());
  const out: string[] = [];
  for (let i = 0; i < 64; i++) {
    if ((v >> BigInt(i)) & 1n) out.push(CAP_NAMES[i] ?? `CAP_${i}`);
  }
  return out;
}

export function statusField(status: string, field: string): string | undefined {
  const m = new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(status);
  return m ? m[1].trim() : undefined;
}

export function sameSet(a: string[], b: string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

export function diffSets(got: string[], want: string[]): string {
  const g = new Set(got);
  const w = new Set(want);
  const missing = [...w].filter((x) => !g.has(x));
  const extra = [...g].filter((x) => !w.has(x));
  return `missing [${missing.join(' ')}] extra [${extra.join(' ')}]`;
}
