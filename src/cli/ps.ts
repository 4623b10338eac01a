/**
 * `skiff ps ID [ps options]`: the container's processes. -f json prints their pids; the table is
 * ps(1)'s own output (default `ps -ef`), filtered to the lines whose PID is in the container's cgroup.
 */
import { writeOut } from '../log/write-all';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import type { GlobalOptions } from './context';
import type { CgroupPlacement } from '../cgroups/placement';
import { loadContainer } from '../factory/load';
import { RuntimeError } from './errors';

/** Every pid in the container's cgroup and its sub-cgroups (one hierarchy holds them all). */
export function containerPids(placement: CgroupPlacement | undefined): number[] {
  if (!placement) return [];
  const pids = new Set<number>();
  const walk = (dir: string): boolean => {
    let text: string;
    try {
      text = fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8');
    } catch {
      return false;
    }
    for (const line of text.split('\n')) if (line) pids.add(Number(line));
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) walk(path.join(dir, entry.name));
    return true;
  };
  for (const dir of Object.values(placement.dirs)) if (walk(dir)) break;
  return [...pids].sort((a, b) => a - b);
}

export async function run(g: GlobalOptions, [id, ...psArgs]: string[], opts: Record<string, any>): Promise<number> {
  const { state } = await loadContainer(g.root, id);
  const pids = containerPids(state.cgroup);
  if (opts.format === 'json') {
    writeOut(`${JSON.stringify(pids)}\n`);
    return 0;
  }
  if (opts.format !== 'table') throw new RuntimeError('invalid format option');
  const result = spawnSync('ps', psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8' });
  if (result.error) throw new RuntimeError(`ps: ${result.error.message}`);
  if (result.status !== 0) throw new RuntimeError(`ps exited with status ${result.status}: ${result.stdout}${result.stderr}`);
  const lines = result.stdout.split('\n');
  const pidIndex = lines[0].trim().split(/\s+/).indexOf('PID');
  if (pidIndex < 0) throw new RuntimeError("couldn't find PID field in ps output");
  const wanted = new Set(pids);
  let out = `${lines[0]}\n`;
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const field = line.trim().split(/\s+/)[pidIndex];
    const pid = Number(field);
    if (!Number.isInteger(pid)) throw new RuntimeError(`unable to parse pid: ${field}`);
    if (wanted.has(pid)) out += `${line}\n`;
  }
  writeOut(out);
  return 0;
}
