/**
 * Resource usage of a container as `runc events` prints it (runc's types.Stats): the kernel's own
 * counters, read exactly (64-bit values as bigint), from v1 files where the controller is on v1 and
 * from cgroup2 files otherwise. Zero values of the fields runc marks omitempty are left out.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { CgroupPlacement } from './placement';
import { Controllers } from './controllers';
import { parseU64, readCgroupFile, readKeyed, UINT64_MAX } from './files';

type Obj = Record<string, unknown>;

/** USER_HZ: cpuacct.stat counts in these ticks. */
const CLOCK_TICKS = 100n;

function setNonZero(o: Obj, key: string, v: bigint | undefined): void {
  if (v !== undefined && v !== 0n) o[key] = v;
}

function setNonEmpty(o: Obj, key: string, v: unknown[] | undefined): void {
  if (v && v.length) o[key] = v;
}

function u64(dir: string, file: string): bigint | undefined {
  return parseU64(readCgroupFile(dir, file));
}

function u64List(dir: string, file: string): bigint[] | undefined {
  const text = readCgroupFile(dir, file)?.trim();
  if (!text) return undefined;
  return text.split(/\s+/).map((t) => parseU64(t) ?? 0n);
}

/** "0-2,5" → [0, 1, 2, 5] */
export function expandList(text: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (text ?? '').trim().split(',')) {
    if (!part) continue;
    const [a, b] = part.split('-').map(Number);
    for (let i = a; i <= (b ?? a); i++) out.push(i);
  }
  return out;
}

function cpuV1(cpuacct: string | undefined, cpu: string | undefined): Obj {
  const usage: Obj = {};
  const throttling: Obj = {};
  if (cpuacct) {
    setNonZero(usage, 'total', u64(cpuacct, 'cpuacct.usage'));
    setNonEmpty(usage, 'percpu', u64List(cpuacct, 'cpuacct.usage_percpu'));
    const all = (readCgroupFile(cpuacct, 'cpuacct.usage_all') ?? '').trim().split('\n').slice(1);
    const kernel: bigint[] = [];
    const user: bigint[] = [];
    for (const line of all) {
      const [, u, s] = line.trim().split(/\s+/);
      if (u === undefined || s === undefined) continue;
      user.push(parseU64(u) ?? 0n);
      kernel.push(parseU64(s) ?? 0n);
    }
    setNonEmpty(usage, 'percpu_kernel', kernel);
    setNonEmpty(usage, 'percpu_user', user);
    const stat = readKeyed(cpuacct, 'cpuacct.stat');
    usage.kernel = ((stat.system ?? 0n) * 1000000000n) / CLOCK_TICKS;
    usage.user = ((stat.user ?? 0n) * 1000000000n) / CLOCK_TICKS;
  } else {
    usage.kernel = 0n;
    usage.user = 0n;
  }
  if (cpu) {
    const stat = readKeyed(cpu, 'cpu.stat');
    setNonZero(throttling, 'periods', stat.nr_periods);
    setNonZero(throttling, 'throttledPeriods', stat.nr_throttled);
    setNonZero(throttling, 'throttledTime', stat.throttled_time);
  }
  return { usage, throttling };
}

function cpuV2(dir: string): Obj {
  const stat = readKeyed(dir, 'cpu.stat');
  const usage: Obj = {};
  setNonZero(usage, 'total', stat.usage_usec !== undefined ? stat.usage_usec * 1000n : undefined);
  usage.kernel = (stat.system_usec ?? 0n) * 1000n;
  usage.user = (stat.user_usec ?? 0n) * 1000n;
  const throttling: Obj = {};
  setNonZero(throttling, 'periods', stat.nr_periods);
  setNonZero(throttling, 'throttledPeriods', stat.nr_throttled);
  setNonZero(throttling, 'throttledTime', stat.throttled_usec !== undefined ? stat.throttled_usec * 1000n : undefined);
  return { usage, throttling };
}

function cpusetV1(dir: string): Obj {
  const o: Obj = {};
  const cpus = expandList(readCgroupFile(dir, 'cpuset.cpus'));
  if (cpus.length) o.cpus = cpus;
  o.cpu_exclusive = u64(dir, 'cpuset.cpu_exclusive') ?? 0n;
  const mems = expandList(readCgroupFile(dir, 'cpuset.mems'));
  if (mems.length) o.mems = mems;
  for (const [key, file] of [
    ['mem_hardwall', 'cpuset.mem_hardwall'], ['mem_exclusive', 'cpuset.mem_exclusive'], ['memory_migrate', 'cpuset.memory_migrate'],
    ['memory_spread_page', 'cpuset.memory_spread_page'], ['memory_spread_slab', 'cpuset.memory_spread_slab'],
    ['memory_pressure', 'cpuset.memory_pressure'], ['sched_load_balance', 'cpuset.sched_load_balance'],
  ]) o[key] = u64(dir, file) ?? 0n;
  o.sched_relax_domain_level = parseU64(readCgroupFile(dir, 'cpuset.sched_relax_domain_level')) ?? 0n;
  return o;
}

function memoryEntry(limit: bigint | undefined, usage: bigint | undefined, max: bigint | undefined, failcnt: bigint | undefined): Obj {
  const o: Obj = { limit: limit ?? 0n };
  setNonZero(o, 'usage', usage);
  setNonZero(o, 'max', max);
  o.failcnt = failcnt ?? 0n;
  return o;
}

function memoryV1(dir: string): Obj {
  const entry = (prefix: string) =>
    memoryEntry(u64(dir, `${prefix}.limit_in_bytes`), u64(dir, `${prefix}.usage_in_bytes`), u64(dir, `${prefix}.max_usage_in_bytes`), u64(dir, `${prefix}.failcnt`));
  const raw = readKeyed(dir, 'memory.stat');
  const o: Obj = {};
  setNonZero(o, 'cache', raw.cache);
  o.usage = entry('memory');
  o.swap = entry('memory.memsw');
  o.kernel = entry('memory.kmem');
  o.kernelTCP = entry('memory.kmem.tcp');
  if (Object.keys(raw).length) o.raw = sortKeys(raw);
  return o;
}

function memoryV2(dir: string): Obj {
  const raw = readKeyed(dir, 'memory.stat');
  const events = readKeyed(dir, 'memory.events');
  const usage = u64(dir, 'memory.current') ?? 0n;
  const limit = u64(dir, 'memory.max') ?? UINT64_MAX;
  const o: Obj = {};
  setNonZero(o, 'cache', raw.file);
  o.usage = memoryEntry(limit, usage, u64(dir, 'memory.peak'), events.max);
  // v1 reports memory+swap; do the same so that the numbers mean the same thing.
  const swapLimit = u64(dir, 'memory.swap.max') ?? UINT64_MAX;
  const swapUsage = u64(dir, 'memory.swap.current');
  o.swap = memoryEntry(
    swapLimit === UINT64_MAX || limit === UINT64_MAX ? UINT64_MAX : swapLimit + limit,
    swapUsage !== undefined ? swapUsage + usage : undefined,
    undefined,
    0n,
  );
  o.kernel = memoryEntry(0n, undefined, undefined, 0n);
  o.kernelTCP = memoryEntry(0n, undefined, undefined, 0n);
  if (Object.keys(raw).length) o.raw = sortKeys(raw);
  return o;
}

function pids(dir: string): Obj {
  const o: Obj = {};
  setNonZero(o, 'current', u64(dir, 'pids.current'));
  const max = u64(dir, 'pids.max');
  setNonZero(o, 'limit', max === UINT64_MAX ? undefined : max);
  return o;
}

interface BlkioEntry { major?: bigint; minor?: bigint; op?: string; value?: bigint }

function blkioEntries(dir: string, file: string): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (readCgroupFile(dir, file) ?? '').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length !== 3) continue; // "Total N" and blank lines
    const [major, minor] = f[0].split(':').map((n) => parseU64(n));
    const e: BlkioEntry = {};
    if (major) e.major = major;
    if (minor) e.minor = minor;
    if (f[1]) e.op = f[1];
    const value = parseU64(f[2]);
    if (value) e.value = value;
    out.push(e);
  }
  return out;
}

function blkioV1(dir: string): Obj {
  // As runc: the first family of files that has entries (BFQ, CFQ, throttling).
  const families = [
    ['blkio.bfq.io_service_bytes_recursive', 'blkio.bfq.io_serviced_recursive'],
    ['blkio.io_service_bytes_recursive', 'blkio.io_serviced_recursive'],
    ['blkio.throttle.io_service_bytes_recursive', 'blkio.throttle.io_serviced_recursive'],
    ['blkio.throttle.io_service_bytes', 'blkio.throttle.io_serviced'],
  ];
  for (const [bytes, serviced] of families) {
    const b = blkioEntries(dir, bytes);
    if (b.length === 0) continue;
    const o: Obj = { ioServiceBytesRecursive: b };
    setNonEmpty(o, 'ioServicedRecursive', blkioEntries(dir, serviced));
    return o;
  }
  return {};
}

function ioV2(dir: string): Obj {
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  for (const line of (readCgroupFile(dir, 'io.stat') ?? '').split('\n')) {
    const [dev, ...pairs] = line.trim().split(/\s+/);
    if (!dev || !dev.includes(':')) continue;
    const [major, minor] = dev.split(':').map((n) => parseU64(n) ?? 0n);
    const kv: Record<string, bigint> = {};
    for (const p of pairs) {
      const [k, v] = p.split('=');
      kv[k] = parseU64(v) ?? 0n;
    }
    const entry = (op: string, value: bigint | undefined): BlkioEntry => {
      const e: BlkioEntry = {};
      if (major) e.major = major;
      if (minor) e.minor = minor;
      e.op = op;
      if (value) e.value = value;
      return e;
    };
    bytes.push(entry('Read', kv.rbytes), entry('Write', kv.wbytes));
    ios.push(entry('Read', kv.rios), entry('Write', kv.wios));
  }
  const o: Obj = {};
  setNonEmpty(o, 'ioServiceBytesRecursive', bytes);
  setNonEmpty(o, 'ioServicedRecursive', ios);
  return o;
}

function hugetlb(dir: string, version: 1 | 2): Obj {
  const out: Obj = {};
  let files: string[] = [];
  try {
    files = fs.readdirSync(dir);
  } catch {
    return out;
  }
  for (const f of files) {
    const m = /^hugetlb\.([0-9]+[KMG]B)\.(usage_in_bytes|current)$/.exec(f);
    if (!m) continue;
    const size = m[1];
    const o: Obj = {};
    if (version === 1) {
      setNonZero(o, 'usage', u64(dir, `hugetlb.${size}.usage_in_bytes`));
      setNonZero(o, 'max', u64(dir, `hugetlb.${size}.max_usage_in_bytes`));
      o.failcnt = u64(dir, `hugetlb.${size}.failcnt`) ?? 0n;
    } else {
      setNonZero(o, 'usage', u64(dir, `hugetlb.${size}.current`));
      o.failcnt = readKeyed(dir, `hugetlb.${size}.events`).max ?? 0n;
    }
    out[size] = o;
  }
  return out;
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The `data` of a stats event. */
export function collectStats(placement: CgroupPlacement): Obj {
  const ctl = new Controllers(placement);
  const where = (c: string) => ctl.locate(c);
  const v2 = ctl.unified;
  const data: Obj = {};

  const cpuacct = ctl.v1.get('cpuacct');
  const cpuV1Dir = ctl.v1.get('cpu');
  if (cpuacct || cpuV1Dir) data.cpu = cpuV1(cpuacct, cpuV1Dir);
  else if (v2) data.cpu = cpuV2(v2);
  else data.cpu = { usage: { kernel: 0n, user: 0n }, throttling: {} };

  const cpuset = ctl.v1.get('cpuset');
  if (cpuset) data.cpuset = cpusetV1(cpuset);

  const mem = where('memory');
  data.memory = mem ? (mem.version === 1 ? memoryV1(mem.dir) : memoryV2(mem.dir)) : {};

  const p = where('pids');
  data.pids = p ? pids(p.dir) : {};

  const blk = where('blkio') ?? where('io');
  data.blkio = blk ? (blk.version === 1 ? blkioV1(blk.dir) : ioV2(blk.dir)) : {};

  const huge = where('hugetlb');
  data.hugetlb = huge ? sortKeys(hugetlb(huge.dir, huge.version)) : {};

  data.intel_rdt = {};
  data.network_interfaces = null;
  return data;
}

/** OOM kills so far, and whether the group is under OOM now (with the killer disabled it waits there). */
export function oomSnapshot(placement: CgroupPlacement): { kills: bigint; under: boolean } | undefined {
  const mem = new Controllers(placement).locate('memory');
  if (!mem) return undefined;
  const file = mem.version === 1 ? 'memory.oom_control' : 'memory.events';
  if (readCgroupFile(mem.dir, file) === undefined) return undefined;
  const k = readKeyed(mem.dir, file);
  if (mem.version === 1) return { kills: k.oom_kill ?? 0n, under: (k.under_oom ?? 0n) > 0n };
  // Only compared for change: an OOM event bumps "oom", a kill "oom_kill".
  return { kills: (k.oom ?? 0n) + (k.oom_kill ?? 0n), under: false };
}

/** True while the container's cgroup directories are there (delete removes them). */
export function cgroupExists(placement: CgroupPlacement): boolean {
  return Object.values(placement.dirs).some((d) => fs.existsSync(path.join(d, 'cgroup.procs')));
}

/** JSON with bigints as plain numbers, exactly. */
export function toJson(value: unknown): string {
  const marker = '\u0001bigint:';
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${marker}${v}` : v)).replace(/"\\u0001bigint:(-?\d+)"/g, '$1');
}
