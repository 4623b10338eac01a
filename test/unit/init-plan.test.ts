/** initPhase2: the order of the container init's records, from the root filesystem to exec. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initPhase2, hookState, planNeedsPid, rootfsPath, InitPlanContext } from '../../src/container/init-plan';
import { namespacePlan } from '../../src/container/namespaces';
import { MS } from '../../src/rootfs/mount-flags';
import { PlanRecord, record } from '../../src/shim/records';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const ALL_CAPS = (1n << 41n) - 1n;

let tmp: string;
let warnings: string[];

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-init-plan-'));
  fs.mkdirSync(path.join(tmp, 'rootfs'));
  warnings = [];
});

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function baseConfig(): any {
  return {
    ociVersion: '1.3.0',
    root: { path: 'rootfs' },
    process: {
      cwd: '/work',
      args: ['sh', '-c', 'true'],
      env: ['PATH=/bin:/usr/bin', 'TERM=xterm'],
      user: { uid: 1000, gid: 1000, additionalGids: [10, 20] },
    },
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'mode=755'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['newinstance'] },
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'uts' }],
      maskedPaths: ['/proc/kcore', '/proc/keys'],
      readonlyPaths: ['/proc/sys', '/proc/bus'],
    },
  };
}

function ctxFor(config: any, extra: Partial<InitPlanContext> = {}): InitPlanContext {
  const linux = config.linux ?? {};
  return {
    id: 'c1',
    bundle: tmp,
    rootfs: rootfsPath(tmp, config),
    stateDir: path.join(tmp, 'state'),
    config,
    ns: namespacePlan(linux.namespaces ?? [], linux.uidMappings, linux.gidMappings, linux.timeOffsets),
    hierarchies: [],
    noPivot: false,
    preserveFds: 0,
    hostPid: 4242,
    availableCaps: ALL_CAPS,
    warn: (m) => warnings.push(m),
    ...extra,
  };
}

const ops = (recs: PlanRecord[]) => recs.map((r) => r.op);
const indexOf = (recs: PlanRecord[], op: string, arg0?: string) =>
  recs.findIndex((r) => r.op === op && (arg0 === undefined || r.args[0] === arg0));

describe('rootfsPath', () => {
  test('root.path relative to the bundle, or absolute; rootfs by default', () => {
    expect(rootfsPath('/b', { root: { path: 'rootfs' } })).toBe('/b/rootfs');
    expect(rootfsPath('/b', { root: { path: '/srv/root' } })).toBe('/srv/root');
    expect(rootfsPath('/b', {})).toBe('/b/rootfs');
  });
});

describe('initPhase2', () => {
  test('the root filesystem comes first: slave /, bind of the rootfs onto itself, rootfs', () => {
    const config = baseConfig();
    const recs = initPhase2(ctxFor(config), '');
    const rootfs = path.join(tmp, 'rootfs');
    expect(recs.slice(0, 3)).toEqual([
      record('mount_host', '', '/', '', MS.SLAVE | MS.REC, ''),
      record('mount_host', rootfs, rootfs, '', MS.BIND | MS.REC, ''),
      record('rootfs', rootfs),
    ]);
  });

  test('the whole order, from the rootfs to exec', () => {
    const recs = initPhase2(ctxFor(baseConfig()), '');
    const o = ops(recs);
    // Mounts in config order, right after the rootfs.
    const mounts = recs.filter((r) => r.op === 'mount').map((r) => r.args[1]);
    expect(mounts).toEqual(['/proc', '/dev', '/dev/pts']);
    const order = [
      indexOf(recs, 'rootfs'),
      indexOf(recs, 'mount', 'proc'),
      indexOf(recs, 'mount', 'tmpfs'),
      indexOf(recs, 'mount', 'devpts'),
      indexOf(recs, 'mknod', '/dev/null'),
      indexOf(recs, 'symlink', '/proc/self/fd'),
      indexOf(recs, 'mask', '/proc/kcore'),
      indexOf(recs, 'mask', '/proc/keys'),
      indexOf(recs, 'readonly', '/proc/sys'),
      indexOf(recs, 'readonly', '/proc/bus'),
      indexOf(recs, 'keyring'),
      indexOf(recs, 'pivot_root'),
      indexOf(recs, 'setsid'),
      indexOf(recs, 'check_exec'),
      indexOf(recs, 'ready'),
      indexOf(recs, 'await_start'),
      indexOf(recs, 'chdir'),
      indexOf(recs, 'close_fds'),
      indexOf(recs, 'user'),
      indexOf(recs, 'exec'),
    ];
    for (const i of order) expect(i).toBeGreaterThanOrEqual(0);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(o[o.length - 1]).toBe('exec');
    expect(o).not.toContain('chroot');
    expect(o).not.toContain('sync');
    expect(o).not.toContain('become_root');
  });

  test('the /dev links: fd links with /proc mounted, ptmx with /dev/pts', () => {
    const recs = initPhase2(ctxFor(baseConfig()), '');
    expect(recs).toContainEqual(record('symlink', '/proc/self/fd/2', '/dev/stderr', 0));
    expect(recs).toContainEqual(record('symlink', 'pts/ptmx', '/dev/ptmx', 1));
  });

  test('configured devices replace the defaults of the same path and follow them', () => {
    const config = baseConfig();
    config.linux.devices = [
      { type: 'c', path: '/dev/null', major: 1, minor: 3, fileMode: 0o600 },
      { type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 0o666 },
    ];
    const nodes = initPhase2(ctxFor(config), '').filter((r) => r.op === 'mknod').map((r) => r.args[0]);
    expect(nodes).toEqual(['/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty', '/dev/null', '/dev/fuse']);
  });

  test('a /dev bind-mounted from the host gets only the configured devices, no links', () => {
    const config = baseConfig();
    config.mounts = [{ destination: '/dev', source: '/dev', options: ['rbind'] }];
    const recs = initPhase2(ctxFor(config), '');
    expect(recs.filter((r) => r.op === 'mknod')).toEqual([]);
    expect(recs.filter((r) => r.op === 'symlink')).toEqual([]);
  });

  test('exec and check_exec carry args, PATH and env; user, caps last before exec', () => {
    const config = baseConfig();
    config.process.capabilities = { bounding: ['CAP_KILL', 'CAP_CHOWN'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] };
    config.process.noNewPrivileges = true;
    config.process.user.umask = 0o077;
    const recs = initPhase2(ctxFor(config, { preserveFds: 2 }), '');
    expect(recs[indexOf(recs, 'check_exec')]).toEqual(record('check_exec', 'sh', '/bin:/usr/bin'));
    const tail = recs.slice(indexOf(recs, 'await_start') + 1);
    expect(tail).toEqual([
      record('chdir', '/work'),
      record('close_fds', 5),
      record('bounding', (1n << 5n) | 1n),
      record('user', 1000, 1000, 0o077, 10, 20),
      record('caps', 1n << 5n, 1n << 5n, 0n, 0n),
      record('nnp'),
      record('exec', 'sh', '/bin:/usr/bin', 3, 'sh', '-c', 'true', 'PATH=/bin:/usr/bin', 'TERM=xterm'),
    ]);
  });

  test('without PATH in env the default search path is used (no env at all too)', () => {
    const config = baseConfig();
    config.process.env = ['HOME=/root'];
    let recs = initPhase2(ctxFor(config), '');
    expect(recs[indexOf(recs, 'check_exec')].args).toEqual(['sh', DEFAULT_PATH]);
    expect(recs[recs.length - 1].args.slice(0, 2)).toEqual(['sh', DEFAULT_PATH]);
    delete config.process.env;
    recs = initPhase2(ctxFor(config), '');
    expect(recs[indexOf(recs, 'check_exec')].args).toEqual(['sh', DEFAULT_PATH]);
    expect(recs[recs.length - 1]).toEqual(record('exec', 'sh', DEFAULT_PATH, 3, 'sh', '-c', 'true'));
  });

  test('the last PATH in env wins', () => {
    const config = baseConfig();
    config.process.env = ['PATH=/a', 'PATH=/b'];
    const recs = initPhase2(ctxFor(config), '');
    expect(recs[indexOf(recs, 'check_exec')].args[1]).toBe('/b');
  });

  test('the default user is root with umask 022', () => {
    const config = baseConfig();
    delete config.process.user;
    const recs = initPhase2(ctxFor(config), '');
    expect(recs[indexOf(recs, 'user')]).toEqual(record('user', 0, 0, 0o022));
    expect(ops(recs)).not.toContain('caps');
    expect(ops(recs)).not.toContain('bounding');
  });

  test('--no-pivot: chroot instead of pivot_root', () => {
    const recs = initPhase2(ctxFor(baseConfig(), { noPivot: true }), '');
    expect(recs).toContainEqual(record('chroot', 1));
    expect(ops(recs)).not.toContain('pivot_root');
  });

  test('without a mount namespace: no propagation change, chroot, and never pivot_root', () => {
    const config = baseConfig();
    config.linux.namespaces = [{ type: 'pid' }, { type: 'uts' }];
    const recs = initPhase2(ctxFor(config), '');
    expect(recs.filter((r) => r.op === 'mount_host' && r.args[1] === '/')).toEqual([]);
    expect(recs).toContainEqual(record('chroot', 0));
    expect(ops(recs)).not.toContain('pivot_root');
  });

  test('hooks: sync before createContainer hooks when createRuntime or prestart hooks exist', () => {
    const config = baseConfig();
    config.hooks = {
      createRuntime: [{ path: '/bin/true' }],
      createContainer: [{ path: '/hooks/cc', args: ['cc', '--x'], env: ['A=1'], timeout: 5 }],
      startContainer: [{ path: '/hooks/sc' }],
    };
    const recs = initPhase2(ctxFor(config), '');
    const sync = indexOf(recs, 'sync');
    const cc = indexOf(recs, 'hook', '/hooks/cc');
    const sc = indexOf(recs, 'hook', '/hooks/sc');
    expect(recs[sync]).toEqual(record('sync', 'createRuntime'));
    expect(sync).toBeGreaterThan(indexOf(recs, 'mknod'));
    expect(cc).toBe(sync + 1);
    expect(cc).toBeLessThan(indexOf(recs, 'mask'));
    expect(sc).toBe(indexOf(recs, 'await_start') + 1);
    const state = { ociVersion: '1.3.0', id: 'c1', status: 'creating', pid: 1, bundle: tmp, annotations: {} };
    expect(recs[cc]).toEqual(record('hook', '/hooks/cc', 5, JSON.stringify(state), 2, 'cc', '--x', 'A=1'));
    // A hook without args gets its path as argv[0]; startContainer sees the created state.
    expect(recs[sc].args.slice(2)).toEqual([JSON.stringify({ ...state, status: 'created' }), '1', '/hooks/sc']);
  });

  test('a new cgroup namespace is the first thing the init makes: it is in its cgroups from its start', () => {
    const config = baseConfig();
    config.linux.namespaces.push({ type: 'cgroup' });
    const recs = initPhase2(ctxFor(config), '');
    expect(recs[0]).toEqual(record('unshare', 0x02000000));
    expect(ops(initPhase2(ctxFor(baseConfig()), ''))).not.toContain('unshare');
  });

  test('prestart hooks alone also make the sync point', () => {
    const config = baseConfig();
    config.hooks = { prestart: [{ path: '/bin/true' }] };
    expect(ops(initPhase2(ctxFor(config), ''))).toContain('sync');
  });

  test('hookState: pid 1 inside a new pid namespace, the host pid otherwise', () => {
    const config = baseConfig();
    config.annotations = { a: 'b' };
    const ctx = ctxFor(config);
    expect(hookState(ctx, 'creating', true)).toMatchObject({ pid: 1, annotations: { a: 'b' } });
    expect(hookState(ctx, 'creating', false)).toMatchObject({ pid: 4242 });
    config.linux.namespaces = [{ type: 'mount' }];
    expect(hookState(ctxFor(config), 'created', true)).toMatchObject({ pid: 4242, status: 'created' });
  });

  test('a new user namespace: become_root first, devices bind-mounted', () => {
    const config = baseConfig();
    config.linux.namespaces.push({ type: 'user' });
    config.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    config.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    const recs = initPhase2(ctxFor(config), '');
    expect(recs[0]).toEqual(record('become_root'));
    expect(ops(recs)).not.toContain('mknod');
    expect(recs).toContainEqual(record('mount', '/dev/null', '/dev/null', '', MS.BIND, ''));
  });

  test('sysctl, hostname, domainname, oomScoreAdj, readonly root between masks and pivot_root', () => {
    const config = baseConfig();
    config.hostname = 'box';
    config.domainname = 'example.org';
    config.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
    config.process.oomScoreAdj = 100;
    config.root.readonly = true;
    const recs = initPhase2(ctxFor(config), '');
    const seq = [
      indexOf(recs, 'write', '/proc/sys/net/ipv4/ip_forward'),
      indexOf(recs, 'sethostname'),
      indexOf(recs, 'setdomainname'),
      indexOf(recs, 'mask'),
      indexOf(recs, 'readonly'),
      indexOf(recs, 'write', '/proc/self/oom_score_adj'),
      indexOf(recs, 'remount', '/'),
      indexOf(recs, 'pivot_root'),
    ];
    for (const i of seq) expect(i).toBeGreaterThanOrEqual(0);
    expect([...seq].sort((a, b) => a - b)).toEqual(seq);
    expect(recs[seq[0]].args[1]).toBe('1');
    expect(recs[seq[6]]).toEqual(record('remount', '/', MS.RDONLY));
  });

  test('hostname without a UTS namespace is refused', () => {
    const config = baseConfig();
    config.linux.namespaces = [{ type: 'mount' }];
    config.hostname = 'box';
    expect(() => initPhase2(ctxFor(config), '')).toThrow('unable to set hostname without a private UTS namespace');
    delete config.hostname;
    config.domainname = 'd';
    expect(() => initPhase2(ctxFor(config), '')).toThrow('unable to set domainname without a private UTS namespace');
  });

  test('--no-new-keyring: no keyring record; otherwise _ses.<id>', () => {
    expect(initPhase2(ctxFor(baseConfig()), '')).toContainEqual(record('keyring', '_ses.c1'));
    expect(ops(initPhase2(ctxFor(baseConfig(), { noNewKeyring: true }), ''))).not.toContain('keyring');
  });

  test('rootfsPropagation: applied to / after entering the root; shared makes the parent mount private', () => {
    const config = baseConfig();
    config.linux.rootfsPropagation = 'shared';
    const rootfs = path.join(tmp, 'rootfs');
    const mountinfo = [
      `22 1 8:1 / / rw - ext4 /dev/sda1 rw`,
      `30 22 0:40 / ${tmp} rw - tmpfs tmpfs rw`,
      `31 22 0:41 / /other rw - tmpfs tmpfs rw`,
    ].join('\n');
    const recs = initPhase2(ctxFor(config), mountinfo);
    expect(recs.slice(0, 2)).toEqual([
      record('mount_host', '', '/', '', MS.SHARED | MS.REC, ''),
      record('mount_host', '', tmp, '', MS.PRIVATE, ''),
    ]);
    expect(recs[2]).toEqual(record('mount_host', rootfs, rootfs, '', MS.BIND | MS.REC, ''));
    const pivot = indexOf(recs, 'pivot_root');
    expect(recs[pivot + 1]).toEqual(record('mount_host', '', '/', '', MS.SHARED | MS.REC, ''));
  });

  test('rootfsPropagation unbindable starts as slave and is applied after pivot_root', () => {
    const config = baseConfig();
    config.linux.rootfsPropagation = 'unbindable';
    const recs = initPhase2(ctxFor(config), '');
    expect(recs[0]).toEqual(record('mount_host', '', '/', '', MS.SLAVE | MS.REC, ''));
    expect(recs[indexOf(recs, 'pivot_root') + 1]).toEqual(record('mount_host', '', '/', '', MS.UNBINDABLE | MS.REC, ''));
  });

  test('an unknown rootfsPropagation is refused', () => {
    const config = baseConfig();
    config.linux.rootfsPropagation = 'rshared';
    expect(() => initPhase2(ctxFor(config), '')).toThrow('linux.rootfsPropagation: unknown value "rshared"');
  });

  test('rlimits are set after setsid and before check_exec', () => {
    const config = baseConfig();
    config.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 }];
    const recs = initPhase2(ctxFor(config), '');
    const rl = indexOf(recs, 'rlimit');
    expect(recs[rl]).toEqual(record('rlimit', 7, 1024, 4096));
    expect(rl).toBeGreaterThan(indexOf(recs, 'setsid'));
    expect(rl).toBeLessThan(indexOf(recs, 'check_exec'));
  });

  // BUG (src/container/init-plan.ts:126, also src/process/process-plan.ts:33): rlimits are written with
  // BigInt(rl.soft). config.json is read with JSON.parse, so RLIM_INFINITY (18446744073709551615, the
  // value runc and podman write for "unlimited") arrives as the double 2^64 and is sent as
  // "18446744073709551616", which skiff-init's parse_u64 (strtoull, ERANGE) rejects: "plan: bad number".
  test('RLIM_INFINITY from config.json reaches skiff-init as 2^64-1', () => {
    const config = baseConfig();
    config.process.rlimits = JSON.parse('[{"type":"RLIMIT_CORE","soft":18446744073709551615,"hard":18446744073709551615}]');
    const recs = initPhase2(ctxFor(config), '');
    expect(recs[indexOf(recs, 'rlimit')]).toEqual(record('rlimit', 4, '18446744073709551615', '18446744073709551615'));
  });

  test('an unknown rlimit type is refused', () => {
    const config = baseConfig();
    config.process.rlimits = [{ type: 'RLIMIT_BOGUS', soft: 1, hard: 1 }];
    expect(() => initPhase2(ctxFor(config), '')).toThrow('unknown rlimit type "RLIMIT_BOGUS"');
  });

  test('without process: no check_exec, and an abort after await_start', () => {
    const config = baseConfig();
    delete config.process;
    const recs = initPhase2(ctxFor(config), '');
    expect(ops(recs).slice(-3)).toEqual(['ready', 'await_start', 'abort']);
    expect(ops(recs)).not.toContain('check_exec');
  });

  test('unknown capabilities are warned about and left out', () => {
    const config = baseConfig();
    config.process.capabilities = { bounding: ['CAP_KILL', 'CAP_BOGUS'] };
    const recs = initPhase2(ctxFor(config), '');
    expect(recs[indexOf(recs, 'bounding')]).toEqual(record('bounding', 1n << 5n));
    expect(warnings).toEqual(['unknown capability "CAP_BOGUS" ignored']);
  });
});

describe('planNeedsPid (create builds the plan before the pid is known when it says no)', () => {
  // Without a pid namespace the in-container hooks see the host pid, so any pid in the plan shows.
  const hostPidConfig = () => {
    const c = baseConfig();
    c.linux.namespaces = [{ type: 'mount' }, { type: 'uts' }];
    return c;
  };
  const withPid = (config: any, pid: number) => JSON.stringify(initPhase2(ctxFor(config, { hostPid: pid }), ''));
  const hook = [{ path: '/bin/true' }];
  const notify = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/listener.sock', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] };

  test('no: the plan is the same whatever the pid', () => {
    const c = hostPidConfig();
    c.hooks = { prestart: hook, createRuntime: hook, poststart: hook, poststop: hook };
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] };
    expect(planNeedsPid(c)).toBe(false);
    expect(withPid(c, 4242)).toBe(withPid(c, 0));
  });

  test.each([
    ['a createContainer hook', (c: any) => (c.hooks = { createContainer: hook })],
    ['a startContainer hook', (c: any) => (c.hooks = { startContainer: hook })],
    ['a seccomp listener', (c: any) => (c.linux.seccomp = notify)],
  ])('yes with %s: the plan carries the pid', (_name, configure) => {
    const c = hostPidConfig();
    configure(c);
    expect(planNeedsPid(c)).toBe(true);
    expect(withPid(c, 4242)).not.toBe(withPid(c, 0));
  });
});
