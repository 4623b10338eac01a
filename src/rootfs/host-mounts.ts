/**
 * A container without a mount namespace of its own makes its mounts in the host's, under its rootfs.
 * Nothing unmounts them when it exits, so delete does.
 */
import { fs } from '../sys/lazy-builtins';
import type * as ChildProcess from 'child_process';

export function sharesHostMountNamespace(config: any): boolean {
  const namespaces: { type: string }[] = config?.linux?.namespaces ?? [];
  return !namespaces.some((n) => n.type === 'mount');
}

/** Mount points at or below dir, deepest first. */
export function mountPointsUnder(dir: string): string[] {
  const points: string[] = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const field = line.split(' ')[4];
    if (!field) continue;
    // mountinfo escapes space, tab, newline and backslash as octal.
    const point = field.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
    if (point === dir || point.startsWith(`${dir}/`)) points.push(point);
  }
  return points.reverse();
}

/** Unmounts what is mounted at or below dir, except the mount points that were there before. */
export function unmountUnder(dir: string, keep: string[]): void {
  const points = mountPointsUnder(dir).filter((p) => !keep.includes(p));
  if (!points.length) return;
  // Loaded only here: delete is a hot path and almost never has host mounts to undo.
  const { execFileSync } = require('child_process') as typeof ChildProcess;
  for (const point of points) {
    try {
      execFileSync('umount', ['--lazy', point], { stdio: 'ignore' });
    } catch {
      // already gone with its parent
    }
  }
}
