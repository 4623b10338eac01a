/**
 * Cgroups end to end: linux.resources as the values in the container's cgroup files (v1 controllers
 * and, on a hybrid host, hugetlb in the cgroup2 tree), limits that bite (OOM kill, fork bomb,
 * denied devices), and the commands: update, pause/resume, events, ps.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  Bundle,
  cHelperBinary,
  cgroup2MountPoint,
  DEFAULT_CAPABILITIES,
  itIf,
  itSpecNotRunc,
  makeBundle,
  ok,
  OciConfig,
  removeNamespace,
  RuntimeUnderTest,
  scratchDir,
  shell,
  sleepSync,
  tracesOfContainer,
  uniqueName,
  useE2E,
  withCapabilities,
} from '../helpers';
import { listCgroupHierarchies, readProcessCgroups } from '../helpers/cgroup-hierarchies';

const e2e = useE2E();

const hierarchies = listCgroupHierarchies();
const v1Controllers = new Set(hierarchies.filter((h) => h.version === 1).flatMap((h) => h.controllers));
const v2Root = cgroup2MountPoint();
const v2Offers = new Set(v2Root ? fs.readFileSync(path.join(v2Root, 'cgroup.controllers'), 'utf8').trim().split(/\s+/) : []);
const hybrid = v1Controllers.size > 0 && v2Root !== undefined;
const hasV1 = (...cs: string[]) => cs.every((c) => v1Controllers.has(c));
const hugePageSizes = fs.existsSync('/sys/kernel/mm/hugepages') ? fs.readdirSync('/sys/kernel/mm/hugepages') : [];

/** A whole disk of this host ("254:0"), for blkio limits. */
function blockDevice(): string | undefined {
  for (const name of fs.readdirSync('/sys/block')) {
    if (/^(loop|ram|zram|nbd)/.test(name)) continue;
    const dev = fs.readFileSync(`/sys/block/${name}/dev`, 'utf8').trim();
    if (/^\d+:\d+$/.test(dev)) return dev;
  }
  return undefined;
}

/**
 * The blkio weight file the host's I/O scheduler offers (CFQ's or BFQ's), if any: with neither
 * (mq-deadline, none) a weight cannot be set, and runc fails then as skiff does.
 */
function blkioWeightFile(): string | undefined {
  const root = hierarchies.find((h) => h.version === 1 && h.controllers.includes('blkio'))?.mountPoint;
  if (!root) return undefined;
  return ['blkio.weight', 'blkio.bfq.weight'].find((f) => fs.existsSync(path.join(root, f)));
}

/** A file of a process's cgroup, on the host: a v1 controller's hierarchy, or 'unified' for cgroup2. */
function cgroupFile(pid: number, controller: string, file: string): string {
  const own = readProcessCgroups(pid);
  for (const h of hierarchies) {
    if (controller === 'unified' ? h.version !== 2 : h.version !== 1 || !h.controllers.includes(controller)) continue;
    const key = controller === 'unified' ? '' : [...own.keys()].find((k) => k.split(',').includes(controller));
    const rel = key !== undefined ? own.get(key) : undefined;
    if (rel !== undefined) return path.join(h.mountPoint, rel, file);
  }
  throw new Error(`no ${controller} cgroup for pid ${pid}`);
}

function readCg(pid: number, controller: string, file: string): string {
  return fs.readFileSync(cgroupFile(pid, controller, file), 'utf8').trim();
}

function withResources(resources: Record<string, unknown>, args: string[] = ['sleep', '1000']) {
  return (c: OciConfig) => {
    c.process!.args = args;
    c.linux!.resources = { ...(c.linux!.resources ?? {}), ...resources };
  };
}

/** A detached container running `args` with the resources; returns its id and init pid. */
function running(rt: RuntimeUnderTest, label: string, configure: (c: OciConfig) => void): { id: string; pid: number; bundle: Bundle } {
  const id = uniqueName(label);
  const bundle = makeBundle({ configure });
  ok(rt.run(id, bundle, { detach: true }));
  return { id, pid: rt.state(id).pid!, bundle };
}

/** How many tasks (threads) a process has: what the pids controller counts for it. */
function threadsOf(pid: number): number {
  return Number(/^Threads:\s*(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

function statsOf(rt: RuntimeUnderTest, id: string): any {
  const r = ok(rt.invoke(['events', '--stats', id]));
  const event = JSON.parse(r.stdout);
  expect(event).toMatchObject({ type: 'stats', id });
  return event.data;
}

/** For output of a spawned runtime: the event loop must run to collect it. */
async function eventually(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

function waitUntil(cond: () => boolean, timeoutMs: number): boolean {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    sleepSync(50);
  }
  return true;
}

describe('limits from config.json', () => {
  itIf(hasV1('memory', 'cpu', 'cpuset', 'pids', 'blkio'), 'needs v1 memory, cpu, cpuset, pids and blkio', 'every v1 controller holds the configured values', () => {
    const rt = e2e.runtime();
    const dev = blockDevice();
    const [major, minor] = (dev ?? '0:0').split(':').map(Number);
    // Without a weight file (no CFQ or BFQ scheduler) the weight is left out; the rest still counts.
    const weightFile = blkioWeightFile();
    const c = running(rt, 'limits', withResources({
      memory: { limit: 64 * 1024 * 1024, reservation: 32 * 1024 * 1024, swap: 128 * 1024 * 1024, swappiness: 10 },
      cpu: { shares: 512, quota: 150000, period: 100000, cpus: '0', mems: '0' },
      pids: { limit: 50 },
      blockIO: { ...(weightFile ? { weight: 300 } : {}), ...(dev ? { throttleReadBpsDevice: [{ major, minor, rate: 1048576 }] } : {}) },
    }));
    expect(readCg(c.pid, 'memory', 'memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
    expect(readCg(c.pid, 'memory', 'memory.soft_limit_in_bytes')).toBe(String(32 * 1024 * 1024));
    expect(readCg(c.pid, 'memory', 'memory.memsw.limit_in_bytes')).toBe(String(128 * 1024 * 1024));
    expect(readCg(c.pid, 'memory', 'memory.swappiness')).toBe('10');
    expect(readCg(c.pid, 'cpu', 'cpu.shares')).toBe('512');
    expect(readCg(c.pid, 'cpu', 'cpu.cfs_quota_us')).toBe('150000');
    expect(readCg(c.pid, 'cpu', 'cpu.cfs_period_us')).toBe('100000');
    expect(readCg(c.pid, 'cpuset', 'cpuset.cpus')).toBe('0');
    expect(readCg(c.pid, 'pids', 'pids.max')).toBe('50');
    if (weightFile) expect(readCg(c.pid, 'blkio', weightFile)).toMatch(/(^|\s)300$/);
    if (dev) expect(readCg(c.pid, 'blkio', 'blkio.throttle.read_bps_device')).toBe(`${dev} 1048576`);
  });

  itIf(hasV1('memory', 'pids'), 'needs v1 memory and pids', 'the container sees its own limits under /sys/fs/cgroup', () => {
    const rt = e2e.runtime();
    const r = rt.run(uniqueName('inside'), makeBundle({
      configure: withResources({ memory: { limit: 50 * 1024 * 1024 }, pids: { limit: 42 } },
        ['cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/pids/pids.max']),
    }));
    expect(r.stdout).toBe(`${50 * 1024 * 1024}\n42\n`);
  });

  const hugetlbOnV2 = hybrid && !v1Controllers.has('hugetlb') && v2Offers.has('hugetlb') && hugePageSizes.includes('hugepages-2048kB');
  const itHugetlbOnV2 = hugetlbOnV2 ? itSpecNotRunc : (name: string, fn: jest.ProvidesCallback) => it.skip(`${name} (skipped: hugetlb is not a cgroup2 controller of this hybrid host)`, fn);
  itHugetlbOnV2('hugepageLimits go to the cgroup2 hugetlb controller of a hybrid host', () => {
    const rt = e2e.runtime();
    // The runtime enables hugetlb down the cgroup2 path; afterwards the test turns it off again
    // where it was off (as far as nothing else uses it), to leave the host as it found it.
    const ancestors = [v2Root!, path.join(v2Root!, 'skiff')];
    const before = ancestors.map((d) => (fs.existsSync(d) ? fs.readFileSync(path.join(d, 'cgroup.subtree_control'), 'utf8') : ''));
    try {
      const c = running(rt, 'huge', withResources({ hugepageLimits: [{ pageSize: '2MB', limit: 4 * 1024 * 1024 }] }));
      expect(readCg(c.pid, 'unified', 'hugetlb.2MB.max')).toBe(String(4 * 1024 * 1024));
      if (fs.existsSync(cgroupFile(c.pid, 'unified', 'hugetlb.2MB.rsvd.max')))
        expect(readCg(c.pid, 'unified', 'hugetlb.2MB.rsvd.max')).toBe(String(4 * 1024 * 1024));
      expect(statsOf(rt, c.id).hugetlb).toHaveProperty('2MB');
      ok(rt.delete(c.id, { force: true }));
    } finally {
      for (let i = ancestors.length - 1; i >= 0; i--) {
        if (before[i].includes('hugetlb')) continue;
        try {
          fs.writeFileSync(path.join(ancestors[i], 'cgroup.subtree_control'), '-hugetlb');
        } catch {
          // gone, or in use by another container
        }
      }
    }
  });

  itIf(hybrid && hasV1('memory'), 'needs a hybrid host', 'a unified key for a controller on v1 is refused, and nothing is left', () => {
    const rt = e2e.runtime();
    const id = uniqueName('unified-v1');
    const bundle = makeBundle({ configure: withResources({ unified: { 'memory.max': '1000000' } }) });
    const r = rt.run(id, bundle, { detach: true });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/memory\.max|unified/);
    expect(tracesOfContainer({ root: rt.root, id, bundle: bundle.path })).toEqual([]);
  });

  itIf(hasV1('cpu'), 'needs v1 cpu', 'a value the kernel rejects fails create, naming the file and the value, and leaves nothing', () => {
    const rt = e2e.runtime();
    const id = uniqueName('badquota');
    const bundle = makeBundle({ configure: withResources({ cpu: { quota: 500, period: 100000 } }) });
    const r = rt.run(id, bundle, { detach: true });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('cpu.cfs_quota_us');
    expect(r.stderr).toMatch(/\\?"500\\?"/);
    expect(tracesOfContainer({ root: rt.root, id, bundle: bundle.path })).toEqual([]);
  });

  itIf(v1Controllers.has('memory') || v2Offers.has('memory'), 'needs the memory controller', 'a memory hog over its limit is OOM-killed and events reports it', async () => {
    const rt = e2e.runtime();
    const c = running(rt, 'oom', withResources({ memory: { limit: 32 * 1024 * 1024, swap: 32 * 1024 * 1024 } },
      ['sh', '-c', 'sleep 2; tail /dev/zero; sleep 1000']));
    const events = rt.spawnRuntime(['events', '--interval', '1s', c.id]);
    try {
      expect(await eventually(() => events.stdoutSoFar().includes('"type":"oom"'), 20000)).toBe(true);
      const lines = events.stdoutSoFar().trim().split('\n').map((l) => JSON.parse(l));
      expect(lines).toContainEqual({ type: 'oom', id: c.id });
    } finally {
      events.child.kill('SIGKILL');
      await events.done;
    }
    expect(rt.state(c.id).status).toBe('running'); // the hog died, the shell goes on
  });

  itIf(v1Controllers.has('pids') || v2Offers.has('pids'), 'needs the pids controller', 'a fork bomb stops at pids.limit', () => {
    const rt = e2e.runtime();
    // The shell may give up at the first failed fork; its cgroup (and the forked sleepers) stay.
    const c = running(rt, 'forkbomb', withResources({ pids: { limit: 8 } },
      ['sh', '-c', 'sleep 1; for i in $(seq 30); do sleep 1000 & done; sleep 1000']));
    const ctl = v1Controllers.has('pids') ? 'pids' : 'unified';
    const events = cgroupFile(c.pid, ctl, 'pids.events');
    const current = cgroupFile(c.pid, ctl, 'pids.current');
    expect(waitUntil(() => Number((/max (\d+)/.exec(fs.readFileSync(events, 'utf8')) ?? [])[1]) > 0, 10000)).toBe(true);
    expect(Number(fs.readFileSync(current, 'utf8'))).toBeLessThanOrEqual(8);
  });

  itSpecNotRunc('pids.limit 0 is a limit: the program runs, but cannot fork', () => {
    const rt = e2e.runtime();
    const r = rt.run(uniqueName('pids0'), makeBundle({ configure: withResources({ pids: { limit: 0 } }, ['sh', '-c', 'echo started; /bin/true && echo forked']) }));
    expect(r.stdout).toBe('started\n');
  });
});

/**
 * The test device is /dev/loop0 (block 7:0), which no runtime allows by default: opening it reads
 * or writes nothing. Runs where the host has no loop0 skip.
 */
const hasLoop0 = fs.existsSync('/sys/block/loop0') && fs.readFileSync('/sys/block/loop0/dev', 'utf8').trim() === '7:0';

describe('device cgroup', () => {
  itIf(hasV1('devices') && hasLoop0, 'needs the v1 devices controller and /dev/loop0', 'a device the rules do not allow cannot be opened, even when its node exists', () => {
    const rt = e2e.runtime();
    const r = rt.run(uniqueName('devdeny'), makeBundle({
      configure: (c) => {
        withCapabilities(c, [...DEFAULT_CAPABILITIES, 'CAP_MKNOD']);
        shell(c, 'mknod /dev/cfloop b 7 0 && echo made; (exec 3</dev/cfloop) 2>/dev/null && echo opened || echo denied; (exec 3</dev/null) && echo null-ok');
      },
    }));
    expect(r.stdout).toBe('made\ndenied\nnull-ok\n');
  });

  itIf(hasV1('devices') && hasLoop0, 'needs the v1 devices controller and /dev/loop0', 'an allow rule opens a device for the access it names', () => {
    const rt = e2e.runtime();
    const r = rt.run(uniqueName('devallow'), makeBundle({
      configure: (c) => {
        withCapabilities(c, [...DEFAULT_CAPABILITIES, 'CAP_MKNOD']);
        c.linux!.resources!.devices = [{ allow: false, access: 'rwm' }, { allow: true, type: 'b', major: 7, minor: 0, access: 'rm' }];
        shell(c, 'mknod /dev/cfloop b 7 0; (exec 3</dev/cfloop) 2>/dev/null && echo r-ok || echo r-denied; (exec 3>/dev/cfloop) 2>/dev/null && echo w-ok || echo w-denied');
      },
    }));
    expect(r.stdout).toBe('r-ok\nw-denied\n');
  });

  (hasLoop0 ? itSpecNotRunc : it.skip)('a later deny rule holds for a device listed in linux.devices (rules apply in order)', () => {
    const rt = e2e.runtime();
    const r = rt.run(uniqueName('devorder'), makeBundle({
      configure: (c) => {
        (c.linux as any).devices = [{ path: '/dev/cfloop', type: 'b', major: 7, minor: 0, fileMode: 0o600 }];
        c.linux!.resources!.devices = [
          { allow: false, access: 'rwm' },
          { allow: true, type: 'b', major: 7, minor: 0, access: 'rw' },
          { allow: false, type: 'b', major: 7, minor: 0, access: 'w' },
        ];
        shell(c, '(exec 3</dev/cfloop) 2>/dev/null && echo r-ok || echo r-denied; (exec 3>/dev/cfloop) 2>/dev/null && echo w-ok || echo w-denied');
      },
    }));
    expect(r.stdout).toBe('r-ok\nw-denied\n');
  });
});

describe('update', () => {
  itIf(hasV1('memory', 'cpu', 'pids'), 'needs v1 memory, cpu and pids', "changes a running container's limits from flags", () => {
    const rt = e2e.runtime();
    const c = running(rt, 'upd', withResources({ memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 50 } }));
    ok(rt.invoke(['update', '--memory', '100M', '--memory-swap', '200M', '--cpu-share', '256', '--cpu-quota', '50000', '--cpu-period', '100000', '--pids-limit', '20', c.id]));
    expect(readCg(c.pid, 'memory', 'memory.limit_in_bytes')).toBe(String(100 * 1024 * 1024));
    expect(readCg(c.pid, 'memory', 'memory.memsw.limit_in_bytes')).toBe(String(200 * 1024 * 1024));
    expect(readCg(c.pid, 'cpu', 'cpu.shares')).toBe('256');
    expect(readCg(c.pid, 'cpu', 'cpu.cfs_quota_us')).toBe('50000');
    expect(readCg(c.pid, 'pids', 'pids.max')).toBe('20');
    // Lowering memory below memory+swap is ordered right by the runtime.
    ok(rt.invoke(['update', '--memory', '80M', c.id]));
    expect(readCg(c.pid, 'memory', 'memory.limit_in_bytes')).toBe(String(80 * 1024 * 1024));
  });

  itIf(hasV1('pids', 'cpu'), 'needs v1 pids and cpu', 'takes linux.resources JSON on standard input', () => {
    const rt = e2e.runtime();
    const c = running(rt, 'updjson', withResources({}));
    ok(rt.invoke(['update', '-r', '-', c.id], { input: JSON.stringify({ pids: { limit: 33 }, cpu: { shares: 700 } }) }));
    expect(readCg(c.pid, 'pids', 'pids.max')).toBe('33');
    expect(readCg(c.pid, 'cpu', 'cpu.shares')).toBe('700');
  });

  itIf(hasV1('cpu'), 'needs v1 cpu', 'a value the kernel rejects names the file and value, and the old limit stays', () => {
    const rt = e2e.runtime();
    const c = running(rt, 'updbad', withResources({ cpu: { quota: 50000, period: 100000 } }));
    const r = rt.invoke(['update', '--cpu-quota', '500', c.id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('cpu.cfs_quota_us');
    expect(r.stderr).toMatch(/\\?"500\\?"/);
    expect(readCg(c.pid, 'cpu', 'cpu.cfs_quota_us')).toBe('50000');
  });

  it('refuses a stopped container', () => {
    const rt = e2e.runtime();
    const id = uniqueName('updstopped');
    ok(rt.run(id, makeBundle({ args: ['true'] }), { detach: true }));
    rt.waitForStatus(id, 'stopped');
    const r = rt.invoke(['update', '--pids-limit', '10', id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('container not running');
  });
});

describe('pause and resume', () => {
  it('pause freezes the container (its cpu counter stops), resume lets it go on', () => {
    const rt = e2e.runtime();
    const c = running(rt, 'pause', withResources({}, ['sh', '-c', 'while :; do :; done']));
    ok(rt.invoke(['pause', c.id]));
    expect(rt.state(c.id).status).toBe('paused');
    const frozenAt = BigInt(statsOf(rt, c.id).cpu.usage.total);
    sleepSync(300);
    expect(BigInt(statsOf(rt, c.id).cpu.usage.total)).toBe(frozenAt);
    ok(rt.invoke(['resume', c.id]));
    expect(rt.state(c.id).status).toBe('running');
    expect(waitUntil(() => BigInt(statsOf(rt, c.id).cpu.usage.total) > frozenAt, 5000)).toBe(true);
  });

  it('wrong states fail with runc\'s messages', () => {
    const rt = e2e.runtime();
    const c = running(rt, 'pausestates', withResources({}));
    const notPaused = rt.invoke(['resume', c.id]);
    expect(notPaused.code).not.toBe(0);
    expect(notPaused.stderr).toContain('container not paused');
    ok(rt.invoke(['pause', c.id]));
    const twice = rt.invoke(['pause', c.id]);
    expect(twice.code).not.toBe(0);
    expect(twice.stderr).toContain('container not running');
    ok(rt.invoke(['resume', c.id]));
  });

  it('delete --force kills a paused container', () => {
    const rt = e2e.runtime();
    const c = running(rt, 'pausedelete', withResources({}));
    const freezer = hasV1('freezer') ? cgroupFile(c.pid, 'freezer', 'freezer.state') : cgroupFile(c.pid, 'unified', 'cgroup.freeze');
    ok(rt.invoke(['pause', c.id]));
    try {
      ok(rt.delete(c.id, { force: true }));
    } finally {
      // Frozen tasks cannot die; thaw what a failed delete left so that cleanup can kill it.
      if (fs.existsSync(freezer)) fs.writeFileSync(freezer, freezer.endsWith('freezer.state') ? 'THAWED' : '0');
    }
  });
});

describe('joining the cgroups', () => {
  it('the init is in its own cgroup in every hierarchy once create returns', () => {
    const rt = e2e.runtime();
    const id = uniqueName('born');
    ok(rt.create(id, makeBundle({ args: ['true'] })));
    const own = readProcessCgroups(rt.state(id).pid!);
    expect(own.size).toBe(hierarchies.length);
    expect(new Set(own.values())).toEqual(new Set([expect.stringMatching(new RegExp(`/${id}$`))]));
  });

  itIf(hasV1('cpuset'), 'needs the v1 cpuset controller', 'under a parent cpuset someone made and left empty, the container still starts (the parent is filled, as runc does)', () => {
    const rt = e2e.runtime();
    const parent = uniqueName('emptycpuset');
    const cpusetRoot = hierarchies.find((h) => h.version === 1 && h.controllers.includes('cpuset'))!.mountPoint;
    fs.mkdirSync(path.join(cpusetRoot, parent));
    e2e.cleanup.trackCgroup(`/${parent}`);
    expect(fs.readFileSync(path.join(cpusetRoot, parent, 'cpuset.cpus'), 'utf8').trim()).toBe('');
    const id = uniqueName('cpusetchild');
    const result = ok(rt.run(id, makeBundle({ args: ['cat', '/proc/self/cgroup'], configure: (c) => {
      removeNamespace(c, 'cgroup');
      c.linux!.cgroupsPath = `/${parent}/${id}`;
    } })));
    expect(result.stdout).toMatch(new RegExp(`:cpuset:/${parent}/${id}$`, 'm'));
    const rootCpus = fs.readFileSync(path.join(cpusetRoot, 'cpuset.cpus'), 'utf8').trim();
    expect(fs.readFileSync(path.join(cpusetRoot, parent, 'cpuset.cpus'), 'utf8').trim()).toBe(rootCpus);
  });

  // Docker's default seccomp profile makes clone3 fail with ENOSYS, so that a runtime it runs falls
  // back to clone: skiff-init then moves the process into its cgroup2 cgroup after making it.
  itIf(v2Root !== undefined, 'needs a cgroup2 hierarchy', 'where clone3 is hidden by a seccomp filter, the container still gets its cgroups', () => {
    const wrapper = path.join(scratchDir('noclone3'), 'runtime');
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec ${cHelperBinary('no-clone3', ['seccomp'])} ${e2e.binary} "$@"\n`, { mode: 0o755 });
    const rt = new RuntimeUnderTest(wrapper, { cleanup: e2e.cleanup });
    const id = uniqueName('noclone3');
    const result = ok(rt.run(id, makeBundle({ args: ['cat', '/proc/self/cgroup'], configure: (c) => removeNamespace(c, 'cgroup') })));
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(hierarchies.length);
    for (const line of lines) expect(line).toMatch(new RegExp(`^\\d+:[^:]*:.*/${id}$`));
  });
});

describe('ps and events', () => {
  it('ps lists the processes of the container, as a table or as JSON pids', () => {
    const rt = e2e.runtime();
    const c = running(rt, 'ps', withResources({}, ['sh', '-c', 'sleep 1000 & sleep 1000 & wait']));
    expect(waitUntil(() => JSON.parse(ok(rt.invoke(['ps', '-f', 'json', c.id])).stdout).length === 3, 5000)).toBe(true);
    const pids: number[] = JSON.parse(ok(rt.invoke(['ps', '--format', 'json', c.id])).stdout);
    expect(pids).toContain(c.pid);
    const table = ok(rt.invoke(['ps', c.id])).stdout.trim().split('\n');
    expect(table[0]).toMatch(/\bPID\b/);
    expect(table.length).toBe(4);
    expect(table.slice(1).join('\n')).toMatch(/sleep 1000/);
    const custom = ok(rt.invoke(['ps', c.id, '-o', 'pid,comm'])).stdout.trim().split('\n');
    expect(custom[0].trim().split(/\s+/)).toEqual(['PID', 'COMMAND']);
    expect(custom.slice(1).map((l) => Number(l.trim().split(/\s+/)[0])).sort()).toEqual([...pids].sort());
  });

  it('events --stats gives the kernel\'s cpu and memory figures, and they move', () => {
    const rt = e2e.runtime();
    const c = running(rt, 'stats', withResources({ pids: { limit: 64 } }, ['sh', '-c', 'while :; do :; done']));
    const first = statsOf(rt, c.id);
    expect(BigInt(first.memory.usage.usage)).toBeGreaterThan(0n);
    expect(first.pids).toMatchObject({ current: 1, limit: 64 });
    for (const key of ['cpu', 'memory', 'pids', 'blkio', 'hugetlb']) expect(first).toHaveProperty(key);
    expect(waitUntil(() => BigInt(statsOf(rt, c.id).cpu.usage.total) > BigInt(first.cpu.usage.total), 5000)).toBe(true);
  });

  it('after create and run -d, the container\'s only task is its init: no set-up process is left for the caller to reap', () => {
    // A set-up process that has exited but was not reaped still counts in pids.current; where the
    // caller does not reap (this test is not a subreaper), it would stay there for good. The pids
    // controller counts threads, so the init's own (a Go runtime's several) are the expectation.
    const rt = e2e.runtime();
    for (let i = 0; i < 8; i++) {
      const id = uniqueName('onlyinit');
      ok(rt.create(id, makeBundle({ configure: withResources({ pids: { limit: 64 } }) })));
      expect(statsOf(rt, id).pids.current).toBe(threadsOf(rt.state(id).pid!));
      ok(rt.delete(id, { force: true }));
    }
    for (let i = 0; i < 8; i++) {
      const c = running(rt, 'onlyinitrun', withResources({ pids: { limit: 64 } }));
      expect(statsOf(rt, c.id).pids.current).toBe(threadsOf(c.pid));
      ok(rt.delete(c.id, { force: true }));
    }
  });

  it('events streams stats every --interval until the container is deleted', async () => {
    const rt = e2e.runtime();
    const c = running(rt, 'stream', withResources({}));
    const events = rt.spawnRuntime(['events', '--interval', '200ms', c.id]);
    try {
      expect(await eventually(() => events.stdoutSoFar().split('\n').filter(Boolean).length >= 2, 10000)).toBe(true);
      for (const line of events.stdoutSoFar().trim().split('\n')) expect(JSON.parse(line)).toMatchObject({ type: 'stats', id: c.id });
      ok(rt.delete(c.id, { force: true }));
      const r = await Promise.race([events.done, new Promise<null>((res) => setTimeout(() => res(null), 5000))]);
      expect(r?.code).toBe(0);
    } finally {
      events.child.kill('SIGKILL');
      await events.done;
    }
  });

  it('events --stats of a stopped container fails', () => {
    const rt = e2e.runtime();
    const id = uniqueName('statsstopped');
    ok(rt.run(id, makeBundle({ args: ['true'] }), { detach: true }));
    rt.waitForStatus(id, 'stopped');
    const r = rt.invoke(['events', '--stats', id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('is not running');
  });
});
