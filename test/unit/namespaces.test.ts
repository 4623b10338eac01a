/** namespacePlan: phase 1 records (join, unshare time, clone, id maps) and its checks. */
import { namespacePlan, namespaceProcName } from '../../src/container/namespaces';
import { record } from '../../src/shim/records';

const CLONE = {
  NEWNS: 0x00020000, NEWCGROUP: 0x02000000, NEWUTS: 0x04000000, NEWIPC: 0x08000000,
  NEWUSER: 0x10000000, NEWPID: 0x20000000, NEWNET: 0x40000000, NEWTIME: 0x80,
};
const uidMap = [{ containerID: 0, hostID: 100000, size: 65536 }];
const gidMap = [{ containerID: 0, hostID: 200000, size: 1000 }, { containerID: 1000, hostID: 1000, size: 1 }];

describe('namespaceProcName', () => {
  test('maps spec types to /proc/<pid>/ns names', () => {
    expect(namespaceProcName('network')).toBe('net');
    expect(namespaceProcName('mount')).toBe('mnt');
    expect(namespaceProcName('pid')).toBe('pid');
    expect(namespaceProcName('time')).toBe('time');
    expect(() => namespaceProcName('net')).toThrow('unknown namespace type "net"');
  });
});

describe('namespacePlan', () => {
  test('new namespaces are one clone with their CLONE_NEW* flags, but for cgroup (the init unshares it)', () => {
    const plan = namespacePlan(
      [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'cgroup' }],
      undefined, undefined, undefined,
    );
    expect(plan.records).toEqual([
      record('clone', CLONE.NEWPID | CLONE.NEWNET | CLONE.NEWIPC | CLONE.NEWUTS | CLONE.NEWNS),
    ]);
    expect([...plan.created].sort()).toEqual(['cgroup', 'ipc', 'mount', 'network', 'pid', 'uts']);
    expect(plan.joined.size).toBe(0);
  });

  test('no namespaces: a clone with no flags', () => {
    expect(namespacePlan([], undefined, undefined, undefined).records).toEqual([record('clone', 0)]);
  });

  test('the clone flags are written unsigned', () => {
    const plan = namespacePlan([{ type: 'network' }, { type: 'pid' }, { type: 'user' }], uidMap, gidMap, undefined);
    const clone = plan.records.find((r) => r.op === 'clone')!;
    expect(clone.args).toEqual([String(CLONE.NEWNET + CLONE.NEWPID + CLONE.NEWUSER)]);
    expect(Number(clone.args[0])).toBeGreaterThan(0);
  });

  test('a joined cgroup namespace is joined by the child once it is in its cgroups, unless it gets a new user namespace', () => {
    const joined = { type: 'cgroup', path: '/proc/42/ns/cgroup' };
    expect(namespacePlan([joined, { type: 'pid', path: '/proc/42/ns/pid' }], undefined, undefined, undefined).records).toEqual([
      record('join', 'pid', '/proc/42/ns/pid'),
      record('clone', 0),
      record('child_join', 'cgroup', '/proc/42/ns/cgroup'),
    ]);
    // From a new user namespace the child could not join one the host's user namespace owns.
    expect(namespacePlan([joined, { type: 'user' }], uidMap, gidMap, undefined).records.slice(0, 2)).toEqual([
      record('join', 'cgroup', '/proc/42/ns/cgroup'),
      record('clone', CLONE.NEWUSER),
    ]);
  });

  test('a duplicate type is refused, whether new or joined', () => {
    expect(() => namespacePlan([{ type: 'pid' }, { type: 'pid' }], undefined, undefined, undefined)).toThrow(
      'linux.namespaces: duplicate namespace type "pid"',
    );
    expect(() =>
      namespacePlan([{ type: 'network', path: '/proc/1/ns/net' }, { type: 'network' }], undefined, undefined, undefined),
    ).toThrow('duplicate namespace type "network"');
  });

  test('an unknown type is refused', () => {
    expect(() => namespacePlan([{ type: 'net' }], undefined, undefined, undefined)).toThrow(
      'linux.namespaces: unknown namespace type "net"',
    );
  });

  test('namespaces with a path are joined before the clone, user last', () => {
    const plan = namespacePlan(
      [
        { type: 'user', path: '/proc/42/ns/user' },
        { type: 'network', path: '/var/run/netns/x' },
        { type: 'pid' },
        { type: 'ipc', path: '/proc/42/ns/ipc' },
      ],
      undefined, undefined, undefined,
    );
    expect(plan.records).toEqual([
      record('join', 'net', '/var/run/netns/x'),
      record('join', 'ipc', '/proc/42/ns/ipc'),
      record('join', 'user', '/proc/42/ns/user'),
      record('clone', CLONE.NEWPID),
    ]);
    expect(plan.joined.get('network')).toBe('/var/run/netns/x');
    expect(plan.created.has('network')).toBe(false);
    expect([...plan.created]).toEqual(['pid']);
  });

  test('a new user namespace gets uid_map and gid_map text after the clone', () => {
    const plan = namespacePlan([{ type: 'user' }, { type: 'mount' }], uidMap, gidMap, undefined);
    expect(plan.records).toEqual([
      record('clone', CLONE.NEWUSER | CLONE.NEWNS),
      record('uid_map', '0 100000 65536\n'),
      record('gid_map', '0 200000 1000\n1000 1000 1\n'),
    ]);
  });

  test('a new user namespace without mappings is refused', () => {
    expect(() => namespacePlan([{ type: 'user' }], undefined, gidMap, undefined)).toThrow('needs uidMappings and gidMappings');
    expect(() => namespacePlan([{ type: 'user' }], uidMap, [], undefined)).toThrow('needs uidMappings and gidMappings');
  });

  test('mappings without a new user namespace are refused, also when user is joined', () => {
    expect(() => namespacePlan([{ type: 'pid' }], uidMap, gidMap, undefined)).toThrow(
      'linux.uidMappings: set without a new user namespace',
    );
    expect(() => namespacePlan([{ type: 'user', path: '/proc/1/ns/user' }], uidMap, undefined, undefined)).toThrow(
      'set without a new user namespace',
    );
  });

  test('a time namespace is unshared in the shim, with its offsets, and not a clone flag', () => {
    const plan = namespacePlan(
      [{ type: 'time' }, { type: 'pid' }],
      undefined, undefined,
      { monotonic: { secs: 3600, nanosecs: 5 }, boottime: { secs: -10 } },
    );
    expect(plan.records).toEqual([
      record('unshare', CLONE.NEWTIME),
      record('timens_offset', 'monotonic', 3600, 5),
      record('timens_offset', 'boottime', -10, 0),
      record('clone', CLONE.NEWPID),
    ]);
    expect(plan.created.has('time')).toBe(true);
  });

  test('a time namespace without offsets is just unshared', () => {
    expect(namespacePlan([{ type: 'time' }], undefined, undefined, undefined).records).toEqual([
      record('unshare', CLONE.NEWTIME),
      record('clone', 0),
    ]);
  });

  test('timeOffsets without a new time namespace are refused', () => {
    const offsets = { monotonic: { secs: 1 } };
    expect(() => namespacePlan([{ type: 'pid' }], undefined, undefined, offsets)).toThrow(
      'linux.timeOffsets: set without a new time namespace',
    );
    expect(() => namespacePlan([{ type: 'time', path: '/proc/1/ns/time' }], undefined, undefined, offsets)).toThrow(
      'linux.timeOffsets: set without a new time namespace',
    );
    // An empty object asks for nothing.
    expect(() => namespacePlan([{ type: 'pid' }], undefined, undefined, {})).not.toThrow();
  });

  test('a joined time namespace is a join record, not an unshare', () => {
    expect(namespacePlan([{ type: 'time', path: '/proc/9/ns/time' }], undefined, undefined, undefined).records).toEqual([
      record('join', 'time', '/proc/9/ns/time'),
      record('clone', 0),
    ]);
  });
});
