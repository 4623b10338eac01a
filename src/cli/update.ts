/**
 * `skiff update ID`: changes the cgroup limits of a container, from `-r FILE|-` (linux.resources
 * JSON) or runc's individual flags. Only the parts given change; each changed part is applied as a
 * whole from the container's resources merged with the new values, and the merged resources are
 * saved. If the kernel refuses a value, the previous values of those parts are written back.
 */
import * as fs from 'fs';
import type { GlobalOptions } from './context';
import type { LinuxCPU, LinuxMemory, LinuxResources } from '../spec/types';
import { loadContainer } from '../factory/load';
import { lockContainer } from '../container/lock';
import { readState, writeState } from '../container/state-file';
import { liveStatus } from '../container/status';
import { Controllers } from '../cgroups/controllers';
import { executePlan, Group, planResources } from '../cgroups/resources';
import { parseMemorySize } from '../cgroups/convert';
import { RuntimeError } from './errors';
import { log } from '../log';
import { validateConfig } from '../spec/validate';

export async function run(g: GlobalOptions, [id]: string[], opts: Record<string, any>): Promise<number> {
  const warn = (msg: string) => log.warn(msg);
  const delta = opts.resources !== undefined ? await readResources(opts.resources) : deltaFromFlags(opts, warn);
  // As runc: unlimited memory without a swap value means unlimited swap too.
  if (delta.memory?.limit === -1 && delta.memory.swap === undefined) delta.memory.swap = -1;
  const { dir } = await loadContainer(g.root, id);
  const unlock = lockContainer(dir);
  try {
    const state = await readState(dir);
    const status = await liveStatus(dir, state);
    if (status === 'stopped' || status === 'creating' || !state.cgroup) throw new Error('container not running');
    const config = state.config ?? {};
    const saved: LinuxResources = config.linux?.resources ?? {};
    const { merged, groups } = mergeResources(saved, delta, warn);
    if (groups.size === 0) return 0;
    const ctl = new Controllers(state.cgroup);
    const plan = planResources(ctl, merged, { groups, deviceCgroup: false, warn });
    try {
      executePlan(ctl, plan);
    } catch (e) {
      try {
        executePlan(ctl, planResources(ctl, saved, { groups, deviceCgroup: false, warn: () => undefined }));
      } catch (back: any) {
        warn(`Setting back cgroup configs failed due to error: ${back.message}, your state.json and actual configs might be inconsistent.`);
      }
      throw e;
    }
    config.linux = { ...(config.linux ?? {}), resources: merged };
    state.config = config;
    writeState(dir, state);
  } finally {
    unlock();
  }
  return 0;
}

async function readResources(file: string): Promise<LinuxResources> {
  let text: string;
  try {
    text = file === '-' ? await readStdin() : fs.readFileSync(file, 'utf8');
  } catch (e: any) {
    throw new RuntimeError(`cannot read resources from ${file === '-' ? 'standard input' : file}: ${e.message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e: any) {
    throw new RuntimeError(`invalid resources JSON: ${e.message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new RuntimeError('resources: must be a JSON object (linux.resources)');
  // The config validators check the fields (types, ranges, the spec's rules), naming each one.
  const checked = validateConfig({ ociVersion: '1.3.0', root: { path: 'rootfs' }, linux: { resources: value } }, 'resources');
  return checked.linux!.resources!;
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (d: Buffer) => chunks.push(d));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function parseInteger(flag: string, text: string, unsigned: boolean): number {
  if (!(unsigned ? /^\d+$/ : /^-?\d+$/).test(text.trim()))
    throw new RuntimeError(`invalid value for ${flag}: "${text}" is not ${unsigned ? 'an unsigned' : 'an'} integer`);
  return Number(text.trim());
}

/** runc's individual flags; an empty or absent flag leaves its value alone. */
export function deltaFromFlags(opts: Record<string, any>, warn: (msg: string) => void): LinuxResources {
  const r: LinuxResources = {};
  const cpu: LinuxCPU = {};
  const memory: LinuxMemory = {};
  const given = (v: unknown): v is string => typeof v === 'string' && v !== '';
  if (opts.blkioWeight) r.blockIO = { weight: opts.blkioWeight };
  if (given(opts.cpusetCpus)) cpu.cpus = opts.cpusetCpus;
  if (given(opts.cpusetMems)) cpu.mems = opts.cpusetMems;
  if (given(opts.cpuIdle)) cpu.idle = parseInteger('cpu-idle', opts.cpuIdle, false);
  const unsignedFlags: [string, keyof LinuxCPU][] = [['cpuBurst', 'burst'], ['cpuPeriod', 'period'], ['cpuRtPeriod', 'realtimePeriod'], ['cpuShare', 'shares']];
  for (const [opt, field] of unsignedFlags)
    if (given(opts[opt])) (cpu as any)[field] = parseInteger(flagName(opt), opts[opt], true);
  const signedFlags: [string, keyof LinuxCPU][] = [['cpuQuota', 'quota'], ['cpuRtRuntime', 'realtimeRuntime']];
  for (const [opt, field] of signedFlags)
    if (given(opts[opt])) (cpu as any)[field] = parseInteger(flagName(opt), opts[opt], false);
  const memoryFlags: [string, keyof LinuxMemory][] = [['memory', 'limit'], ['memorySwap', 'swap'], ['memoryReservation', 'reservation']];
  for (const [opt, field] of memoryFlags) {
    if (!given(opts[opt])) continue;
    try {
      (memory as any)[field] = parseMemorySize(opts[opt]);
    } catch (e: any) {
      throw new RuntimeError(`invalid value for ${flagName(opt)}: ${e.message}`);
    }
  }
  if (given(opts.kernelMemory) || given(opts.kernelMemoryTcp)) warn('kernel memory limits are deprecated and ignored');
  if (opts.pidsLimit !== undefined) r.pids = { limit: opts.pidsLimit };
  if (given(opts.l3CacheSchema) || given(opts.memBwSchema)) throw new RuntimeError('Intel RDT is not supported by skiff');
  if (Object.keys(cpu).length) r.cpu = cpu;
  if (Object.keys(memory).length) r.memory = memory;
  return r;
}

function flagName(opt: string): string {
  return opt.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The saved resources with the new values in, and which parts changed. */
export function mergeResources(saved: LinuxResources, delta: LinuxResources, warn: (msg: string) => void): { merged: LinuxResources; groups: Set<Group> } {
  const merged: LinuxResources = { ...saved };
  const groups = new Set<Group>();
  if (delta.memory) {
    merged.memory = { ...saved.memory, ...delta.memory };
    groups.add('memory');
  }
  if (delta.cpu) {
    merged.cpu = { ...saved.cpu, ...delta.cpu };
    groups.add('cpu');
  }
  if (delta.pids) {
    merged.pids = { ...saved.pids, ...delta.pids };
    groups.add('pids');
  }
  if (delta.blockIO) {
    merged.blockIO = { ...saved.blockIO, ...delta.blockIO };
    groups.add('blockIO');
  }
  if (delta.hugepageLimits) {
    const bySize = new Map((saved.hugepageLimits ?? []).map((l) => [l.pageSize, l]));
    for (const l of delta.hugepageLimits) bySize.set(l.pageSize, l);
    merged.hugepageLimits = [...bySize.values()];
    groups.add('hugepageLimits');
  }
  if (delta.network) {
    merged.network = { ...saved.network, ...delta.network };
    groups.add('network');
  }
  if (delta.rdma) {
    merged.rdma = { ...saved.rdma, ...delta.rdma };
    groups.add('rdma');
  }
  if (delta.unified) {
    merged.unified = { ...saved.unified, ...delta.unified };
    groups.add('unified');
  }
  if (delta.devices) warn('linux.resources.devices cannot be changed by update; ignored');
  return { merged, groups };
}
