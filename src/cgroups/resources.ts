/**
 * linux.resources → cgroup files, on v1, v2 and hybrid hosts.
 *
 * First a plan is made (which file gets which value, in which order), so that a configuration
 * this host cannot honour is refused before anything is written; then the plan is carried out,
 * and a value the kernel rejects fails with the file and the value named. Each controller is used
 * where the host has it: its v1 hierarchy, else the cgroup2 tree (enabled there on demand), with
 * the v1 → v2 conversions runc makes (shares → cpu.weight, blkio weight → io.bfq.weight/io.weight,
 * memory+swap → memory.swap.max, ...).
 */
import * as fs from 'fs';
import type { LinuxDevice, LinuxResources } from '../spec/types';
import type { CgroupPlacement } from './placement';
import { Controllers, Located } from './controllers';
import { CgroupWriteError, CgroupWriter, cgroupFileExists, readCgroupFile, readNumber } from './files';
import { blkioWeightToIoWeight, cpuMax, hugePageSizeName, limitOrMax, sharesToWeight, swapToV2 } from './convert';
import { deviceWrites, effectiveRules } from './devices';
import { deviceProgram } from './ebpf';

export interface Step {
  dir: string;
  file: string;
  value: string;
  /** EINVAL now may be an ordering problem: try again after the other writes. */
  retryOnEinval?: boolean;
  /** Skip quietly when the file does not exist (optional kernel features such as hugetlb rsvd). */
  ifExists?: boolean;
  /** Read back and compare (the kernel clamps cpu.shares silently). */
  verifyShares?: boolean;
}

export interface Plan {
  /** cgroup2 controllers to enable for the container's directory before writing. */
  enable: string[];
  steps: Step[];
  /** Without a v1 devices controller: the eBPF device program (ebpf.ts) for the cgroup2 directory. */
  deviceProgram?: Buffer;
}

/** The parts of linux.resources, each applied as a whole. */
export type Group = 'memory' | 'cpu' | 'pids' | 'blockIO' | 'hugepageLimits' | 'network' | 'rdma' | 'unified' | 'devices';

export interface PlanOptions {
  /** linux.devices: allowed in the device cgroup along with the defaults. */
  devices?: LinuxDevice[];
  /** Only these groups (update); all by default. */
  groups?: Set<Group>;
  /** At create the device cgroup is always set up; update leaves it alone. */
  deviceCgroup: boolean;
  /** pids.limit 0 would stop skiff-init from making the init: create writes it once the init exists. */
  skipZeroPids?: boolean;
  warn: (msg: string) => void;
}

const R = 'linux.resources';

/** 2^64 as a double: runc's "swappiness unset". */
const SWAPPINESS_UNSET = 2 ** 64;

class Planner {
  readonly plan: Plan = { enable: [], steps: [] };

  constructor(readonly ctl: Controllers, readonly warn: (msg: string) => void) {}

  need(controllers: string[], field: string): Located {
    for (const c of controllers) {
      const loc = this.ctl.locate(c);
      if (loc) {
        if (loc.version === 2 && !this.plan.enable.includes(c)) this.plan.enable.push(c);
        return loc;
      }
    }
    throw new Error(`${field}: the ${controllers[0]} cgroup controller is not available on this host`);
  }

  write(dir: string, file: string, value: string | number, extra: Partial<Step> = {}): void {
    this.plan.steps.push({ dir, file, value: String(value), ...extra });
  }

  memory(m: NonNullable<LinuxResources['memory']>, update: boolean): void {
    const at = `${R}.memory`;
    const loc = this.need(['memory'], at);
    const limit = m.limit || undefined;
    let swap = m.swap || undefined;
    const usageFile = loc.version === 1 ? 'memory.usage_in_bytes' : 'memory.current';
    if (m.checkBeforeUpdate && limit !== undefined && limit > 0) {
      const usage = readNumber(loc.dir, usageFile);
      if (usage !== undefined && usage > limit)
        throw new Error(memoryLimitMessage(loc.dir, limit, loc.version));
    }
    if (loc.version === 1) {
      if (limit === -1 && swap === undefined) swap = -1;
      if (limit !== undefined && limit > 0 && swap !== undefined && swap > 0 && swap < limit)
        throw new Error(`${at}.swap: memory+swap limit (${swap}) should be >= memory limit (${limit})`);
      if (swap !== undefined && !cgroupFileExists(loc.dir, 'memory.memsw.limit_in_bytes'))
        throw new Error(`${at}.swap: swap accounting is not enabled on this host (no memory.memsw.limit_in_bytes)`);
      if (limit !== undefined && swap !== undefined) {
        // The kernel keeps memsw >= memory at every step: raise memsw first, lower memory first.
        const current = readNumber(loc.dir, 'memory.limit_in_bytes') ?? Number.MAX_SAFE_INTEGER;
        if (swap === -1 || current < swap) {
          this.write(loc.dir, 'memory.memsw.limit_in_bytes', swap);
          this.write(loc.dir, 'memory.limit_in_bytes', limit);
        } else {
          this.write(loc.dir, 'memory.limit_in_bytes', limit);
          this.write(loc.dir, 'memory.memsw.limit_in_bytes', swap);
        }
      } else if (limit !== undefined) this.write(loc.dir, 'memory.limit_in_bytes', limit);
      else if (swap !== undefined) this.write(loc.dir, 'memory.memsw.limit_in_bytes', swap);
      if (m.reservation) this.write(loc.dir, 'memory.soft_limit_in_bytes', m.reservation);
      if (m.kernelTCP) this.write(loc.dir, 'memory.kmem.tcp.limit_in_bytes', m.kernelTCP);
      if (m.swappiness !== undefined && m.swappiness !== SWAPPINESS_UNSET) {
        if (m.swappiness < 0 || m.swappiness > 100) throw new Error(`${at}.swappiness: invalid value ${m.swappiness}, valid range is 0-100`);
        this.write(loc.dir, 'memory.swappiness', m.swappiness);
      }
      if (m.disableOOMKiller !== undefined && (m.disableOOMKiller || update)) this.write(loc.dir, 'memory.oom_control', m.disableOOMKiller ? 1 : 0);
      if (m.useHierarchy !== undefined) this.write(loc.dir, 'memory.use_hierarchy', m.useHierarchy ? 1 : 0);
      // memory.kernel: deprecated, and ignored by kernels since 5.16 (runc ignores it too).
      return;
    }
    const swapMax = swapToV2(swap, limit);
    if (swapMax !== undefined) {
      if (cgroupFileExists(loc.dir, 'memory.swap.max')) this.write(loc.dir, 'memory.swap.max', swapMax);
      else if (swapMax !== 'max' && swapMax !== '0') throw new Error(`${at}.swap: swap accounting is not enabled on this host (no memory.swap.max)`);
    }
    if (limit !== undefined) this.write(loc.dir, 'memory.max', limitOrMax(limit));
    if (m.reservation) this.write(loc.dir, 'memory.low', limitOrMax(m.reservation));
    if (m.swappiness !== undefined && m.swappiness !== SWAPPINESS_UNSET) this.warn(`${at}.swappiness is not supported on cgroup v2; ignored`);
    if (m.disableOOMKiller) this.warn(`${at}.disableOOMKiller is not supported on cgroup v2; ignored`);
  }

  cpu(c: NonNullable<LinuxResources['cpu']>): void {
    const at = `${R}.cpu`;
    const wantsCpu = !!c.shares || !!c.quota || !!c.period || c.burst !== undefined || !!c.realtimePeriod || !!c.realtimeRuntime || c.idle !== undefined;
    if (wantsCpu) {
      const loc = this.need(['cpu'], at);
      if (loc.version === 1) {
        if (c.shares) this.write(loc.dir, 'cpu.shares', c.shares, { verifyShares: true });
        // A smaller period may be refused until the quota is in (old quota / new period too high).
        if (c.period) this.write(loc.dir, 'cpu.cfs_period_us', c.period, { retryOnEinval: !!c.quota });
        if (c.quota) this.write(loc.dir, 'cpu.cfs_quota_us', c.quota);
        if (c.burst !== undefined) this.write(loc.dir, 'cpu.cfs_burst_us', c.burst);
        if (c.realtimePeriod) this.write(loc.dir, 'cpu.rt_period_us', c.realtimePeriod);
        if (c.realtimeRuntime) this.write(loc.dir, 'cpu.rt_runtime_us', c.realtimeRuntime);
        if (c.idle !== undefined) this.write(loc.dir, 'cpu.idle', c.idle);
      } else {
        if (c.realtimePeriod || c.realtimeRuntime) throw new Error(`${at}: realtimePeriod and realtimeRuntime are not supported on cgroup v2`);
        if (c.idle !== undefined) this.write(loc.dir, 'cpu.idle', c.idle);
        if (c.shares) this.write(loc.dir, 'cpu.weight', sharesToWeight(c.shares));
        const max = cpuMax(c.quota, c.period);
        if (max !== undefined) this.write(loc.dir, 'cpu.max', max);
        if (c.burst !== undefined) this.write(loc.dir, 'cpu.max.burst', c.burst);
      }
    }
    if (c.cpus || c.mems) {
      const loc = this.need(['cpuset'], at);
      if (c.cpus) this.write(loc.dir, 'cpuset.cpus', c.cpus);
      if (c.mems) this.write(loc.dir, 'cpuset.mems', c.mems);
    }
  }

  pids(p: NonNullable<LinuxResources['pids']>, skipZero: boolean): void {
    if (p.limit === undefined || (p.limit === 0 && skipZero)) return;
    const loc = this.need(['pids'], `${R}.pids`);
    this.write(loc.dir, 'pids.max', limitOrMax(p.limit));
  }

  blockIO(b: NonNullable<LinuxResources['blockIO']>): void {
    const at = `${R}.blockIO`;
    const loc = this.need(['blkio', 'io'], at);
    const throttles: [keyof typeof b, string, string][] = [
      ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device', 'rbps'],
      ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device', 'wbps'],
      ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device', 'riops'],
      ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device', 'wiops'],
    ];
    if (loc.version === 1) {
      const cfq = cgroupFileExists(loc.dir, 'blkio.weight');
      if (b.weight) this.write(loc.dir, cfq ? 'blkio.weight' : 'blkio.bfq.weight', b.weight);
      if (b.leafWeight) this.v1File(loc.dir, 'blkio.leaf_weight', `${at}.leafWeight`, b.leafWeight);
      for (const [i, d] of (b.weightDevice ?? []).entries()) {
        if (d.weight) this.write(loc.dir, cfq ? 'blkio.weight_device' : 'blkio.bfq.weight_device', `${d.major}:${d.minor} ${d.weight}`);
        if (d.leafWeight) this.v1File(loc.dir, 'blkio.leaf_weight_device', `${at}.weightDevice[${i}].leafWeight`, `${d.major}:${d.minor} ${d.leafWeight}`);
      }
      for (const [field, file] of throttles) {
        for (const d of (b[field] as { major: number; minor: number; rate: number }[] | undefined) ?? [])
          this.write(loc.dir, file, `${d.major}:${d.minor} ${d.rate}`);
      }
      return;
    }
    const bfq = cgroupFileExists(loc.dir, 'io.bfq.weight');
    if (b.weight) {
      if (bfq) this.write(loc.dir, 'io.bfq.weight', b.weight);
      else this.write(loc.dir, 'io.weight', blkioWeightToIoWeight(b.weight));
    }
    if (b.leafWeight || b.weightDevice?.some((d) => d.leafWeight)) this.warn(`${at}: leafWeight is not supported on cgroup v2; ignored`);
    for (const d of b.weightDevice ?? []) {
      if (!d.weight) continue;
      if (bfq) this.write(loc.dir, 'io.bfq.weight', `${d.major}:${d.minor} ${d.weight}`);
      else this.write(loc.dir, 'io.weight', `${d.major}:${d.minor} ${blkioWeightToIoWeight(d.weight)}`);
    }
    for (const [field, , key] of throttles) {
      for (const d of (b[field] as { major: number; minor: number; rate: number }[] | undefined) ?? [])
        this.write(loc.dir, 'io.max', `${d.major}:${d.minor} ${key}=${d.rate}`);
    }
  }

  /** A v1 file that old kernels (CFQ) had; a clear error rather than ENOENT. */
  v1File(dir: string, file: string, field: string, value: string | number): void {
    if (!cgroupFileExists(dir, file)) throw new Error(`${field}: not supported by this kernel (no ${file}; the CFQ scheduler is gone)`);
    this.write(dir, file, value);
  }

  hugepageLimits(limits: NonNullable<LinuxResources['hugepageLimits']>): void {
    const at = `${R}.hugepageLimits`;
    if (limits.length === 0) return;
    const sizes = hostHugePageSizes();
    const loc = this.need(['hugetlb'], at);
    for (const [i, l] of limits.entries()) {
      if (!sizes.includes(l.pageSize))
        throw new Error(`${at}[${i}].pageSize: "${l.pageSize}" is not a huge page size of this host (${sizes.join(', ') || 'none'})`);
      if (loc.version === 1) {
        this.write(loc.dir, `hugetlb.${l.pageSize}.limit_in_bytes`, l.limit);
        this.write(loc.dir, `hugetlb.${l.pageSize}.rsvd.limit_in_bytes`, l.limit, { ifExists: true });
      } else {
        this.write(loc.dir, `hugetlb.${l.pageSize}.max`, l.limit);
        this.write(loc.dir, `hugetlb.${l.pageSize}.rsvd.max`, l.limit, { ifExists: true });
      }
    }
  }

  network(n: NonNullable<LinuxResources['network']>): void {
    const at = `${R}.network`;
    if (n.classID !== undefined) {
      const loc = this.need(['net_cls'], `${at}.classID`);
      if (loc.version === 2) throw new Error(`${at}.classID: net_cls is not supported on cgroup v2`);
      this.write(loc.dir, 'net_cls.classid', n.classID);
    }
    if (n.priorities?.length) {
      const loc = this.need(['net_prio'], `${at}.priorities`);
      if (loc.version === 2) throw new Error(`${at}.priorities: net_prio is not supported on cgroup v2`);
      for (const p of n.priorities) this.write(loc.dir, 'net_prio.ifpriomap', `${p.name} ${p.priority}`);
    }
  }

  rdma(rdma: NonNullable<LinuxResources['rdma']>): void {
    const entries = Object.entries(rdma).filter(([, v]) => v);
    if (entries.length === 0) return;
    const loc = this.need(['rdma'], `${R}.rdma`);
    for (const [device, v] of entries) {
      const parts = [device];
      if (v!.hcaHandles !== undefined) parts.push(`hca_handle=${v!.hcaHandles}`);
      if (v!.hcaObjects !== undefined) parts.push(`hca_object=${v!.hcaObjects}`);
      this.write(loc.dir, 'rdma.max', parts.join(' '));
    }
  }

  unified(unified: NonNullable<LinuxResources['unified']>): void {
    const at = `${R}.unified`;
    const entries = Object.entries(unified).filter((e): e is [string, string] => e[1] !== undefined);
    if (entries.length === 0) return;
    if (!this.ctl.unified) throw new Error(`${at}: cannot use unified on cgroup v1 (this host has no cgroup2 hierarchy)`);
    for (const [key, value] of entries) {
      const field = `${at}[${JSON.stringify(key)}]`;
      if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_.-]+$/.test(key) || key.includes('..')) throw new Error(`${field}: not a cgroup file name`);
      const controller = key.slice(0, key.indexOf('.'));
      if (controller !== 'cgroup') {
        if (this.ctl.v1.has(controller))
          throw new Error(`${field}: the ${controller} controller is on cgroup v1 on this host, not in the cgroup v2 hierarchy`);
        if (this.ctl.v2Available().has(controller)) {
          if (!this.plan.enable.includes(controller)) this.plan.enable.push(controller);
        } else if (!cgroupFileExists(this.ctl.unified, key)) {
          throw new Error(`${field}: the ${controller} cgroup controller is not available on this host`);
        }
      }
      this.write(this.ctl.unified, key, value);
    }
  }

  devices(rules: LinuxResources['devices'], devices: LinuxDevice[] | undefined): void {
    const writes = deviceWrites(rules, devices); // also checks the rules
    if (this.ctl.devicesByEbpf) {
      this.plan.deviceProgram = deviceProgram(effectiveRules(rules, devices));
    } else {
      const dir = this.ctl.v1.get('devices');
      if (dir) for (const w of writes) this.write(dir, w.file, w.value);
    }
  }
}

/** Huge page sizes of this host, spelled as the cgroup files spell them ("2MB", "1GB"). */
export function hostHugePageSizes(): string[] {
  let names: string[] = [];
  try {
    names = fs.readdirSync('/sys/kernel/mm/hugepages');
  } catch {
    return [];
  }
  return names
    .map((n) => /^hugepages-(\d+)kB$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => hugePageSizeName(Number(m[1])));
}

function memoryLimitMessage(dir: string, limit: number, version: 1 | 2): string {
  const usage = readNumber(dir, version === 1 ? 'memory.usage_in_bytes' : 'memory.current') ?? 0;
  const peak = readNumber(dir, version === 1 ? 'memory.max_usage_in_bytes' : 'memory.peak');
  return `unable to set memory limit to ${limit} (current usage: ${usage}${peak !== undefined ? `, peak usage: ${peak}` : ''})`;
}

export function planResources(ctl: Controllers, r: LinuxResources, opts: PlanOptions): Plan {
  const p = new Planner(ctl, opts.warn);
  const want = (g: Group) => !opts.groups || opts.groups.has(g);
  const update = opts.groups !== undefined;
  if (r.memory && want('memory')) p.memory(r.memory, update);
  if (r.cpu && want('cpu')) p.cpu(r.cpu);
  if (r.pids && want('pids')) p.pids(r.pids, !!opts.skipZeroPids);
  if (r.blockIO && want('blockIO')) p.blockIO(r.blockIO);
  if (r.hugepageLimits && want('hugepageLimits')) p.hugepageLimits(r.hugepageLimits);
  if (r.network && want('network')) p.network(r.network);
  if (r.rdma && want('rdma')) p.rdma(r.rdma);
  if (opts.deviceCgroup) p.devices(r.devices, opts.devices);
  // unified last: its values override the converted ones, as with runc.
  if (r.unified && want('unified')) p.unified(r.unified);
  return p.plan;
}

export function executePlan(ctl: Controllers, plan: Plan): void {
  ctl.enableV2(plan.enable);
  const writer = new CgroupWriter();
  try {
    const retry: Step[] = [];
    for (const step of plan.steps) {
      try {
        runStep(step, writer);
      } catch (e) {
        if (step.retryOnEinval && e instanceof CgroupWriteError && e.code === 'EINVAL') retry.push(step);
        else throw e;
      }
    }
    for (const step of retry) runStep(step, writer);
  } finally {
    writer.close();
  }
}

function runStep(step: Step, writer: CgroupWriter): void {
  if (step.ifExists && !cgroupFileExists(step.dir, step.file)) return;
  try {
    writer.write(step.dir, step.file, step.value);
  } catch (e) {
    if (e instanceof CgroupWriteError && e.code === 'EBUSY' && /^memory\.(memsw\.)?limit_in_bytes$/.test(step.file))
      throw new Error(memoryLimitMessage(step.dir, Number(step.value), 1));
    throw e;
  }
  if (step.verifyShares) {
    const actual = Number(readCgroupFile(step.dir, step.file)?.trim());
    const wanted = Number(step.value);
    if (actual !== wanted)
      throw new Error(wanted > actual ? `the maximum allowed cpu-shares is ${actual}` : `the minimum allowed cpu-shares is ${actual}`);
  }
}

/**
 * At create, right after the cgroups are made and before any process is in them: every field of
 * linux.resources, and the device cgroup. A failure throws (create then destroys the cgroups).
 * Without a v1 devices controller the device rules come back as an eBPF program, for skiff-init to
 * load and attach to the container's cgroup2 directory (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI).
 */
export function applyResources(
  placement: CgroupPlacement,
  resources: LinuxResources | undefined,
  devices: LinuxDevice[] | undefined,
  warn: (msg: string) => void = () => undefined,
): { deviceProgram?: Buffer } {
  const ctl = new Controllers(placement);
  // On a cgroup v2 host, enable every controller for the container as runc does (limits set later
  // by update, and the statistics, need them); best effort, the needed ones are enabled strictly.
  if (ctl.layout === 'v2') {
    for (const c of ctl.v2Available()) {
      try {
        ctl.enableV2([c]);
      } catch {
        // not delegable here; only an error if a limit needs it
      }
    }
  }
  const plan = planResources(ctl, resources ?? {}, { devices, deviceCgroup: true, skipZeroPids: true, warn });
  executePlan(ctl, plan);
  return { deviceProgram: plan.deviceProgram };
}

/**
 * At create, once the container's init exists (before its program runs): what could not be written
 * earlier. Today that is pids.limit 0, a valid limit (config-linux.md) that forbids any new task.
 */
export function applyLateResources(placement: CgroupPlacement, resources: LinuxResources | undefined): void {
  if (resources?.pids?.limit !== 0) return;
  const ctl = new Controllers(placement);
  executePlan(ctl, planResources(ctl, { pids: resources.pids }, { groups: new Set(['pids']), deviceCgroup: false, warn: () => undefined }));
}
