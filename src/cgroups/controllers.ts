/**
 * Where each controller of a container's cgroup lives: in a v1 hierarchy (its own directory), or
 * in the cgroup2 tree, where it must also be enabled in cgroup.subtree_control of every ancestor.
 * A hybrid host has both: here the v1 controllers under /sys/fs/cgroup/<ctrl> and hugetlb in the
 * cgroup2 tree at /sys/fs/cgroup/unified.
 */
import * as path from 'path';
import type { CgroupPlacement } from './placement';
import { readCgroupFile, writeCgroupFile } from './files';

export type Layout = 'v1' | 'v2' | 'hybrid';

export interface Located {
  version: 1 | 2;
  dir: string;
}

export class Controllers {
  /** v1 controller name → the container's directory in that hierarchy. */
  readonly v1 = new Map<string, string>();
  /** The container's cgroup2 directory, when cgroup2 is mounted. */
  readonly unified?: string;
  /** The cgroup2 mount point. */
  readonly unifiedRoot?: string;
  readonly layout: Layout;
  private available?: Set<string>;

  constructor(readonly placement: CgroupPlacement) {
    for (const [key, dir] of Object.entries(placement.dirs)) {
      if (key === 'unified') continue;
      for (const c of key.split(',')) if (!c.startsWith('name=')) this.v1.set(c, dir);
    }
    const unified = placement.dirs.unified;
    if (unified) {
      this.unified = unified;
      const rel = placement.path === '/' ? '' : placement.path;
      this.unifiedRoot = rel && unified.endsWith(rel) ? unified.slice(0, unified.length - rel.length) || '/' : unified;
    }
    this.layout = !unified ? 'v1' : this.v1.size === 0 ? 'v2' : 'hybrid';
  }

  /** Device rules are an eBPF program on the cgroup2 directory where no v1 devices controller is mounted. */
  get devicesByEbpf(): boolean {
    return !this.v1.has('devices') && this.unified !== undefined;
  }

  /** Controllers the cgroup2 root offers (cgroup.controllers of the mount point). */
  v2Available(): Set<string> {
    if (!this.available) {
      const text = this.unifiedRoot ? readCgroupFile(this.unifiedRoot, 'cgroup.controllers') : undefined;
      this.available = new Set((text ?? '').split(/\s+/).filter(Boolean));
    }
    return this.available;
  }

  /** A controller's directory: its v1 hierarchy if mounted there, else cgroup2 if offered there. */
  locate(controller: string): Located | undefined {
    const v1 = this.v1.get(controller);
    if (v1) return { version: 1, dir: v1 };
    if (this.unified && this.v2Available().has(controller)) return { version: 2, dir: this.unified };
    return undefined;
  }

  /** True when the controller is enabled for the container's cgroup2 directory. */
  v2Enabled(controller: string): boolean {
    if (!this.unified) return false;
    const text = readCgroupFile(this.unified, 'cgroup.controllers') ?? '';
    return text.split(/\s+/).includes(controller);
  }

  /**
   * Enables cgroup2 controllers for the container's directory: "+ctrl" into cgroup.subtree_control
   * of each ancestor from the mount point down, where not already there.
   */
  enableV2(controllers: string[]): void {
    if (!this.unified || !this.unifiedRoot || controllers.length === 0) return;
    const missing = controllers.filter((c) => !this.v2Available().has(c));
    if (missing.length) throw new Error(`cgroup v2 controller ${missing.join(', ')} is not available on this host`);
    const rel = path.relative(this.unifiedRoot, this.unified);
    const parts = rel ? rel.split('/') : [];
    let dir = this.unifiedRoot;
    for (let i = 0; i < parts.length; i++) {
      const enabled = new Set((readCgroupFile(dir, 'cgroup.subtree_control') ?? '').split(/\s+/).filter(Boolean));
      const wanted = controllers.filter((c) => !enabled.has(c));
      if (wanted.length) {
        try {
          writeCgroupFile(dir, 'cgroup.subtree_control', wanted.map((c) => `+${c}`).join(' '));
        } catch (e: any) {
          const hint = e.code === 'EBUSY' ? ` (${dir} has processes of its own)` : '';
          throw new Error(`cannot enable cgroup v2 controller ${wanted.join(', ')}: ${e.message}${hint}`);
        }
      }
      dir = path.join(dir, parts[i]);
    }
  }
}
