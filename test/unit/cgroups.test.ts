/**
 * Cgroup resources without a kernel: conversions, device rules, the write plan on v1, v2 and
 * hybrid layouts (over plain files in a temp dir), update's flag parsing and merging, and stats.
 */
import { hierarchiesIn, unescapeMountPath } from '../../src/cgroups/layout';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { blkioWeightToIoWeight, cpuMax, hugePageSizeName, parseMemorySize, sharesToWeight, swapToV2 } from '../../src/cgroups/convert';
import { deviceWrites, effectiveRules, ruleWrites } from '../../src/cgroups/devices';
import { deviceProgram, deviceRequest } from '../../src/cgroups/ebpf';
import type { LinuxDeviceCgroup } from '../../src/spec/types';
import { Controllers } from '../../src/cgroups/controllers';
import { executePlan, planResources, Step } from '../../src/cgroups/resources';
import { collectStats, expandList, toJson } from '../../src/cgroups/stats';
import { errnoText, parseU64 } from '../../src/cgroups/files';
import { deltaFromFlags, mergeResources } from '../../src/cli/update';
import type { CgroupPlacement } from '../../src/cgroups/placement';

const tmpDirs: string[] = [];
afterAll(() => tmpDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A fake cgroup tree: each key is a directory (relative), each value its files. */
function fakeTree(files: Record<string, Record<string, string>>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-unit-cgroups-'));
  tmpDirs.push(root);
  for (const [dir, entries] of Object.entries(files)) {
    fs.mkdirSync(path.join(root, dir), { recursive: true });
    for (const [name, text] of Object.entries(entries)) fs.writeFileSync(path.join(root, dir, name), text);
  }
  return root;
}

const noWarn = () => undefined;
const show = (steps: Step[], root: string) => steps.map((s) => `${path.relative(root, path.join(s.dir, s.file))}=${s.value}`);

describe('conversions', () => {
  it('cpu shares to cpu.weight: the ends and the default map to the ends and the default', () => {
    expect(sharesToWeight(0)).toBe(0);
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(1024)).toBe(100);
    expect(sharesToWeight(262144)).toBe(10000);
    expect(sharesToWeight(512)).toBeLessThan(100);
    expect(sharesToWeight(2048)).toBeGreaterThan(100);
  });

  it('blkio weight to io.weight', () => {
    expect(blkioWeightToIoWeight(0)).toBe(0);
    expect(blkioWeightToIoWeight(10)).toBe(1);
    expect(blkioWeightToIoWeight(1000)).toBe(10000);
    expect(blkioWeightToIoWeight(500)).toBe(1 + Math.floor((490 * 9999) / 990));
  });

  it('memory+swap to memory.swap.max', () => {
    expect(swapToV2(undefined, undefined)).toBeUndefined();
    expect(swapToV2(undefined, -1)).toBe('max');
    expect(swapToV2(-1, 100)).toBe('max');
    expect(swapToV2(300, 100)).toBe('200');
    expect(swapToV2(100, 100)).toBe('0');
    expect(() => swapToV2(50, 100)).toThrow(/should be >= memory limit/);
    expect(() => swapToV2(100, undefined)).toThrow(/without memory limit/);
  });

  it('cpu.max from quota and period', () => {
    expect(cpuMax(undefined, undefined)).toBeUndefined();
    expect(cpuMax(50000, 100000)).toBe('50000 100000');
    expect(cpuMax(-1, 100000)).toBe('max 100000');
    expect(cpuMax(50000, undefined)).toBe('50000');
  });

  it('memory sizes as runc takes them', () => {
    expect(parseMemorySize('100')).toBe(100);
    expect(parseMemorySize('64m')).toBe(64 * 1024 * 1024);
    expect(parseMemorySize('1.5G')).toBe(1.5 * 1024 ** 3);
    expect(parseMemorySize('512KiB')).toBe(512 * 1024);
    expect(parseMemorySize('-1')).toBe(-1);
    expect(() => parseMemorySize('lots')).toThrow("invalid size: 'lots'");
  });

  it('huge page size names', () => {
    expect(hugePageSizeName(2048)).toBe('2MB');
    expect(hugePageSizeName(1048576)).toBe('1GB');
    expect(hugePageSizeName(64)).toBe('64KB');
  });

  it('errno texts as Go prints them', () => {
    expect(errnoText(Object.assign(new Error('EINVAL: invalid argument, write'), { code: 'EINVAL' }))).toBe('invalid argument');
    expect(errnoText(Object.assign(new Error('ENOTSUP: operation not supported on socket, write'), { code: 'ENOTSUP' }))).toBe('operation not supported');
  });

  it('exact 64-bit values', () => {
    expect(parseU64('9223372036854771712')).toBe(9223372036854771712n);
    expect(parseU64('max')).toBe(18446744073709551615n);
    expect(toJson({ a: 9223372036854771712n, b: [1n, 2n], c: 'x' })).toBe('{"a":9223372036854771712,"b":[1,2],"c":"x"}');
    expect(expandList('0-2,5')).toEqual([0, 1, 2, 5]);
  });
});

describe('device rules', () => {
  it('turn into devices.allow / devices.deny lines', () => {
    expect(ruleWrites({ allow: false, access: 'rwm' })).toEqual([{ file: 'devices.deny', value: 'a' }]);
    expect(ruleWrites({ allow: true, type: 'c', major: 1, minor: 3, access: 'rw' })).toEqual([{ file: 'devices.allow', value: 'c 1:3 rw' }]);
    expect(ruleWrites({ allow: true, type: 'b', major: 8 })).toEqual([{ file: 'devices.allow', value: 'b 8:* rwm' }]);
    expect(ruleWrites({ allow: false, access: 'w' })).toEqual([
      { file: 'devices.deny', value: 'c *:* w' },
      { file: 'devices.deny', value: 'b *:* w' },
    ]);
    expect(() => ruleWrites({ allow: true, access: 'rx' })).toThrow(/access/);
  });

  it('start from deny-all, keep the order, then allow the standard and listed devices', () => {
    const writes = deviceWrites(
      [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 200, access: 'r' }],
      [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }, { path: '/dev/fifo', type: 'p' }],
    ).map((w) => `${w.file} ${w.value}`);
    expect(writes.slice(0, 3)).toEqual(['devices.deny a', 'devices.deny a', 'devices.allow c 10:200 r']);
    expect(writes).toContain('devices.allow c 1:3 rwm');
    expect(writes).toContain('devices.allow c 136:* rwm');
    expect(writes[writes.length - 1]).toBe('devices.allow c 10:229 rwm');
  });

  it('a device the rules name is not allowed again behind their back', () => {
    const writes = deviceWrites(
      [{ allow: false, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'rwm' }],
      [{ path: '/dev/x', type: 'c', major: 10, minor: 200 }],
    ).map((w) => `${w.file} ${w.value}`);
    expect(writes).toContain('devices.deny c 1:3 rwm');
    expect(writes).not.toContain('devices.allow c 1:3 rwm');
    expect(writes).toContain('devices.allow c 1:5 rwm');
    expect(writes).toContain('devices.allow c 10:200 rwm');
  });
});

/** A hybrid host: v1 memory, cpu, cpuset, pids, blkio, devices, freezer; cgroup2 offering hugetlb. */
function hybridHost(extraV1: Record<string, string> = {}) {
  const id = 'skiff/c1';
  const root = fakeTree({
    [`memory/${id}`]: { 'memory.limit_in_bytes': '9223372036854771712', 'memory.memsw.limit_in_bytes': '9223372036854771712', 'memory.usage_in_bytes': '1000', ...extraV1 },
    [`cpu/${id}`]: { 'cpu.shares': '1024' },
    [`cpuset/${id}`]: {},
    [`pids/${id}`]: {},
    [`blkio/${id}`]: { 'blkio.bfq.weight': '100' },
    [`devices/${id}`]: {},
    [`freezer/${id}`]: {},
    unified: { 'cgroup.controllers': 'hugetlb', 'cgroup.subtree_control': '' },
    'unified/skiff': { 'cgroup.subtree_control': '' },
    [`unified/${id}`]: {},
  });
  const dirs: Record<string, string> = {};
  for (const c of ['memory', 'cpu', 'cpuset', 'pids', 'blkio', 'devices', 'freezer']) dirs[c] = path.join(root, c, id);
  dirs.unified = path.join(root, 'unified', id);
  const placement: CgroupPlacement = { path: `/${id}`, dirs, created: [] };
  return { root, ctl: new Controllers(placement), placement };
}

/** A cgroup v2 host with every usual controller. */
function v2Host(files: Record<string, string> = {}) {
  const id = 'skiff/c2';
  const root = fakeTree({
    '': { 'cgroup.controllers': 'cpuset cpu io memory hugetlb pids rdma', 'cgroup.subtree_control': '' },
    skiff: { 'cgroup.subtree_control': '' },
    [id]: { 'memory.swap.max': 'max', 'io.bfq.weight': 'default 100', ...files },
  });
  const placement: CgroupPlacement = { path: `/${id}`, dirs: { unified: path.join(root, id) }, created: [] };
  return { root, ctl: new Controllers(placement), placement };
}

describe('the write plan', () => {
  it('knows the layouts', () => {
    expect(hybridHost().ctl.layout).toBe('hybrid');
    expect(v2Host().ctl.layout).toBe('v2');
    expect(hybridHost().ctl.locate('hugetlb')).toMatchObject({ version: 2 });
    expect(hybridHost().ctl.locate('memory')).toMatchObject({ version: 1 });
    expect(hybridHost().ctl.locate('net_cls')).toBeUndefined();
  });

  it('v1: from unlimited, memory is lowered before memory+swap; values as given', () => {
    const { root, ctl } = hybridHost();
    const plan = planResources(ctl, {
      memory: { limit: 100, swap: 200, reservation: 50, swappiness: 10, disableOOMKiller: true },
      cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0-1' },
      pids: { limit: -1 },
      blockIO: { weight: 300, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1000 }] },
    }, { deviceCgroup: false, warn: noWarn });
    expect(show(plan.steps, root)).toEqual([
      'memory/skiff/c1/memory.limit_in_bytes=100',
      'memory/skiff/c1/memory.memsw.limit_in_bytes=200',
      'memory/skiff/c1/memory.soft_limit_in_bytes=50',
      'memory/skiff/c1/memory.swappiness=10',
      'memory/skiff/c1/memory.oom_control=1',
      'cpu/skiff/c1/cpu.shares=512',
      'cpu/skiff/c1/cpu.cfs_period_us=100000',
      'cpu/skiff/c1/cpu.cfs_quota_us=50000',
      'cpuset/skiff/c1/cpuset.cpus=0-1',
      'pids/skiff/c1/pids.max=max',
      'blkio/skiff/c1/blkio.bfq.weight=300',
      'blkio/skiff/c1/blkio.throttle.read_bps_device=8:0 1000',
    ]);
    expect(plan.enable).toEqual([]);
  });

  it('v1: memory+swap is raised first when the current limit is below it', () => {
    const { root, ctl } = hybridHost({ 'memory.limit_in_bytes': '100' });
    const plan = planResources(ctl, { memory: { limit: 300, swap: 400 } }, { deviceCgroup: false, warn: noWarn });
    expect(show(plan.steps, root)).toEqual(['memory/skiff/c1/memory.memsw.limit_in_bytes=400', 'memory/skiff/c1/memory.limit_in_bytes=300']);
  });

  it('hybrid: hugepage limits go to cgroup2, which is enabled down the path', () => {
    const { root, ctl } = hybridHost();
    const plan = planResources(ctl, { hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }] }, { deviceCgroup: false, warn: noWarn });
    if (!fs.existsSync('/sys/kernel/mm/hugepages/hugepages-2048kB')) return; // page sizes come from the host
    expect(plan.enable).toEqual(['hugetlb']);
    expect(show(plan.steps, root)).toEqual(['unified/skiff/c1/hugetlb.2MB.max=4194304', 'unified/skiff/c1/hugetlb.2MB.rsvd.max=4194304']);
    fs.writeFileSync(path.join(root, 'unified/skiff/c1/hugetlb.2MB.max'), 'max'); // what enabling makes
    executePlan(ctl, plan);
    expect(fs.readFileSync(path.join(root, 'unified/cgroup.subtree_control'), 'utf8')).toBe('+hugetlb');
    expect(fs.readFileSync(path.join(root, 'unified/skiff/cgroup.subtree_control'), 'utf8')).toBe('+hugetlb');
    expect(fs.readFileSync(path.join(root, 'unified/skiff/c1/hugetlb.2MB.max'), 'utf8')).toBe('4194304');
    expect(fs.existsSync(path.join(root, 'unified/skiff/c1/hugetlb.2MB.rsvd.max'))).toBe(false); // only where it exists
  });

  it('hybrid: unified keys of v1 controllers, and controllers nobody has, are errors', () => {
    const { ctl } = hybridHost();
    const plan = (unified: Record<string, string>) => planResources(ctl, { unified }, { deviceCgroup: false, warn: noWarn });
    expect(() => plan({ 'memory.max': '1' })).toThrow(/memory controller is on cgroup v1/);
    expect(() => plan({ 'nosuch.max': '1' })).toThrow(/nosuch cgroup controller is not available/);
    expect(() => plan({ '../x.max': '1' })).toThrow(/not a cgroup file name/);
    expect(plan({ 'hugetlb.1GB.max': '0', 'cgroup.max.depth': '3' }).steps.map((s) => s.file)).toEqual(['hugetlb.1GB.max', 'cgroup.max.depth']);
  });

  it('v1 only: unified is refused; missing controllers are named', () => {
    const placement: CgroupPlacement = { path: '/x', dirs: { memory: '/nonexistent/memory/x' }, created: [] };
    const ctl = new Controllers(placement);
    expect(ctl.layout).toBe('v1');
    expect(() => planResources(ctl, { unified: { 'pids.max': '1' } }, { deviceCgroup: false, warn: noWarn })).toThrow(/cannot use unified on cgroup v1/);
    expect(() => planResources(ctl, { pids: { limit: 5 } }, { deviceCgroup: false, warn: noWarn })).toThrow('linux.resources.pids: the pids cgroup controller is not available on this host');
    expect(() => planResources(ctl, { network: { classID: 1 } }, { deviceCgroup: false, warn: noWarn })).toThrow(/net_cls/);
  });

  it('v2: the runc conversions', () => {
    const { root, ctl } = v2Host();
    const warnings: string[] = [];
    const plan = planResources(ctl, {
      memory: { limit: 100, swap: 300, reservation: 50, swappiness: 10 },
      cpu: { shares: 1024, quota: 50000, period: 100000, burst: 1000, idle: 1, cpus: '0' },
      pids: { limit: 0 },
      blockIO: { weight: 300, weightDevice: [{ major: 8, minor: 0, weight: 200 }], throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 30 }] },
      rdma: { mlx4_0: { hcaHandles: 2 } },
      unified: { 'memory.high': '90' },
    }, { deviceCgroup: false, warn: (m) => warnings.push(m) });
    expect(show(plan.steps, root)).toEqual([
      'skiff/c2/memory.swap.max=200',
      'skiff/c2/memory.max=100',
      'skiff/c2/memory.low=50',
      'skiff/c2/cpu.idle=1',
      'skiff/c2/cpu.weight=100',
      'skiff/c2/cpu.max=50000 100000',
      'skiff/c2/cpu.max.burst=1000',
      'skiff/c2/cpuset.cpus=0',
      'skiff/c2/pids.max=0',
      'skiff/c2/io.bfq.weight=300',
      'skiff/c2/io.bfq.weight=8:0 200',
      'skiff/c2/io.max=8:0 wiops=30',
      'skiff/c2/rdma.max=mlx4_0 hca_handle=2',
      'skiff/c2/memory.high=90',
    ]);
    expect(plan.enable.sort()).toEqual(['cpu', 'cpuset', 'io', 'memory', 'pids', 'rdma']);
    expect(warnings).toEqual(['linux.resources.memory.swappiness is not supported on cgroup v2; ignored']);
    expect(() => planResources(ctl, { cpu: { realtimeRuntime: 5 } }, { deviceCgroup: false, warn: noWarn })).toThrow(/not supported on cgroup v2/);
  });

  it('v2 without BFQ: io.weight with the converted value', () => {
    const { ctl } = v2Host();
    fs.rmSync(path.join(ctl.unified!, 'io.bfq.weight'));
    const plan = planResources(ctl, { blockIO: { weight: 1000 } }, { deviceCgroup: false, warn: noWarn });
    expect(plan.steps.map((s) => `${s.file}=${s.value}`)).toEqual(['io.weight=10000']);
  });

  it('checkBeforeUpdate refuses a limit below the current usage', () => {
    const { ctl } = hybridHost();
    expect(() => planResources(ctl, { memory: { limit: 500, checkBeforeUpdate: true } }, { deviceCgroup: false, warn: noWarn }))
      .toThrow('unable to set memory limit to 500 (current usage: 1000)');
  });

  it('pids.limit 0 can be left for later (create writes it once the init exists)', () => {
    const { ctl } = hybridHost();
    expect(planResources(ctl, { pids: { limit: 0 } }, { deviceCgroup: false, skipZeroPids: true, warn: noWarn }).steps).toEqual([]);
  });

  it('a write the "kernel" refuses names the file and the value', () => {
    const { ctl } = hybridHost();
    const plan = { enable: [], steps: [{ dir: path.join(ctl.v1.get('cpu')!, 'missing-dir'), file: 'cpu.shares', value: '2' }] };
    expect(() => executePlan(ctl, plan)).toThrow(/^failed to write "2": write .*missing-dir\/cpu\.shares: no such file or directory$/);
  });
});

describe('update', () => {
  it('reads runc flags', () => {
    const warnings: string[] = [];
    const delta = deltaFromFlags(
      { memory: '64m', memorySwap: '-1', cpuShare: '512', cpuQuota: '-1', cpusetCpus: '0', pidsLimit: 0, blkioWeight: 300, kernelMemory: '1g' },
      (m) => warnings.push(m),
    );
    expect(delta).toEqual({
      memory: { limit: 64 * 1024 * 1024, swap: -1 },
      cpu: { shares: 512, quota: -1, cpus: '0' },
      pids: { limit: 0 },
      blockIO: { weight: 300 },
    });
    expect(warnings).toHaveLength(1);
    expect(() => deltaFromFlags({ cpuPeriod: '-5' }, noWarn)).toThrow('invalid value for cpu-period: "-5" is not an unsigned integer');
    expect(() => deltaFromFlags({ l3CacheSchema: 'L3:0=f' }, noWarn)).toThrow(/Intel RDT/);
  });

  it('merges into the saved resources, part by part', () => {
    const saved = { memory: { limit: 100, swap: 200 }, cpu: { shares: 2, cpus: '0' }, hugepageLimits: [{ pageSize: '2MB', limit: 1 }], unified: { 'a.b': '1' } };
    const { merged, groups } = mergeResources(saved, {
      memory: { limit: 150 }, hugepageLimits: [{ pageSize: '1GB', limit: 2 }], unified: { 'c.d': '2' },
    }, noWarn);
    expect(merged.memory).toEqual({ limit: 150, swap: 200 });
    expect(merged.cpu).toEqual({ shares: 2, cpus: '0' });
    expect(merged.hugepageLimits).toEqual([{ pageSize: '2MB', limit: 1 }, { pageSize: '1GB', limit: 2 }]);
    expect(merged.unified).toEqual({ 'a.b': '1', 'c.d': '2' });
    expect([...groups].sort()).toEqual(['hugepageLimits', 'memory', 'unified']);
  });
});

describe('stats', () => {
  it('v1: runc\'s shape, exact numbers, zero omitempty fields left out', () => {
    const { placement } = hybridHost({
      'memory.usage_in_bytes': '4096', 'memory.max_usage_in_bytes': '8192', 'memory.failcnt': '0',
      'memory.stat': 'cache 4096\nrss 0\n', 'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n',
    });
    fs.writeFileSync(path.join(placement.dirs.pids, 'pids.current'), '3\n');
    fs.writeFileSync(path.join(placement.dirs.pids, 'pids.max'), 'max\n');
    fs.writeFileSync(path.join(placement.dirs.cpu, 'cpu.stat'), 'nr_periods 0\nnr_throttled 0\nthrottled_time 0\n');
    const data = JSON.parse(toJson(collectStats(placement)));
    expect(data.memory.usage).toEqual({ limit: 9223372036854771712, usage: 4096, max: 8192, failcnt: 0 });
    expect(toJson(collectStats(placement))).toContain('"limit":9223372036854771712');
    expect(data.memory.cache).toBe(4096);
    expect(data.memory.raw).toEqual({ cache: 4096, rss: 0 });
    expect(data.pids).toEqual({ current: 3 });
    expect(data.cpu).toEqual({ usage: { kernel: 0, user: 0 }, throttling: {} });
    expect(Object.keys(data)).toEqual(['cpu', 'cpuset', 'memory', 'pids', 'blkio', 'hugetlb', 'intel_rdt', 'network_interfaces']);
  });

  it('v2: cpu.stat in microseconds becomes nanoseconds; io.stat becomes blkio entries', () => {
    const { placement } = v2Host({
      'cpu.stat': 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 4\nnr_throttled 1\nthrottled_usec 7\n',
      'io.stat': '8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n',
      'memory.current': '100', 'memory.max': 'max', 'memory.stat': 'file 10\nanon 90\n',
      'pids.current': '1', 'pids.max': '10',
    });
    const data = JSON.parse(toJson(collectStats(placement)));
    expect(data.cpu).toEqual({ usage: { total: 1500000, kernel: 500000, user: 1000000 }, throttling: { periods: 4, throttledPeriods: 1, throttledTime: 7000 } });
    expect(data.blkio.ioServiceBytesRecursive).toEqual([{ major: 8, op: 'Read', value: 4096 }, { major: 8, op: 'Write' }]);
    expect(data.memory.usage).toEqual({ limit: 18446744073709552000, usage: 100, failcnt: 0 });
    expect(data.memory.cache).toBe(10);
    expect(data.pids).toEqual({ current: 1, limit: 10 });
  });
});

/** Runs a device program the way the kernel would, for the opcodes ebpf.ts emits. */
function runProgram(prog: Buffer, ctx: { accessType: number; major: number; minor: number }): number {
  const r = new Array<number>(11).fill(0);
  const mem = [ctx.accessType, ctx.major, ctx.minor];
  for (let pc = 0, steps = 0; steps < 10000; steps++) {
    const code = prog.readUInt8(pc * 8);
    const regs = prog.readUInt8(pc * 8 + 1);
    const dst = regs & 0xf;
    const src = regs >> 4;
    const off = prog.readInt16LE(pc * 8 + 2);
    const imm = prog.readInt32LE(pc * 8 + 4);
    pc++;
    switch (code) {
      case 0x61: r[dst] = mem[off / 4]; break;
      case 0xb4: r[dst] = imm >>> 0; break;
      case 0xbc: r[dst] = r[src]; break;
      case 0x54: r[dst] = (r[dst] & imm) >>> 0; break;
      case 0x74: r[dst] = r[dst] >>> imm; break;
      case 0x15: if (r[dst] === imm) pc += off; break;
      case 0x55: if (r[dst] !== imm) pc += off; break;
      case 0x05: pc += off; break;
      case 0x95: return r[0];
      default: throw new Error(`opcode ${code.toString(16)}`);
    }
    if (pc < 0 || pc * 8 >= prog.length) throw new Error('jumped out of the program');
  }
  throw new Error('no exit');
}

/** The v1 meaning of a rule list: deny by default, per access bit the last matching rule decides. */
function reference(rules: LinuxDeviceCgroup[], type: 'c' | 'b', major: number, minor: number, access: string): boolean {
  return [...access].every((bit) => {
    let allowed = false;
    for (const rule of rules) {
      const t = rule.type ?? 'a';
      if (t !== 'a' && t !== type) continue;
      if (rule.major !== undefined && rule.major !== major) continue;
      if (rule.minor !== undefined && rule.minor !== minor) continue;
      if (!(rule.access || 'rwm').includes(bit)) continue;
      allowed = rule.allow;
    }
    return allowed;
  });
}

describe('the cgroup v2 device program', () => {
  const cases: [string, LinuxDeviceCgroup[]][] = [
    ['deny all, then defaults', effectiveRules([{ allow: false, access: 'rwm' }], [])],
    ['allow all, deny one', [{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }]],
    ['ordered rw then deny w', effectiveRules([{ allow: false, access: 'rwm' }, { allow: true, type: 'b', major: 7, minor: 0, access: 'rw' }, { allow: false, type: 'b', major: 7, minor: 0, access: 'w' }], [])],
    ['wildcard major', [{ allow: true, type: 'c', major: 136, access: 'rw' }]],
    ['nothing', []],
  ];
  const requests: ['c' | 'b', number, number, string][] = [
    ['c', 1, 3, 'r'], ['c', 1, 3, 'w'], ['c', 1, 3, 'rw'], ['c', 1, 3, 'm'], ['c', 136, 4, 'rw'], ['c', 136, 4, 'm'],
    ['b', 7, 0, 'r'], ['b', 7, 0, 'w'], ['b', 7, 0, 'rw'], ['b', 7, 0, 'm'], ['b', 8, 0, 'r'], ['c', 10, 200, 'r'], ['c', 5, 2, 'rw'],
  ];
  for (const [name, rules] of cases) {
    it(`decides like the v1 rules: ${name}`, () => {
      const prog = deviceProgram(rules);
      for (const [type, major, minor, access] of requests) {
        const got = runProgram(prog, deviceRequest(type, major, minor, access)) === 1;
        expect([type, major, minor, access, got]).toEqual([type, major, minor, access, reference(rules, type, major, minor, access)]);
      }
    });
  }

  it('has no unreachable instructions after a rule that matches everything (the verifier refuses them)', () => {
    const prog = deviceProgram([{ allow: false, access: 'rwm' }, { allow: true, access: 'rwm' }]);
    expect(runProgram(prog, deviceRequest('c', 1, 3, 'r'))).toBe(1);
    expect(prog.length / 8).toBe(20); // prologue 6, per bit 3 + one jump, epilogue 2
  });
});

describe('unescapeMountPath', () => {
  it('turns mountinfo\'s octal escapes back into characters, and leaves plain paths alone', () => {
    expect(unescapeMountPath('/sys/fs/cgroup/cpu,cpuacct')).toBe('/sys/fs/cgroup/cpu,cpuacct');
    expect(unescapeMountPath('/mnt/a\\040b\\011c\\134d')).toBe('/mnt/a b\tc\\d');
  });
});
