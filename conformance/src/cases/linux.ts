/** config-linux.md and runtime-linux.md: namespaces, devices, paths, sysctl, propagation, cgroups, seccomp... */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { CGROUP_PARENT } from '../config';
import { CheckerReport, Ctx } from '../ctx';
import { CaseDef } from '../types';
import { exists, mountAt, nsLink, readText } from '../util';

const EROFS = 30;
const EPERM = 1;

/** Config namespace type -> /proc/PID/ns name. */
const NS_FILE: Record<string, string> = {
  pid: 'pid',
  network: 'net',
  ipc: 'ipc',
  uts: 'uts',
  mount: 'mnt',
  cgroup: 'cgroup',
  user: 'user',
  time: 'time',
};

/**
 * Runs the checker with a createRuntime hook that records the runtime's namespaces
 * (hooks of that kind run in the runtime namespace), and returns both.
 */
async function checkWithRuntimeNs(t: Ctx, mutate: (c: any) => void, probes: string[] = []) {
  const script = t.hookScript(path.join(t.dir, 'ns-hook.sh'));
  const log = path.join(t.dir, 'nslog');
  const r = await t.check((c) => {
    c.hooks = { createRuntime: [{ path: script, args: [script, log, 'rt'] }] };
    mutate(c);
  }, probes);
  const rec = t.hookRecord(log, 'rt');
  if (!rec.ran) t.fail('the createRuntime hook used to learn the runtime namespaces did not run');
  return { r, runtimeNs: rec.ns };
}

/** Host directory of the container's cgroup for a v1 controller (or the v2 hierarchy). */
function cgroupDir(t: Ctx, id: string, controller: string): string | null {
  const v1 = t.host.v1.get(controller);
  if (v1) return path.join(v1, CGROUP_PARENT, id);
  if (t.host.v2 && t.host.v2Controllers.includes(controller)) return path.join(t.host.v2, CGROUP_PARENT, id);
  return null;
}

function needController(t: Ctx, controller: string): void {
  if (!t.host.v1.has(controller) && !(t.host.v2 && t.host.v2Controllers.includes(controller))) {
    t.skip(`the host has no ${controller} cgroup controller`);
  }
}

function readCg(dir: string, v1file: string, v2file: string): string | null {
  const a = readText(path.join(dir, v1file));
  if (a !== null) return a.trim();
  const b = readText(path.join(dir, v2file));
  return b === null ? null : b.trim();
}

function probe(r: CheckerReport, key: string): any {
  const v = r.probes[key];
  if (v === undefined) throw new Error(`no probe ${key}`);
  return v;
}

/** Runs a sleeper with the given resources and returns its cgroup dirs once running. */
async function runWithResources(t: Ctx, resources: any) {
  const b = t.sleeper((c) => {
    c.linux.resources = { ...c.linux.resources, ...resources };
  });
  const pid = await t.createOk(b);
  return { b, pid };
}

const nsTypes = ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup'];

const namespaceCases: CaseDef[] = [
  ...nsTypes.map(
    (type): CaseDef => ({
      name: `namespaces/${type}-is-new-when-listed`,
      reqs: ['config-linux/configLinuxNamespaces/6', 'config-linux/configLinuxNamespaces/2'],
      async run(t) {
        const { r, runtimeNs } = await checkWithRuntimeNs(t, (c) => {
          if (!c.linux.namespaces.some((n: any) => n.type === type)) c.linux.namespaces.push({ type });
        });
        const f = NS_FILE[type];
        t.assert(r.ns[f] && runtimeNs[f], `cannot read the ${f} namespace`);
        t.assert(r.ns[f] !== runtimeNs[f], `the container shares the runtime ${type} namespace (${r.ns[f]})`);
      },
    }),
  ),
  ...nsTypes.map(
    (type): CaseDef => ({
      name: `namespaces/${type}-is-inherited-when-absent`,
      reqs: ['config-linux/configLinuxNamespaces/7'],
      async run(t) {
        const { r, runtimeNs } = await checkWithRuntimeNs(t, (c) => {
          c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== type);
          if (type === 'uts') delete c.hostname;
          if (type === 'network') c.mounts = c.mounts.filter((m: any) => m.type !== 'sysfs');
        });
        const f = NS_FILE[type];
        t.eq(r.ns[f], runtimeNs[f], `${type} namespace of the container vs the runtime's`);
      },
    }),
  ),
  {
    name: 'namespaces/user-with-mappings',
    reqs: ['config-linux/configLinuxNamespaces/6', 'config-linux/configLinuxUserNamespaceMappings/1', 'config-linux/configLinuxUserNamespaceMappings/2', 'config-linux/configLinuxUserNamespaceMappings/3'],
    async run(t) {
      if (!t.host.userNamespaces) t.skip('user namespaces are disabled on this host');
      const { r, runtimeNs } = await checkWithRuntimeNs(
        t,
        (c) => {
          c.linux.namespaces.push({ type: 'user' });
          c.linux.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
          c.linux.gidMappings = [{ containerID: 0, hostID: 300000, size: 65536 }];
        },
        ['read:/proc/self/uid_map', 'read:/proc/self/gid_map'],
      );
      t.assert(r.ns.user !== runtimeNs.user, 'the container is in the runtime user namespace');
      const norm = (s: string) => s.trim().split(/\s+/).join(' ');
      t.eq(norm(probe(r, 'read:/proc/self/uid_map').text || ''), '0 200000 65536', 'uid_map');
      t.eq(norm(probe(r, 'read:/proc/self/gid_map').text || ''), '0 300000 65536', 'gid_map');
      t.eq(r.uid, 0, 'uid inside');
    },
  },
  {
    name: 'namespaces/user-mapping-does-not-chown-the-rootfs',
    reqs: ['config-linux/configLinuxUserNamespaceMappings/4'],
    async run(t) {
      if (!t.host.userNamespaces) t.skip('user namespaces are disabled on this host');
      const b = t.bundle((c) => {
        c.process.args = ['/checker'];
        c.linux.namespaces.push({ type: 'user' });
        c.linux.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
        c.linux.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
      });
      await t.runChecker(b);
      for (const f of ['checker', 'bin/busybox', 'etc/passwd', '.']) {
        const st = fs.statSync(path.join(b.rootfs, f));
        t.eq([st.uid, st.gid], [0, 0], `owner of rootfs/${f} after running with a user namespace`);
      }
    },
  },
  {
    name: 'namespaces/time-with-offsets',
    reqs: ['config-linux/configLinuxNamespaces/6', 'config-linux/configLinuxNamespaces/2'],
    async run(t) {
      if (!t.host.namespaces.has('time')) t.skip('the kernel has no time namespaces (/proc/self/ns/time)');
      const days = 86400;
      const before = Number(process.hrtime.bigint() / 1000000000n);
      const r = await t.check((c) => {
        c.linux.namespaces.push({ type: 'time' });
        c.linux.timeOffsets = { monotonic: { secs: 10 * days, nanosecs: 0 }, boottime: { secs: 20 * days, nanosecs: 0 } };
      });
      const after = Number(process.hrtime.bigint() / 1000000000n);
      t.assert(r.ns.time !== nsLink('self', 'time'), 'the container is in the host time namespace');
      const off = r.clocks.monotonic - before;
      t.assert(off >= 10 * days - 5 && off <= 10 * days + (after - before) + 5, `CLOCK_MONOTONIC offset is ${off} s, want ${10 * days}`);
    },
  },
  {
    name: 'namespaces/path-joins-that-namespace',
    reqs: ['config-linux/configLinuxNamespaces/4', 'config-linux/configLinuxNamespaces/3'],
    async run(t) {
      const helper = await t.spawnHelper(['unshare', '--net', '--uts', '--ipc', 'sleep', '600'], (pid) => nsLink(pid, 'net') !== nsLink('self', 'net'));
      const r = await t.check((c) => {
        c.linux.namespaces = c.linux.namespaces.filter((n: any) => !['network', 'uts', 'ipc'].includes(n.type));
        for (const type of ['network', 'uts', 'ipc']) c.linux.namespaces.push({ type, path: `/proc/${helper}/ns/${NS_FILE[type]}` });
        delete c.hostname; // not under test here
      });
      for (const type of ['network', 'uts', 'ipc']) {
        t.eq(r.ns[NS_FILE[type]], nsLink(helper, NS_FILE[type]), `${type} namespace (joined by path)`);
      }
    },
  },
  {
    name: 'namespaces/path-of-another-type-errors',
    reqs: ['config-linux/configLinuxNamespaces/5'],
    async run(t) {
      const helper = await t.spawnHelper(['unshare', '--net', '--uts', 'sleep', '600'], (pid) => nsLink(pid, 'net') !== nsLink('self', 'net'));
      const b = t.sleeper((c) => {
        c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'network');
        c.linux.namespaces.push({ type: 'network', path: `/proc/${helper}/ns/uts` });
      });
      await t.expectCreateFails(b, 'the network namespace path is a UTS namespace');
    },
  },
  {
    name: 'namespaces/duplicate-type-errors',
    reqs: ['config-linux/configLinuxNamespaces/8'],
    async run(t) {
      const b = t.sleeper((c) => {
        c.linux.namespaces.push({ type: 'ipc' });
      });
      await t.expectCreateFails(b, 'the ipc namespace is listed twice');
    },
  },
];

const deviceCases: CaseDef[] = [
  {
    name: 'devices/listed-devices-are-created',
    reqs: ['config-linux/configLinuxDevices/1', 'config-linux/configLinuxDevices/3', 'config-linux/configLinuxDevices/2', 'config-linux/configLinuxDevices/5'],
    async run(t) {
      const r = await t.check(
        (c) => {
          c.linux.devices = [
            { path: '/dev/cfnull', type: 'c', major: 1, minor: 3, fileMode: 0o640, uid: 5, gid: 6 },
            { path: '/dev/cffifo', type: 'p', fileMode: 0o600 },
            { path: '/cfdev/outside', type: 'c', major: 1, minor: 5, fileMode: 0o666 },
          ];
        },
        ['stat:/dev/cfnull', 'stat:/dev/cffifo', 'stat:/cfdev/outside'],
      );
      const a = probe(r, 'stat:/dev/cfnull');
      t.eq([a.type, a.major, a.minor, a.mode, a.uid, a.gid], ['c', 1, 3, 0o640, 5, 6], '/dev/cfnull (type, major, minor, mode, uid, gid)');
      const p = probe(r, 'stat:/dev/cffifo');
      t.eq([p.type, p.mode], ['p', 0o600], '/dev/cffifo (type, mode)');
      const o = probe(r, 'stat:/cfdev/outside');
      t.eq([o.type, o.major, o.minor], ['c', 1, 5], '/cfdev/outside (a device outside /dev)');
    },
  },
  {
    name: 'devices/existing-different-file-errors',
    reqs: ['config-linux/configLinuxDevices/4'],
    async run(t) {
      const b = t.sleeper((c, bb) => {
        fs.mkdirSync(path.join(bb.rootfs, 'cfdev'));
        fs.writeFileSync(path.join(bb.rootfs, 'cfdev', 'taken'), 'a regular file');
        c.linux.devices = [{ path: '/cfdev/taken', type: 'c', major: 1, minor: 3, fileMode: 0o666 }];
      });
      await t.expectCreateFails(b, 'a regular file already exists at the device path');
      t.eq(readText(path.join(b.rootfs, 'cfdev', 'taken')), 'a regular file', 'the existing file');
    },
  },
  {
    name: 'devices/default-devices-are-supplied',
    reqs: ['config-linux/configLinuxDefaultDevices/1'],
    async run(t) {
      const want: Record<string, [number, number]> = {
        '/dev/null': [1, 3],
        '/dev/zero': [1, 5],
        '/dev/full': [1, 7],
        '/dev/random': [1, 8],
        '/dev/urandom': [1, 9],
        '/dev/tty': [5, 0],
      };
      const probes = [...Object.keys(want).map((p) => `stat:${p}`), 'lstat:/dev/ptmx', 'stat:/dev/ptmx', 'write:/dev/null', 'open:/dev/zero', 'open:/dev/urandom'];
      const r = await t.check(undefined, probes);
      for (const [p, [maj, min]] of Object.entries(want)) {
        const st = probe(r, `stat:${p}`);
        t.assert(!st.errno, `${p} is missing (errno ${st.errno})`);
        t.eq([st.type, st.major, st.minor], ['c', maj, min], `${p} (type, major, minor)`);
      }
      const l = probe(r, 'lstat:/dev/ptmx');
      const s = probe(r, 'stat:/dev/ptmx');
      t.assert(
        (l.type === 'symlink' && /^(\/dev\/)?pts\/ptmx$/.test(l.target)) || (s.type === 'c' && s.major === 5 && s.minor === 2),
        `/dev/ptmx is neither a symlink to pts/ptmx nor the ptmx device: ${JSON.stringify(l)}`,
      );
      for (const k of ['write:/dev/null', 'open:/dev/zero', 'open:/dev/urandom']) t.eq(probe(r, k).errno, 0, `${k} errno`);
    },
  },
  {
    name: 'devices/dev-symlinks-are-created',
    reqs: ['runtime-linux/runtimeLinuxDevSymbolicLinks/1'],
    async run(t) {
      const links: Record<string, string> = {
        '/dev/fd': '/proc/self/fd',
        '/dev/stdin': '/proc/self/fd/0',
        '/dev/stdout': '/proc/self/fd/1',
        '/dev/stderr': '/proc/self/fd/2',
      };
      const r = await t.check(undefined, Object.keys(links).map((l) => `lstat:${l}`));
      for (const [l, target] of Object.entries(links)) {
        const st = probe(r, `lstat:${l}`);
        t.eq([st.type, st.target], ['symlink', target], `${l}`);
      }
    },
  },
  {
    name: 'devices/cgroup-rules-apply-in-order',
    reqs: ['config-linux/configLinuxDeviceAllowedlist/1'],
    async run(t) {
      needController(t, 'devices');
      const r = await t.check(
        (c) => {
          c.linux.devices = [{ path: '/dev/cftun', type: 'c', major: 10, minor: 200, fileMode: 0o666 }];
          c.linux.resources.devices = [
            { allow: false, access: 'rwm' },
            { allow: true, type: 'c', major: 10, minor: 200, access: 'rw' },
            { allow: false, type: 'c', major: 10, minor: 200, access: 'w' },
          ];
        },
        ['open:/dev/cftun', 'write:/dev/cftun'],
      );
      t.assert(probe(r, 'open:/dev/cftun').errno !== EPERM, 'reading /dev/cftun was denied (the allow rw rule came first)');
      t.eq(probe(r, 'write:/dev/cftun').errno, EPERM, 'errno writing /dev/cftun (the later deny w rule)');
    },
  },
];

const pathCases: CaseDef[] = [
  {
    name: 'filesystems/default-filesystems-are-available',
    reqs: ['config-linux/configLinuxDefaultFilesystems/1'],
    async run(t) {
      const r = await t.check();
      const want: Record<string, string> = { '/proc': 'proc', '/sys': 'sysfs', '/dev/pts': 'devpts', '/dev/shm': 'tmpfs' };
      for (const [p, type] of Object.entries(want)) t.eq(mountAt(r.mounts, p)?.fsType, type, `filesystem at ${p}`);
    },
  },
  {
    name: 'maskedPaths/files-and-directories-are-masked',
    reqs: ['runtime/runtimeCreate/4'],
    async run(t) {
      const r = await t.check(
        (c, b) => {
          fs.writeFileSync(path.join(b.rootfs, 'cf-secret'), 'secret');
          fs.mkdirSync(path.join(b.rootfs, 'cf-secret-dir'));
          fs.writeFileSync(path.join(b.rootfs, 'cf-secret-dir', 'inside'), 'secret');
          c.linux.maskedPaths = ['/proc/kcore', '/cf-secret', '/cf-secret-dir', '/cf-not-there'];
        },
        ['read:/cf-secret', 'ls:/cf-secret-dir', 'read:/proc/kcore'],
      );
      const f = probe(r, 'read:/cf-secret');
      t.assert(f.errno || f.text === '', `a masked file can be read: ${JSON.stringify(f.text)}`);
      const d = probe(r, 'ls:/cf-secret-dir');
      t.assert(d.errno || d.entries.length === 0, `a masked directory lists ${JSON.stringify(d.entries)}`);
      const k = probe(r, 'read:/proc/kcore');
      t.assert(k.errno || k.text === '', 'masked /proc/kcore can be read');
    },
  },
  {
    name: 'maskedPaths/relative-path-is-rejected',
    reqs: ['config-linux/configLinuxMaskedPaths/1', 'config/valid-values/1'],
    async run(t) {
      const b = t.sleeper((c) => {
        c.linux.maskedPaths = ['proc/kcore'];
      });
      await t.expectCreateFails(b, 'a masked path is relative');
    },
  },
  {
    name: 'readonlyPaths/are-read-only',
    reqs: ['runtime/runtimeCreate/4'],
    async run(t) {
      const r = await t.check(
        (c, b) => {
          fs.mkdirSync(path.join(b.rootfs, 'cf-ro'));
          c.linux.readonlyPaths = ['/proc/sys', '/cf-ro'];
        },
        ['write:/cf-ro/file', 'write:/proc/sys/kernel/hostname', 'write:/tmp/ok'],
      );
      t.eq(probe(r, 'write:/cf-ro/file').errno, EROFS, 'errno writing under a read-only path');
      t.eq(probe(r, 'write:/proc/sys/kernel/hostname').errno, EROFS, 'errno writing /proc/sys/kernel/hostname');
      t.eq(probe(r, 'write:/tmp/ok').errno, 0, 'errno writing elsewhere');
    },
  },
  {
    name: 'readonlyPaths/relative-path-is-rejected',
    reqs: ['config-linux/configLinuxReadonlyPaths/1', 'config/valid-values/1'],
    async run(t) {
      const b = t.sleeper((c) => {
        c.linux.readonlyPaths = ['proc/sys'];
      });
      await t.expectCreateFails(b, 'a read-only path is relative');
    },
  },
  ...['private', 'shared', 'slave', 'unbindable'].map(
    (prop): CaseDef => ({
      name: `rootfsPropagation/${prop}`,
      reqs: ['runtime/runtimeCreate/4'],
      async run(t) {
        const r = await t.check((c) => {
          c.linux.rootfsPropagation = prop;
        });
        const root = mountAt(r.mounts, '/');
        t.assert(root, 'no / mount in mountinfo');
        const opt = root!.optional.join(' ');
        const shared = /shared:/.test(opt);
        const ok =
          prop === 'shared' ? shared : prop === 'unbindable' ? /unbindable/.test(opt) : prop === 'private' ? opt === '' : !shared && !/unbindable/.test(opt);
        t.assert(ok, `propagation fields of / are "${opt}" for rootfsPropagation ${prop}`);
      },
    }),
  ),
  {
    name: 'sysctl/namespaced-values-are-set',
    reqs: ['runtime/runtimeCreate/4'],
    async run(t) {
      const hostFwd = readText('/proc/sys/net/ipv4/ip_forward');
      const r = await t.check(
        (c) => {
          c.linux.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.msgmax': '4096', 'net.ipv4.ping_group_range': '0 0' };
        },
        ['read:/proc/sys/net/ipv4/ip_forward', 'read:/proc/sys/kernel/msgmax'],
      );
      t.eq(probe(r, 'read:/proc/sys/net/ipv4/ip_forward').text?.trim(), '1', 'net.ipv4.ip_forward');
      t.eq(probe(r, 'read:/proc/sys/kernel/msgmax').text?.trim(), '4096', 'kernel.msgmax');
      t.eq(readText('/proc/sys/net/ipv4/ip_forward'), hostFwd, 'the host net.ipv4.ip_forward');
    },
  },
  {
    name: 'sysctl/unknown-key-errors',
    reqs: ['runtime/runtimeCreate/6'],
    async run(t) {
      const b = t.sleeper((c) => {
        c.linux.sysctl = { 'net.ipv4.cf_no_such_sysctl': '1' };
      });
      await t.expectCreateFails(b, 'a sysctl does not exist');
    },
  },
  {
    name: 'personality/linux32',
    reqs: ['runtime/runtimeCreate/4', 'config-linux/configLinuxPersonality/1'],
    async run(t) {
      const r = await t.check((c) => {
        c.linux.personality = { domain: 'LINUX32' };
      });
      t.assert(/^i[3-6]86$/.test(r.machine), `uname machine is ${r.machine}, want i686 under LINUX32`);
    },
  },
  {
    name: 'memoryPolicy/mode-is-set',
    reqs: ['config-linux/configLinuxMemoryPolicy/1', 'runtime/runtimeCreate/4'],
    async run(t) {
      if (!exists('/sys/devices/system/node/node0')) t.skip('the host has no NUMA node 0');
      const r = await t.check((c) => {
        c.linux.memoryPolicy = { mode: 'MPOL_INTERLEAVE', nodes: '0' };
      });
      t.eq(r.mempolicy, 3, 'get_mempolicy mode (3 = MPOL_INTERLEAVE)');
      t.eq(r.mempolicy_nodes, 1, 'get_mempolicy nodemask');
    },
  },
];

const cgroupCases: CaseDef[] = [
  {
    name: 'cgroups/absolute-path-is-under-the-mount-point',
    reqs: ['config-linux/configLinuxCgroupsPath/2', 'config-linux/configLinuxCgroupsPath/3', 'config-linux/configLinuxCgroupsPath/1'],
    async run(t) {
      const b = t.sleeper();
      const pid = await t.createOk(b);
      const want = `/${CGROUP_PARENT}/${b.id}`;
      const lines = (readText(`/proc/${pid}/cgroup`) || '').split('\n').filter(Boolean);
      const placed = lines.filter((l) => l.split(':').slice(2).join(':') === want);
      t.assert(placed.length > 0, `no hierarchy places the process at ${want}: ${lines.join(' ')}`);
      let found = 0;
      for (const [ctrl, mnt] of t.host.v1) {
        if (!['memory', 'pids', 'cpu', 'devices', 'freezer', 'cpuset', 'blkio'].includes(ctrl)) continue;
        const dir = path.join(mnt, CGROUP_PARENT, b.id);
        if (!exists(dir)) continue;
        found++;
        const procs = (readText(path.join(dir, 'cgroup.procs')) || '').split('\n');
        t.assert(procs.includes(String(pid)), `${dir}/cgroup.procs lacks the container pid ${pid}`);
      }
      if (t.host.v2 && exists(path.join(t.host.v2, CGROUP_PARENT, b.id))) found++;
      t.assert(found > 0, `no ${want} directory under any cgroup mount point`);
    },
  },
  {
    name: 'cgroups/memory-limit',
    reqs: ['runtime/runtimeCreate/4'],
    async run(t) {
      needController(t, 'memory');
      const { b } = await runWithResources(t, { memory: { limit: 64 * 1024 * 1024 } });
      const dir = cgroupDir(t, b.id, 'memory')!;
      t.eq(readCg(dir, 'memory.limit_in_bytes', 'memory.max'), String(64 * 1024 * 1024), `memory limit in ${dir}`);
    },
  },
  {
    name: 'cgroups/pids-limit',
    reqs: ['runtime/runtimeCreate/4'],
    async run(t) {
      needController(t, 'pids');
      const { b } = await runWithResources(t, { pids: { limit: 42 } });
      t.eq(readCg(cgroupDir(t, b.id, 'pids')!, 'pids.max', 'pids.max'), '42', 'pids.max');
    },
  },
  {
    name: 'cgroups/pids-limit-zero-is-a-limit',
    reqs: ['config-linux/configLinuxPIDS/1'],
    async run(t) {
      needController(t, 'pids');
      const { b } = await runWithResources(t, { pids: { limit: 0 } });
      t.eq(readCg(cgroupDir(t, b.id, 'pids')!, 'pids.max', 'pids.max'), '0', 'pids.max for limit 0');
    },
  },
  {
    name: 'cgroups/cpu-shares-quota-period',
    reqs: ['runtime/runtimeCreate/4'],
    async run(t) {
      needController(t, 'cpu');
      const { b } = await runWithResources(t, { cpu: { shares: 512, quota: 50000, period: 100000 } });
      const dir = cgroupDir(t, b.id, 'cpu')!;
      if (exists(path.join(dir, 'cpu.shares'))) {
        t.eq(readText(path.join(dir, 'cpu.shares'))?.trim(), '512', 'cpu.shares');
        t.eq(readText(path.join(dir, 'cpu.cfs_quota_us'))?.trim(), '50000', 'cpu.cfs_quota_us');
        t.eq(readText(path.join(dir, 'cpu.cfs_period_us'))?.trim(), '100000', 'cpu.cfs_period_us');
      } else {
        t.eq(readText(path.join(dir, 'cpu.max'))?.trim(), '50000 100000', 'cpu.max');
      }
    },
  },
  {
    name: 'cgroups/cpuset-cpus',
    reqs: ['runtime/runtimeCreate/4'],
    async run(t) {
      needController(t, 'cpuset');
      const { b } = await runWithResources(t, { cpu: { cpus: '0', mems: '0' } });
      t.eq(readCg(cgroupDir(t, b.id, 'cpuset')!, 'cpuset.cpus', 'cpuset.cpus'), '0', 'cpuset.cpus');
    },
  },
  {
    name: 'cgroups/impossible-value-errors',
    reqs: ['runtime/runtimeCreate/6', 'runtime/runtimeErrors/1'],
    async run(t) {
      needController(t, 'cpuset');
      const b = t.sleeper((c) => {
        c.linux.resources.cpu = { cpus: '4095' };
      });
      await t.expectCreateFails(b, 'cpu.cpus names a CPU the host does not have');
    },
  },
  {
    name: 'cgroups/unified-values-are-written',
    reqs: ['config-linux/configLinuxUnified/2', 'config-linux/configLinuxUnified/1'],
    async run(t) {
      if (t.host.cgroupMode !== 'v2') t.skip(`linux.resources.unified needs a cgroup v2 host (this one is ${t.host.cgroupMode})`);
      if (!t.host.v2Controllers.includes('pids')) t.skip('no pids controller on cgroup v2');
      const { b } = await runWithResources(t, { unified: { 'pids.max': '77' } });
      t.eq(readText(path.join(t.host.v2!, CGROUP_PARENT, b.id, 'pids.max'))?.trim(), '77', 'pids.max from unified');
    },
  },
  {
    name: 'cgroups/unified-absent-controller-errors',
    reqs: ['config-linux/configLinuxUnified/3'],
    async run(t) {
      if (t.host.cgroupMode !== 'v2') t.skip(`linux.resources.unified needs a cgroup v2 host (this one is ${t.host.cgroupMode})`);
      const b = t.sleeper((c) => {
        c.linux.resources.unified = { 'cfnosuchcontroller.max': '1' };
      });
      await t.expectCreateFails(b, 'unified names a controller that does not exist');
    },
  },
  {
    name: 'intelRdt/without-resctrl-errors',
    reqs: ['config-linux/configLinuxIntelRdt/2'],
    async run(t) {
      const mounted = (readText('/proc/self/mountinfo') || '').includes(' - resctrl ');
      if (mounted) t.skip('resctrl is mounted on this host');
      const b = t.sleeper((c) => {
        c.linux.intelRdt = { closID: 'cf-clos' };
      });
      await t.expectCreateFails(b, 'intelRdt is set but no resctrl filesystem is mounted');
    },
  },
];

const seccompCases: CaseDef[] = [
  {
    name: 'seccomp/errno-action',
    reqs: ['runtime/runtimeCreate/4', 'config-linux/configLinuxSeccomp/1', 'config-linux/configLinuxSeccomp/11'],
    async run(t) {
      if (!t.host.seccomp) t.skip('the kernel has no seccomp');
      const r = await t.check(
        (c) => {
          c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getcwd'], action: 'SCMP_ACT_ERRNO' }] };
        },
        ['syscall:getcwd', 'syscall:getpid'],
      );
      t.eq(r.seccomp, 2, 'seccomp mode (2 = filter)');
      t.eq(probe(r, 'syscall:getcwd').errno, EPERM, 'getcwd errno (default errnoRet is EPERM)');
      t.eq(probe(r, 'syscall:getpid').errno, 0, 'getpid errno');
    },
  },
  {
    name: 'seccomp/errnoRet',
    reqs: ['runtime/runtimeCreate/4'],
    async run(t) {
      if (!t.host.seccomp) t.skip('the kernel has no seccomp');
      const r = await t.check(
        (c) => {
          c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getcwd'], action: 'SCMP_ACT_ERRNO', errnoRet: 24 }] };
        },
        ['syscall:getcwd'],
      );
      t.eq(probe(r, 'syscall:getcwd').errno, 24, 'getcwd errno with errnoRet 24');
    },
  },
  {
    name: 'seccomp/argument-match',
    reqs: ['runtime/runtimeCreate/4', 'config-linux/configLinuxSeccomp/13', 'config-linux/configLinuxSeccomp/14', 'config-linux/configLinuxSeccomp/15'],
    async run(t) {
      if (!t.host.seccomp) t.skip('the kernel has no seccomp');
      const r = await t.check(
        (c) => {
          c.linux.seccomp = {
            defaultAction: 'SCMP_ACT_ALLOW',
            syscalls: [
              { names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 0, value: 4294967295, op: 'SCMP_CMP_EQ' }] },
              { names: ['chmod'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 1, value: 511, op: 'SCMP_CMP_EQ' }] },
            ],
          };
        },
        ['syscall:personality', 'syscall:chmod'],
      );
      t.eq(probe(r, 'syscall:personality').errno, 22, 'personality(0xffffffff) errno (matches the rule)');
      t.eq(probe(r, 'syscall:chmod').errno, 0, 'chmod("/", 0755) errno (argument does not match the rule)');
    },
  },
  {
    name: 'seccomp/kill-action',
    reqs: ['runtime/runtimeCreate/4'],
    async run(t) {
      if (!t.host.seccomp) t.skip('the kernel has no seccomp');
      const b = t.bundle((c) => {
        c.process.args = ['/bin/sh', '-c', 'mkdir /tmp/cf-x; echo "rc=$?"'];
        c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_KILL_PROCESS' }] };
      });
      await t.createOk(b);
      await t.startOk(b.id);
      await t.waitStatus(b.id, 'stopped');
      const out = t.output(b.id).trim();
      t.eq(out, 'rc=159', 'exit status of mkdir under SCMP_ACT_KILL_PROCESS (128 + SIGSYS)');
    },
  },
  {
    name: 'seccomp/empty-names-is-rejected',
    reqs: ['config-linux/configLinuxSeccomp/10', 'config/valid-values/1'],
    async run(t) {
      if (!t.host.seccomp) t.skip('the kernel has no seccomp');
      const b = t.sleeper((c) => {
        c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] };
      });
      await t.expectCreateFails(b, 'a seccomp rule has no syscall names');
    },
  },
  {
    name: 'seccomp/errnoRet-on-non-errno-action-is-rejected',
    reqs: ['config-linux/configLinuxSeccomp/12', 'config-linux/configLinuxSeccomp/2'],
    async run(t) {
      if (!t.host.seccomp) t.skip('the kernel has no seccomp');
      const b = t.sleeper((c) => {
        c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getcwd'], action: 'SCMP_ACT_KILL', errnoRet: 5 }] };
      });
      await t.expectCreateFails(b, 'errnoRet is set on SCMP_ACT_KILL');
    },
  },
  {
    name: 'seccomp/defaultErrnoRet-on-non-errno-action-is-rejected',
    reqs: ['config-linux/configLinuxSeccomp/2'],
    async run(t) {
      if (!t.host.seccomp) t.skip('the kernel has no seccomp');
      const b = t.sleeper((c) => {
        c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', defaultErrnoRet: 5, syscalls: [{ names: ['getcwd'], action: 'SCMP_ACT_ERRNO' }] };
      });
      await t.expectCreateFails(b, 'defaultErrnoRet is set with defaultAction SCMP_ACT_ALLOW');
    },
  },
  {
    name: 'seccomp/listenerMetadata-without-listenerPath-is-rejected',
    reqs: ['config-linux/configLinuxSeccomp/8'],
    async run(t) {
      if (!t.host.seccomp) t.skip('the kernel has no seccomp');
      const b = t.sleeper((c) => {
        c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerMetadata: 'x', syscalls: [{ names: ['getcwd'], action: 'SCMP_ACT_ERRNO' }] };
      });
      await t.expectCreateFails(b, 'listenerMetadata is set without listenerPath');
    },
  },
];

/** Creates a virtual interface on the host (dummy, ifb or veth, whichever the kernel has); removed at cleanup. */
function makeLink(t: Ctx): string {
  const dev = `cfd${Math.random().toString(36).slice(2, 8)}`;
  const kinds: string[][] = [
    ['type', 'dummy'],
    ['type', 'ifb'],
    ['type', 'veth', 'peer', 'name', `${dev}p`],
  ];
  const errors: string[] = [];
  for (const k of kinds) {
    const add = spawnSync('ip', ['link', 'add', dev, ...k], { encoding: 'utf8' });
    if (add.status === 0) {
      t.onCleanup(() => {
        spawnSync('ip', ['link', 'del', dev], { stdio: 'ignore' });
        spawnSync('ip', ['link', 'del', `${dev}p`], { stdio: 'ignore' });
      });
      return dev;
    }
    errors.push(`${k[1]}: ${add.stderr.trim()}`);
  }
  t.skip(`cannot create a virtual interface on the host (${errors.join('; ')})`);
}

const notifyCases: CaseDef[] = [
  {
    name: 'seccomp/notify-sends-the-container-process-state',
    reqs: [
      'config-linux/configLinuxSeccomp/3',
      'config-linux/configLinuxSeccomp/4',
      'config-linux/configLinuxSeccomp/5',
      'config-linux/configLinuxSeccomp/7',
      'config-linux/containerprocessstate/1',
      'config-linux/containerprocessstate/2',
      'config-linux/containerprocessstate/3',
      'config-linux/containerprocessstate/4',
      'config-linux/containerprocessstate/5',
    ],
    async run(t) {
      if (!t.host.seccomp) t.skip('the kernel has no seccomp');
      const sock = path.join(t.dir, 'agent.sock');
      const out = path.join(t.dir, 'agent.json');
      await t.spawnHelper([t.assets.checker, 'agent', sock, out], () => exists(`${out}.ready`));
      const b = t.bundle((c) => {
        c.process.args = ['/checker'];
        c.linux.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW',
          listenerPath: sock,
          listenerMetadata: 'cf-metadata',
          syscalls: [{ names: ['sethostname'], action: 'SCMP_ACT_NOTIFY' }],
        };
      });
      const pid = await t.createOk(b);
      await t.startOk(b.id);
      await t.waitReport(b.id);
      const end = Date.now() + 7000;
      while (!exists(out) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      const rec = JSON.parse(readText(out) || 'null');
      t.assert(rec, 'the seccomp agent received nothing');
      t.assert(rec.eof === 1, 'the runtime did not close the connection after sending the state');
      t.assert(rec.fds[0] >= 1, `no file descriptor came with the first message (fds per message: ${JSON.stringify(rec.fds)})`);
      t.assert(rec.fds.slice(1).every((n: number) => n === 0), `file descriptors came after the first sendmsg: ${JSON.stringify(rec.fds)}`);
      let st: any;
      try {
        st = JSON.parse(rec.payload);
      } catch {
        t.fail(`the payload is not one JSON object: ${String(rec.payload).slice(0, 200)}`);
      }
      t.assert(typeof st.ociVersion === 'string', 'container process state has no ociVersion');
      t.assert(Array.isArray(st.fds) && st.fds.includes('seccompFd'), `fds ${JSON.stringify(st.fds)} does not name seccompFd`);
      t.eq(st.pid, pid, 'container process state pid (as seen by the runtime)');
      t.eq(st.metadata, 'cf-metadata', 'metadata');
      t.assert(st.state && st.state.id === b.id, `state.id ${st.state?.id}`);
      t.assert(typeof st.state.status === 'string' && typeof st.state.bundle === 'string', 'state lacks status or bundle');
    },
  },
  {
    name: 'seccomp/notify-unreachable-listener-errors',
    reqs: ['config-linux/configLinuxSeccomp/6'],
    async run(t) {
      if (!t.host.seccomp) t.skip('the kernel has no seccomp');
      const b = t.sleeper((c) => {
        c.linux.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW',
          listenerPath: path.join(t.dir, 'nobody-listens.sock'),
          syscalls: [{ names: ['sethostname'], action: 'SCMP_ACT_NOTIFY' }],
        };
      });
      await t.expectCreateFails(b, 'nothing listens on seccomp.listenerPath');
    },
  },
];

const netDeviceCases: CaseDef[] = [
  {
    name: 'netDevices/moved-renamed-up-with-addresses',
    reqs: ['config-linux/configLinuxNetworkDevices/1', 'config-linux/configLinuxNetworkDevices/5', 'config-linux/configLinuxNetworkDevices/6', 'config-linux/configLinuxNetworkDevices/2'],
    async run(t) {
      const dev = makeLink(t);
      spawnSync('ip', ['addr', 'add', '192.0.2.77/24', 'dev', dev]);
      const r = await t.check(
        (c) => {
          c.linux.netDevices = { [dev]: { name: 'cfeth0' } };
        },
        ['read:/sys/class/net/cfeth0/flags', 'read:/proc/net/fib_trie'],
      );
      const flags = probe(r, 'read:/sys/class/net/cfeth0/flags');
      t.assert(!flags.errno, `no interface cfeth0 in the container (errno ${flags.errno})`);
      t.assert((parseInt(flags.text, 16) & 1) === 1, `cfeth0 is not up (flags ${flags.text?.trim()})`);
      t.assert((probe(r, 'read:/proc/net/fib_trie').text || '').includes('192.0.2.77'), 'the address 192.0.2.77 was not kept');
    },
  },
  {
    name: 'netDevices/name-template-gets-a-unique-name',
    reqs: ['config-linux/configLinuxNetworkDevices/4'],
    async run(t) {
      const dev = makeLink(t);
      const r = await t.check(
        (c) => {
          c.linux.netDevices = { [dev]: { name: 'cfeth%d' } };
        },
        ['ls:/sys/class/net'],
      );
      const names: string[] = r.probes['ls:/sys/class/net'].entries || [];
      t.assert(names.some((n) => /^cfeth\d+$/.test(n)), `no cfethN interface in the container: ${names.join(' ')}`);
    },
  },
  {
    name: 'netDevices/not-moved-back-before-deletion',
    reqs: ['config-linux/namespace-lifecycle-and-container-termination/2'],
    async run(t) {
      const dev = makeLink(t);
      const b = t.bundle((c) => {
        c.process.args = ['/checker', 'ls:/sys/class/net'];
        c.linux.netDevices = { [dev]: {} };
      });
      const r = await t.runChecker(b);
      if (!(r.probes['ls:/sys/class/net'].entries || []).includes(dev)) {
        t.skip(`the runtime did not move ${dev} into the container, so nothing can be moved back (see netDevices/moved-renamed-up-with-addresses)`);
      }
      await t.waitStatus(b.id, 'stopped');
      await t.deleteOk(b.id);
      const show = spawnSync('ip', ['link', 'show', 'dev', dev], { encoding: 'utf8' });
      t.assert(show.status !== 0, `${dev} (a virtual device the kernel destroys with its namespace) is back on the host after delete`);
    },
  },
  {
    name: 'netDevices/name-clash-errors',
    reqs: ['config-linux/configLinuxNetworkDevices/3'],
    async run(t) {
      const dev = makeLink(t);
      const b = t.sleeper((c) => {
        c.linux.netDevices = { [dev]: { name: 'lo' } };
      });
      await t.expectCreateFails(b, 'the new device name "lo" already exists in the container');
    },
  },
];

const ownershipCases: CaseDef[] = [
  {
    name: 'cgroups/v1-ownership-is-not-changed',
    reqs: ['config-linux/cgroup-ownership/1'],
    async run(t) {
      if (!t.host.v1.size) t.skip('the host has no cgroup v1 hierarchies');
      if (!t.host.userNamespaces) t.skip('user namespaces are disabled on this host');
      const b = t.sleeper((c, bb) => {
        fs.mkdirSync(path.join(bb.rootfs, 'sys/fs/cgroup'), { recursive: true });
        c.linux.namespaces.push({ type: 'user' }, { type: 'cgroup' });
        c.linux.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
        c.linux.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
        c.mounts.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'rw'] });
      });
      await t.createOk(b);
      const owned: string[] = [];
      for (const [, mnt] of t.host.v1) {
        const dir = path.join(mnt, CGROUP_PARENT, b.id);
        if (!exists(dir)) continue;
        for (const f of ['', 'cgroup.procs', 'tasks']) {
          const p = path.join(dir, f);
          if (exists(p) && fs.statSync(p).uid !== 0) owned.push(`${p} (uid ${fs.statSync(p).uid})`);
        }
      }
      t.assert(!owned.length, `cgroup v1 files given to the container user: ${owned.slice(0, 4).join(', ')}`);
    },
  },
];

export const linuxCases: CaseDef[] = [...namespaceCases, ...deviceCases, ...pathCases, ...cgroupCases, ...ownershipCases, ...seccompCases, ...notifyCases, ...netDeviceCases];

