/** --systemd-cgroup's pure parts: unit names and slice paths, scope properties, the D-Bus wire format. */
import { expandSlice, systemdUnitFor } from '../../src/cgroups/systemd/unit';
import { scopeProperties } from '../../src/cgroups/systemd/scope';
import { decodeMessage, encodeMethodCall, messageLength, splitSignature } from '../../src/cgroups/systemd/dbus-message';
import type { Hierarchy } from '../../src/cgroups/layout';

jest.mock('fs', () => {
  const real = jest.requireActual('fs');
  return { ...real, existsSync: (p: string) => (p === '/run/systemd/system' ? true : real.existsSync(p)) };
});

describe('slices and unit names', () => {
  test('a slice name expands into its parents, as systemd lays them out', () => {
    expect(expandSlice('system.slice')).toBe('/system.slice');
    expect(expandSlice('a-b-c.slice')).toBe('/a.slice/a-b.slice/a-b-c.slice');
    expect(expandSlice('-.slice')).toBe('');
    for (const bad of ['a--b.slice', '-a.slice', 'a-.slice', 'foo', 'a/b.slice']) expect(() => expandSlice(bad)).toThrow(/invalid slice/);
  });

  test('slice:prefix:name becomes <prefix>-<name>.scope in that slice; no path means system.slice:skiff:<id>', () => {
    expect(systemdUnitFor('machine.slice:podman:abc', 'x')).toEqual({ slice: 'machine.slice', name: 'podman-abc.scope', cgroupPath: '/machine.slice/podman-abc.scope' });
    expect(systemdUnitFor(undefined, 'c1')).toEqual({ slice: 'system.slice', name: 'skiff-c1.scope', cgroupPath: '/system.slice/skiff-c1.scope' });
    expect(systemdUnitFor(':p:n', 'x').cgroupPath).toBe('/system.slice/p-n.scope');
    expect(systemdUnitFor('user.slice::n', 'x').name).toBe('n.scope');
  });

  test('other cgroupsPath forms get runc\'s message', () => {
    expect(() => systemdUnitFor('/abs/path', 'x')).toThrow('expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "/abs/path" instead');
    expect(() => systemdUnitFor('a.slice:p:../x', 'x')).toThrow(/invalid systemd unit name/);
  });
});

describe('scope properties', () => {
  const v1: Hierarchy[] = [{ mountPoint: '/sys/fs/cgroup/memory', controllers: ['memory'], version: 1 }, { mountPoint: '/sys/fs/cgroup/cpu,cpuacct', controllers: ['cpu', 'cpuacct'], version: 1 }];
  const v2: Hierarchy[] = [{ mountPoint: '/sys/fs/cgroup', controllers: [], version: 2 }];
  const resources = { memory: { limit: 1048576 }, pids: { limit: -1 }, cpu: { shares: 1024, quota: 150000, period: 100000 } };
  const byName = (props: any[]) => Object.fromEntries(props.map(([k, v]) => [k, v]));

  test('delegated, with the pid, and the limits in the v1 names on v1', () => {
    const p = byName(scopeProperties('c1', 'system.slice', 42, resources, v1));
    expect(p.Delegate).toEqual(['b', true]);
    expect(p.PIDs).toEqual(['au', [42]]);
    expect(p.Slice).toEqual(['s', 'system.slice']);
    expect(p.MemoryLimit).toEqual(['t', 1048576n]);
    expect(p.TasksMax).toEqual(['t', 18446744073709551615n]);
    expect(p.CPUShares).toEqual(['t', 1024n]);
    expect(p.CPUQuotaPerSecUSec).toEqual(['t', 1500000n]);
  });

  test('and in the v2 names on cgroup v2', () => {
    const p = byName(scopeProperties('c1', 'system.slice', 42, resources, v2));
    expect(p.MemoryMax).toEqual(['t', 1048576n]);
    expect(p.CPUWeight).toEqual(['t', 100n]); // the v1 default maps to the v2 default
    expect(p.MemoryLimit).toBeUndefined();
  });
});

describe('D-Bus messages', () => {
  test('signatures split into complete types', () => {
    expect(splitSignature('ssa(sv)a(sa(sv))')).toEqual(['s', 's', 'a(sv)', 'a(sa(sv))']);
    expect(() => splitSignature('a(s')).toThrow();
  });

  test('a method call has the fixed header, its fields and an 8-aligned body', () => {
    const msg = encodeMethodCall({ destination: 'org.freedesktop.systemd1', path: '/org/freedesktop/systemd1', interface: 'org.freedesktop.systemd1.Manager', member: 'StopUnit', signature: 'ss', body: ['u.scope', 'replace'] }, 7);
    expect(msg.toString('latin1', 0, 4)).toBe('l\x01\x00\x01');
    expect(msg.readUInt32LE(8)).toBe(7);
    expect(messageLength(msg)).toBe(msg.length);
    expect(messageLength(msg.subarray(0, msg.length - 1))).toBe(0);
    const bodyLength = msg.readUInt32LE(4);
    const body = msg.subarray(msg.length - bodyLength);
    // "u.scope": length 7, bytes, NUL; pad to 4; "replace": length 7, bytes, NUL.
    expect(body.readUInt32LE(0)).toBe(7);
    expect(body.toString('latin1', 4, 11)).toBe('u.scope');
    expect(body.readUInt32LE(12)).toBe(7);
    expect(body.toString('latin1', 16, 23)).toBe('replace');
    const header = decodeMessage(msg);
    expect(header.signature).toBe('ss');
    expect(header.firstString).toBe('u.scope');
  });

  test('an array of structs counts its length from the first element, after the padding', () => {
    const msg = encodeMethodCall({ destination: 'd', path: '/p', interface: 'i', member: 'm', signature: 'a(sv)', body: [[['Delegate', ['b', true]]]] }, 1);
    const body = msg.subarray(msg.length - msg.readUInt32LE(4));
    // length (4) + padding to 8 (4) + "Delegate" string (4+8+1) + signature "b" (1+1+1) + pad to 4 + uint32
    expect(body.readUInt32LE(0)).toBe(body.length - 8);
  });
});
