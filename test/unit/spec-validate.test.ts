/**
 * Hand-made configs against validateConfig / validateProcess / validateState / validateFeatures:
 * schema errors name the field as a path from the document root, semantic rules from the spec text hold.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import {
  ConfigError,
  parseConfigFile,
  validateConfig,
  validateFeatures,
  validateProcess,
  validateState,
} from '../../src/spec/validate';
import { defaultConfig } from '../helpers/default-config';

type Json = Record<string, any>;

/** A small valid config; each test breaks one thing. */
function baseConfig(): Json {
  return {
    ociVersion: '1.2.0',
    root: { path: 'rootfs' },
    process: { cwd: '/', args: ['sh'], user: { uid: 0, gid: 0 } },
    linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }] },
  };
}

function configWith(change: (c: Json) => void): Json {
  const config = baseConfig();
  change(config);
  return config;
}

function messageFor(value: unknown, validate: (v: any) => unknown = validateConfig): string {
  try {
    validate(value);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toBeInstanceOf(Error);
    return (err as Error).message;
  }
  throw new Error('expected validation to fail');
}

describe('validateConfig: schema errors', () => {
  it('accepts the base config and returns it', () => {
    const config = baseConfig();
    expect(validateConfig(config)).toBe(config);
  });

  it('accepts the config every test bundle starts from', () => {
    expect(() => validateConfig(defaultConfig())).not.toThrow();
  });

  it.each<[string, (c: Json) => void, string]>([
    [
      'bad namespace type',
      (c) => c.linux.namespaces.push({ type: 'pid' }, { type: 'net' }),
      'config.json: linux.namespaces[3].type: must be one of pid, network, mount, ipc, uts, user, cgroup, time',
    ],
    ['empty args', (c) => (c.process.args = []), 'config.json: process.args: must have at least 1 item'],
    ['missing args', (c) => delete c.process.args, 'config.json: process.args: required property missing'],
    ['missing root', (c) => delete c.root, 'config.json: root: required property missing'],
    ['missing root.path', (c) => (c.root = {}), 'config.json: root.path: required property missing'],
    ['missing ociVersion', (c) => delete c.ociVersion, 'config.json: ociVersion: required property missing'],
    ['ociVersion not semver', (c) => (c.ociVersion = '1.0'), 'config.json: ociVersion: must be a SemVer 2.0.0 version such as 1.0.2'],
    ['ociVersion a number', (c) => (c.ociVersion = 1), 'config.json: ociVersion: must be a string'],
    ['negative uid', (c) => (c.process.user.uid = -1), 'config.json: process.user.uid: must be >= 0'],
    ['uid beyond uint32', (c) => (c.process.user.gid = 4294967296), 'config.json: process.user.gid: must be <= 4294967295'],
    ['fractional uid', (c) => (c.process.user.uid = 1.5), 'config.json: process.user.uid: must be an integer'],
    ['additionalGids entry', (c) => (c.process.user.additionalGids = [1, 'x']), 'config.json: process.user.additionalGids[1]: must be an integer'],
    ['terminal not boolean', (c) => (c.process.terminal = 'yes'), 'config.json: process.terminal: must be a boolean'],
    ['consoleSize missing width', (c) => (c.process.consoleSize = { height: 2 }), 'config.json: process.consoleSize.width: required property missing'],
    ['env not strings', (c) => (c.process.env = ['A=1', 2]), 'config.json: process.env[1]: must be a string'],
    [
      'unknown rlimit',
      (c) => (c.process.rlimits = [{ type: 'RLIMIT_FOO', soft: 1, hard: 1 }]),
      'config.json: process.rlimits[0].type: must be one of RLIMIT_AS, RLIMIT_CORE, RLIMIT_CPU, RLIMIT_DATA, RLIMIT_FSIZE, RLIMIT_LOCKS, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_RSS, RLIMIT_RTPRIO, RLIMIT_RTTIME, RLIMIT_SIGPENDING, RLIMIT_STACK',
    ],
    ['rlimit missing soft', (c) => (c.process.rlimits = [{ type: 'RLIMIT_NOFILE', hard: 1 }]), 'config.json: process.rlimits[0].soft: required property missing'],
    [
      'scheduler policy',
      (c) => (c.process.scheduler = { policy: 'SCHED_FAST' }),
      'config.json: process.scheduler.policy: must be one of SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_ISO, SCHED_IDLE, SCHED_DEADLINE',
    ],
    ['ioPriority range', (c) => (c.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 8 }), 'config.json: process.ioPriority.priority: must be <= 7'],
    ['cpu affinity syntax', (c) => (c.process.execCPUAffinity = { initial: '0-3;7' }), 'config.json: process.execCPUAffinity.initial: must be a comma-separated list of numbers and ranges such as 0-3,7'],
    ['hook timeout zero', (c) => (c.hooks = { poststart: [{ path: '/bin/true', timeout: 0 }] }), 'config.json: hooks.poststart[0].timeout: must be > 0'],
    ['hook without path', (c) => (c.hooks = { createRuntime: [{ args: ['x'] }] }), 'config.json: hooks.createRuntime[0].path: required property missing'],
    ['mount without destination', (c) => (c.mounts = [{ source: 'proc', type: 'proc' }]), 'config.json: mounts[0].destination: required property missing'],
    ['mount idmapping size', (c) => (c.mounts = [{ destination: '/m', uidMappings: [{ containerID: 0, hostID: 1 }] }]), 'config.json: mounts[0].uidMappings[0].size: required property missing'],
    ['annotation value', (c) => (c.annotations = { 'com.example.n': 1 }), 'config.json: annotations["com.example.n"]: must be a string'],
    ['sysctl value', (c) => (c.linux.sysctl = { 'net.ipv4.ip_forward': 1 }), 'config.json: linux.sysctl["net.ipv4.ip_forward"]: must be a string'],
    ['device type', (c) => (c.linux.devices = [{ path: '/dev/x', type: 'x', major: 1, minor: 1 }]), 'config.json: linux.devices[0].type: must be one of c, b, u, p'],
    ['cgroup device allow', (c) => (c.linux.resources = { devices: [{ access: 'rwm' }] }), 'config.json: linux.resources.devices[0].allow: required property missing'],
    ['cgroup device access', (c) => (c.linux.resources = { devices: [{ allow: true, access: 'rwx' }] }), 'config.json: linux.resources.devices[0].access: must be a combination of r, w and m'],
    ['memory limit', (c) => (c.linux.resources = { memory: { limit: -2 } }), 'config.json: linux.resources.memory.limit: must be >= -1'],
    ['blkio weight', (c) => (c.linux.resources = { blockIO: { weight: 70000 } }), 'config.json: linux.resources.blockIO.weight: must be <= 65535'],
    ['throttle rate', (c) => (c.linux.resources = { blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 0 }] } }), 'config.json: linux.resources.blockIO.throttleReadBpsDevice[0].rate: required property missing'],
    ['pids limit type', (c) => (c.linux.resources = { pids: { limit: '10' } }), 'config.json: linux.resources.pids.limit: must be an integer'],
    ['unified value', (c) => (c.linux.resources = { unified: { 'memory.max': 5 } }), 'config.json: linux.resources.unified["memory.max"]: must be a string'],
    ['rootfsPropagation', (c) => (c.linux.rootfsPropagation = 'recursive'), 'config.json: linux.rootfsPropagation: must be one of shared, slave, private, unbindable, rshared, rslave, rprivate, runbindable'],
    ['seccomp default action', (c) => (c.linux.seccomp = {}), 'config.json: linux.seccomp.defaultAction: required property missing'],
    [
      'seccomp arch',
      (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_Z80'] }),
      'config.json: linux.seccomp.architectures[0]: must be one of SCMP_ARCH_X86, SCMP_ARCH_X86_64, SCMP_ARCH_X32, SCMP_ARCH_ARM, SCMP_ARCH_AARCH64, SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64, SCMP_ARCH_MIPS64N32, SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64, SCMP_ARCH_MIPSEL64N32, SCMP_ARCH_PPC, SCMP_ARCH_PPC64, SCMP_ARCH_PPC64LE, SCMP_ARCH_S390, SCMP_ARCH_S390X, SCMP_ARCH_PARISC, SCMP_ARCH_PARISC64, SCMP_ARCH_RISCV64, SCMP_ARCH_LOONGARCH64, SCMP_ARCH_M68K, SCMP_ARCH_SH, SCMP_ARCH_SHEB',
    ],
    ['seccomp empty names', (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] }), 'config.json: linux.seccomp.syscalls[0].names: must have at least 1 item'],
    [
      'seccomp operator',
      (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['kill'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'EQ' }] }] }),
      'config.json: linux.seccomp.syscalls[0].args[0].op: must be one of SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ',
    ],
    ['seccomp flag', (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_X'] }), 'config.json: linux.seccomp.flags[0]: must be one of SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
    ['time offset secs', (c) => (c.linux.timeOffsets = { monotonic: { secs: '1' } }), 'config.json: linux.timeOffsets.monotonic.secs: must be an integer'],
    ['memory policy mode', (c) => (c.linux.memoryPolicy = { mode: 'MPOL_ANY' }), 'config.json: linux.memoryPolicy.mode: must be one of MPOL_DEFAULT, MPOL_BIND, MPOL_INTERLEAVE, MPOL_WEIGHTED_INTERLEAVE, MPOL_PREFERRED, MPOL_PREFERRED_MANY, MPOL_LOCAL'],
    ['intelRdt memBwSchema', (c) => (c.linux.intelRdt = { memBwSchema: 'L3:0=f' }), 'config.json: linux.intelRdt.memBwSchema: must start with "MB:" and must not contain a newline'],
    ['intelRdt schemata newline', (c) => (c.linux.intelRdt = { schemata: ['L3:0=f\nMB:0=20'] }), 'config.json: linux.intelRdt.schemata[0]: must not contain a newline'],
    ['personality domain', (c) => (c.linux.personality = { domain: 'LINUX64' }), 'config.json: linux.personality.domain: must be one of LINUX, LINUX32'],
    ['linux not an object', (c) => (c.linux = []), 'config.json: linux: must be an object'],
    ['windows section type', (c) => (c.windows = 'yes'), 'config.json: windows: must be an object'],
  ])('%s', (_name, change, message) => {
    expect(messageFor(configWith(change))).toBe(message);
  });

  it('rejects a document that is not an object', () => {
    expect(messageFor([])).toBe('config.json: must be an object');
    expect(messageFor(null)).toBe('config.json: must be an object');
  });

  it('uses the document label it is given', () => {
    expect(messageFor({ ociVersion: '1.0.0' }, (v) => validateConfig(v, 'bundle/config.json'))).toBe(
      'bundle/config.json: root: required property missing',
    );
  });

  it('exposes document, field and problem separately', () => {
    try {
      validateConfig(configWith((c) => (c.process.args = [])));
      throw new Error('expected failure');
    } catch (err) {
      expect(err).toMatchObject({ name: 'ConfigError', document: 'config.json', field: 'process.args', problem: 'must have at least 1 item' });
    }
  });

  it('ignores unknown properties anywhere (spec: Extensibility)', () => {
    const config = configWith((c) => {
      c.org_example_extension = { anything: true };
      c.process.futureField = 1;
      c.linux.resources = { memory: { limit: 1024, futureKnob: 'x' }, oomScoreAdj: 100 };
    });
    expect(() => validateConfig(config)).not.toThrow();
  });

  it('accepts the less common fields when they are well-formed', () => {
    const config = configWith((c) => {
      c.process.consoleSize = { height: 25, width: 80 };
      c.process.user = { uid: 1, gid: 1, umask: 18, additionalGids: [5, 6] };
      c.process.scheduler = { policy: 'SCHED_DEADLINE', runtime: 10, deadline: 20, period: 30, flags: ['SCHED_FLAG_RECLAIM'] };
      c.process.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 4 };
      c.process.execCPUAffinity = { initial: '7', final: '0-3,7' };
      c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 18446744073709551615 }];
      c.mounts = [{ destination: '/data', source: '/v', options: ['rbind', 'ridmap'], uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] }];
      c.linux.namespaces.push({ type: 'time' }, { type: 'user' }, { type: 'network', path: '/var/run/netns/a' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux.timeOffsets = { monotonic: { secs: -5, nanosecs: 999999999 }, boottime: { secs: 10 } };
      c.linux.devices = [{ path: '/dev/fifo', type: 'p' }, { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 438 }];
      c.linux.netDevices = { eth0: { name: 'ctr%d' }, ens4: {} };
      c.linux.resources = {
        cpu: { quota: -1, burst: 5000, period: 100000, idle: 1, cpus: '0-1', mems: '0' },
        memory: { limit: -1, swap: -1, swappiness: 60, checkBeforeUpdate: true },
        pids: { limit: 0 },
        rdma: { mlx5_1: { hcaHandles: 3 } },
        unified: { 'memory.high': 'max' },
        hugepageLimits: [{ pageSize: '1GB', limit: 0 }],
        blockIO: { weightDevice: [{ major: 8, minor: 0, leafWeight: 300 }] },
        network: { classID: 1, priorities: [{ name: 'eth0', priority: 1 }] },
      };
      c.linux.intelRdt = { closID: '/', schemata: ['L3:0=7f0'], memBwSchema: 'MB:0=20', enableMonitoring: true };
      c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0-1', flags: ['MPOL_F_STATIC_NODES'] };
      c.linux.seccomp = {
        defaultAction: 'SCMP_ACT_ERRNO',
        defaultErrnoRet: 1,
        listenerPath: '/run/agent.sock',
        listenerMetadata: 'x',
        flags: ['SECCOMP_FILTER_FLAG_LOG'],
        syscalls: [{ names: ['kill'], action: 'SCMP_ACT_TRACE', errnoRet: 3, args: [{ index: 1, value: 0, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] }],
      };
      c.linux.personality = { domain: 'LINUX32', flags: [] };
      c.linux.rootfsPropagation = 'rslave';
      c.hooks = { prestart: [{ path: '/bin/true' }], poststop: [{ path: '/bin/true', args: ['true'], env: ['A=1'], timeout: 3 }] };
      c.annotations = {};
    });
    expect(() => validateConfig(config)).not.toThrow();
  });
});

describe('validateConfig: semantic rules', () => {
  it.each<[string, (c: Json) => void, string]>([
    ['duplicate namespace', (c) => c.linux.namespaces.push({ type: 'pid' }), 'config.json: linux.namespaces: duplicate namespace type "pid"'],
    ['relative namespace path', (c) => c.linux.namespaces.push({ type: 'network', path: 'netns/a' }), 'config.json: linux.namespaces[2].path: must be an absolute path'],
    [
      'duplicate rlimit',
      (c) => (c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }, { type: 'RLIMIT_CORE', soft: 1, hard: 1 }, { type: 'RLIMIT_NOFILE', soft: 2, hard: 2 }]),
      'config.json: process.rlimits: duplicate rlimit type "RLIMIT_NOFILE"',
    ],
    ['rlimit soft above hard', (c) => (c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 2048, hard: 1024 }]), 'config.json: process.rlimits[0]: soft limit 2048 exceeds hard limit 1024'],
    ['relative cwd', (c) => (c.process.cwd = 'home'), 'config.json: process.cwd: must be an absolute path'],
    ['relative hook path', (c) => (c.hooks = { createContainer: [{ path: '/ok' }, { path: 'hook.sh' }] }), 'config.json: hooks.createContainer[1].path: must be an absolute path'],
    ['relative masked path', (c) => (c.linux.maskedPaths = ['/proc/kcore', 'proc/keys']), 'config.json: linux.maskedPaths[1]: must be an absolute path'],
    ['relative readonly path', (c) => (c.linux.readonlyPaths = ['sys']), 'config.json: linux.readonlyPaths[0]: must be an absolute path'],
    [
      'listenerMetadata without listenerPath',
      (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerMetadata: 'meta' }),
      'config.json: linux.seccomp.listenerMetadata: must not be set without listenerPath',
    ],
    [
      'errnoRet with a non-errno action',
      (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['kill'], action: 'SCMP_ACT_KILL', errnoRet: 1 }] }),
      'config.json: linux.seccomp.syscalls[0].errnoRet: not allowed with action SCMP_ACT_KILL (only SCMP_ACT_ERRNO or SCMP_ACT_TRACE)',
    ],
    [
      'defaultErrnoRet with a non-errno default',
      (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', defaultErrnoRet: 1 }),
      'config.json: linux.seccomp.defaultErrnoRet: not allowed with defaultAction SCMP_ACT_ALLOW (only SCMP_ACT_ERRNO or SCMP_ACT_TRACE)',
    ],
    [
      'mount uidMappings without gidMappings',
      (c) => (c.mounts = [{ destination: '/m', options: ['idmap'], uidMappings: [{ containerID: 0, hostID: 1, size: 1 }] }]),
      'config.json: mounts[0].uidMappings: must be specified together with gidMappings',
    ],
    [
      'mount gidMappings without uidMappings',
      (c) => (c.mounts = [{ destination: '/m', gidMappings: [{ containerID: 0, hostID: 1, size: 1 }] }]),
      'config.json: mounts[0].gidMappings: must be specified together with uidMappings',
    ],
    [
      'idmap without any mapping',
      (c) => (c.mounts = [{ destination: '/m', source: '/src', options: ['bind', 'idmap'] }]),
      'config.json: mounts[0].options: "idmap" needs uidMappings/gidMappings on the mount or a user namespace for the container',
    ],
    ['cpu burst above quota', (c) => (c.linux.resources = { cpu: { quota: 1000, burst: 2000 } }), 'config.json: linux.resources.cpu.burst: must not be larger than quota (1000)'],
    ['swappiness above 100', (c) => (c.linux.resources = { memory: { swappiness: 101 } }), 'config.json: linux.resources.memory.swappiness: must be between 0 and 100'],
    ['weightDevice without weights', (c) => (c.linux.resources = { blockIO: { weightDevice: [{ major: 8, minor: 0 }] } }), 'config.json: linux.resources.blockIO.weightDevice[0]: must set weight or leafWeight (or both)'],
    ['rdma without limits', (c) => (c.linux.resources = { rdma: { 'mlx5.1': {} } }), 'config.json: linux.resources.rdma["mlx5.1"]: must set hcaHandles or hcaObjects (or both)'],
    ['char device without major', (c) => (c.linux.devices = [{ path: '/dev/x', type: 'c', minor: 1 }]), 'config.json: linux.devices[0].major: required unless type is "p"'],
    ['relative device path', (c) => (c.linux.devices = [{ path: 'dev/x', type: 'p' }]), 'config.json: linux.devices[0].path: must be an absolute path'],
    ['time offset clock', (c) => (c.linux.timeOffsets = { realtime: { secs: 1 } }), 'config.json: linux.timeOffsets.realtime: unknown clock (only monotonic and boottime can be offset)'],
    ['time offset nanosecs', (c) => (c.linux.timeOffsets = { boottime: { nanosecs: 1000000000 } }), 'config.json: linux.timeOffsets.boottime.nanosecs: must be less than 1000000000'],
    ['netDevice name too long', (c) => (c.linux.netDevices = { eth0: { name: 'a-very-long-interface' } }), 'config.json: linux.netDevices.eth0.name: must be at most 15 bytes long'],
    ['netDevice key with slash', (c) => (c.linux.netDevices = { 'a/b': {} }), 'config.json: linux.netDevices["a/b"]: interface name must not contain "/", ":" or whitespace'],
    ['memory policy nodes for MPOL_LOCAL', (c) => (c.linux.memoryPolicy = { mode: 'MPOL_LOCAL', nodes: '0' }), 'config.json: linux.memoryPolicy.nodes: must be empty for MPOL_LOCAL'],
    ['memory policy without nodes for MPOL_BIND', (c) => (c.linux.memoryPolicy = { mode: 'MPOL_BIND' }), 'config.json: linux.memoryPolicy.nodes: required for MPOL_BIND'],
    [
      'memory policy conflicting flags',
      (c) => (c.linux.memoryPolicy = { mode: 'MPOL_PREFERRED', flags: ['MPOL_F_STATIC_NODES', 'MPOL_F_RELATIVE_NODES'] }),
      'config.json: linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES cannot be combined',
    ],
    ['closID escaping resctrl', (c) => (c.linux.intelRdt = { closID: '../x' }), 'config.json: linux.intelRdt.closID: must be "/" or a single directory name'],
    ['personality flags', (c) => (c.linux.personality = { domain: 'LINUX', flags: ['ADDR_NO_RANDOMIZE'] }), 'config.json: linux.personality.flags[0]: unsupported flag "ADDR_NO_RANDOMIZE" (the spec defines none)'],
    ['nice out of range', (c) => (c.process.scheduler = { policy: 'SCHED_OTHER', nice: 20 }), 'config.json: process.scheduler.nice: must be between -20 and 19'],
    ['priority on SCHED_OTHER', (c) => (c.process.scheduler = { policy: 'SCHED_OTHER', priority: 5 }), 'config.json: process.scheduler.priority: can only be set for SCHED_FIFO or SCHED_RR, not SCHED_OTHER'],
    ['priority out of RT range', (c) => (c.process.scheduler = { policy: 'SCHED_RR', priority: 100 }), 'config.json: process.scheduler.priority: must be between 1 and 99 for SCHED_RR'],
    ['deadline knobs on SCHED_BATCH', (c) => (c.process.scheduler = { policy: 'SCHED_BATCH', runtime: 5 }), 'config.json: process.scheduler.runtime: can only be set for SCHED_DEADLINE, not SCHED_BATCH'],
    ['descending cpu range', (c) => (c.process.execCPUAffinity = { final: '0,5-2' }), 'config.json: process.execCPUAffinity.final: range in "0,5-2" ends before it starts'],
    ['empty annotation key', (c) => (c.annotations = { '': 'x' }), 'config.json: annotations: keys must not be empty'],
  ])('%s', (_name, change, message) => {
    expect(messageFor(configWith(change))).toBe(message);
  });

  it('allows idmap mounts that rely on the container user namespace', () => {
    const config = configWith((c) => {
      c.linux.namespaces.push({ type: 'user' });
      c.mounts = [{ destination: '/m', source: '/src', options: ['rbind', 'ridmap'] }];
    });
    expect(() => validateConfig(config)).not.toThrow();
  });

  it('allows burst when quota is unlimited', () => {
    expect(() => validateConfig(configWith((c) => (c.linux.resources = { cpu: { quota: -1, burst: 9 } })))).not.toThrow();
  });
});

describe('parseConfigFile', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'skiff-spec-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads and validates', () => {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(baseConfig()));
    expect(parseConfigFile(file).root.path).toBe('rootfs');
  });

  it('reports invalid JSON', () => {
    const file = join(dir, 'config.json');
    writeFileSync(file, '{"ociVersion": ');
    expect(messageFor(file, parseConfigFile)).toMatch(/^config\.json: invalid JSON: \S/);
  });

  it('reports a missing file', () => {
    expect(messageFor(join(dir, 'config.json'), parseConfigFile)).toMatch(/^config\.json: cannot read .*ENOENT/);
  });

  it('names schema failures after the file', () => {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(configWith((c) => (c.process.args = []))));
    expect(messageFor(file, parseConfigFile)).toBe('config.json: process.args: must have at least 1 item');
  });
});

describe('validateProcess', () => {
  it('accepts an exec process and reports fields from the process root', () => {
    expect(validateProcess({ cwd: '/', args: ['ls'] }).args).toEqual(['ls']);
    expect(messageFor({ cwd: '/', args: [] }, validateProcess)).toBe('process.json: args: must have at least 1 item');
    expect(messageFor({ cwd: 'tmp', args: ['ls'] }, validateProcess)).toBe('process.json: cwd: must be an absolute path');
    expect(messageFor({ args: ['ls'] }, validateProcess)).toBe('process.json: cwd: required property missing');
  });
});

describe('validateState', () => {
  const state = { ociVersion: '1.2.0', id: 'c1', status: 'created', pid: 42, bundle: '/b' };

  it('accepts runtime-defined extra properties and statuses', () => {
    expect(validateState({ ...state, status: 'paused', extra: { x: 1 } }).status).toBe('paused');
    expect(() => validateState({ ...state, status: 'stopped', pid: undefined })).not.toThrow();
  });

  it('requires pid for created and running containers', () => {
    expect(messageFor({ ...state, pid: undefined }, validateState)).toBe('state.json: pid: required property missing');
    expect(messageFor({ ...state, status: 'running', pid: undefined }, validateState)).toBe('state.json: pid: required property missing');
  });

  it('requires an absolute bundle and string annotations', () => {
    expect(messageFor({ ...state, bundle: 'b' }, validateState)).toBe('state.json: bundle: must be an absolute path');
    expect(messageFor({ ...state, annotations: { a: true } }, validateState)).toBe('state.json: annotations.a: must be a string');
    expect(messageFor({ ...state, id: undefined }, validateState)).toBe('state.json: id: required property missing');
  });
});

describe('validateFeatures', () => {
  const features = { ociVersionMin: '1.0.0', ociVersionMax: '1.3.0' };

  it('accepts null for every optional property', () => {
    const nulls = {
      ...features,
      hooks: null,
      mountOptions: null,
      annotations: null,
      potentiallyUnsafeConfigAnnotations: null,
      linux: {
        namespaces: null,
        capabilities: null,
        cgroup: null,
        seccomp: { enabled: null, actions: null },
        apparmor: null,
        selinux: { enabled: null },
        memoryPolicy: null,
        intelRdt: { enabled: true, schemata: null, monitoring: false },
        mountExtensions: { idmap: null },
        netDevices: null,
      },
    };
    expect(() => validateFeatures(nulls)).not.toThrow();
    expect(() => validateFeatures({ ...features, linux: null })).not.toThrow();
  });

  it('rejects properties the spec does not define', () => {
    expect(messageFor({ ...features, extra: 1 }, validateFeatures)).toBe('features.json: extra: unknown property (not allowed here)');
    expect(messageFor({ ...features, linux: { cgroup: { v3: true } } }, validateFeatures)).toBe(
      'features.json: linux.cgroup.v3: unknown property (not allowed here)',
    );
  });

  it('reports the real problem inside a nullable object', () => {
    expect(messageFor({ ...features, linux: { seccomp: { enabled: 'yes' } } }, validateFeatures)).toBe(
      'features.json: linux.seccomp.enabled: must be a boolean or null',
    );
    expect(messageFor({ ...features, linux: 5 }, validateFeatures)).toBe('features.json: linux: must be an object or null');
  });

  it('requires ociVersionMax >= ociVersionMin', () => {
    expect(messageFor({ ociVersionMin: '1.1.0', ociVersionMax: '1.1.0-rc.1' }, validateFeatures)).toBe(
      'features.json: ociVersionMax: must not be less than ociVersionMin (1.1.0)',
    );
    expect(() => validateFeatures({ ociVersionMin: '1.0.0-rc.2', ociVersionMax: '1.0.0' })).not.toThrow();
  });
});
