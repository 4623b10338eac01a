/** Reads /proc/<pid>/mountinfo (see proc(5)); used to find mounts and cgroup hierarchies. */
import * as fs from 'fs';

export interface MountEntry {
  mountId: number;
  parentId: number;
  /** Path inside the filesystem that is mounted (e.g. "/" or a bind source subdir). */
  root: string;
  mountPoint: string;
  mountOptions: string[];
  fsType: string;
  source: string;
  superOptions: string[];
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.split(' ');
    // Optional fields (shared:N, master:N ...) end at a lone "-".
    const separator = fields.indexOf('-', 6);
    if (separator < 0) continue;
    entries.push({
      mountId: Number(fields[0]),
      parentId: Number(fields[1]),
      root: unescapeOctal(fields[3]),
      mountPoint: unescapeOctal(fields[4]),
      mountOptions: fields[5].split(','),
      fsType: fields[separator + 1],
      source: unescapeOctal(fields[separator + 2]),
      superOptions: (fields[separator + 3] ?? '').split(','),
    });
  }
  return entries;
}

export function readMountInfo(pid: number | 'self' = 'self'): MountEntry[] {
  return parseMountInfo(fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8'));
}

/** True when `p` is `dir` itself or lies below it. */
export function isAtOrBelow(p: string, dir: string): boolean {
  const base = dir.endsWith('/') ? dir.slice(0, -1) : dir;
  return p === base || p.startsWith(base + '/');
}

/** Mount points at or below any of `dirs`, deepest (and most recently mounted) first. */
export function mountsBelow(dirs: string[], entries = readMountInfo()): MountEntry[] {
  const hits = entries.filter((m) => dirs.some((d) => isAtOrBelow(m.mountPoint, d)));
  // Later entries in mountinfo were mounted later; reverse keeps stacked mounts in unmount order.
  return hits
    .map((m, index) => ({ m, index }))
    .sort((a, b) => depth(b.m.mountPoint) - depth(a.m.mountPoint) || b.index - a.index)
    .map(({ m }) => m);
}

function depth(p: string): number {
  return p.split('/').filter(Boolean).length;
}
