/**
 * Namespaces as seen from inside and outside the container: new ones, joined
 * ones, user namespaces with id mappings, time namespace offsets, and what
 * lives in them (hostname, domainname, sysctls).
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import {
  addBindMount,
  itIf,
  itSpecNotRunc,
  kernelAllowsUserNamespaces,
  kernelHasTimeNamespace,
  makeBundle,
  ok,
  OciConfig,
  removeNamespace,
  runtimeSupports,
  scratchDir,
  setNamespace,
  shell,
  tracesOfContainer,
  uniqueName,
  scriptRunner,
  useE2E,
} from '../helpers';
import { readProcessCgroups } from '../helpers/cgroup-hierarchies';

const e2e = useE2E();

const { output } = scriptRunner(e2e, 'ns');

/** Namespace type in config.json -> name under /proc/<pid>/ns. */
const NS_FILE: Record<string, string> = { pid: 'pid', network: 'net', ipc: 'ipc', uts: 'uts', mount: 'mnt', cgroup: 'cgroup', user: 'user', time: 'time' };

function hostNs(type: string): string {
  return fs.readlinkSync(`/proc/self/ns/${NS_FILE[type]}`);
}

function readHost(file: string): string {
  return fs.readFileSync(file, 'utf8').trim();
}

describe('hostname, domainname, sysctl', () => {
  it('hostname is set in the container only', () => {
    const hostBefore = readHost('/proc/sys/kernel/hostname');
    const out = output('hostname', (c) => (c.hostname = 'inside-host'));
    expect(out).toBe('inside-host\n');
    expect(readHost('/proc/sys/kernel/hostname')).toBe(hostBefore);
  });

  itSpecNotRunc('domainname is set in the container only (runc 1.1 ignores it)', () => {
    const hostBefore = readHost('/proc/sys/kernel/domainname');
    const out = output('cat /proc/sys/kernel/domainname', (c) => (c.domainname = 'inside.example'));
    expect(out).toBe('inside.example\n');
    expect(readHost('/proc/sys/kernel/domainname')).toBe(hostBefore);
  });

  it('linux.sysctl is applied in the container namespaces only', () => {
    const hostForward = readHost('/proc/sys/net/ipv4/ip_forward');
    const hostMsgmax = readHost('/proc/sys/kernel/msgmax');
    const out = output('cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax', (c) => {
      c.linux!.sysctl = { 'net.ipv4.ip_forward': hostForward === '1' ? '0' : '1', 'kernel.msgmax': '4321' };
    });
    expect(out).toBe(`${hostForward === '1' ? '0' : '1'}\n4321\n`);
    expect(readHost('/proc/sys/net/ipv4/ip_forward')).toBe(hostForward);
    expect(readHost('/proc/sys/kernel/msgmax')).toBe(hostMsgmax);
  });

  it('a sysctl of a namespace the container does not own is refused, and the host keeps its value', () => {
    const rt = e2e.runtime();
    const id = uniqueName('sysctlhost');
    const file = '/proc/sys/net/ipv4/ip_default_ttl';
    const before = readHost(file);
    const other = String(before === '64' ? 65 : 64);
    const bundle = makeBundle({
      args: ['true'],
      configure: (c) => {
        removeNamespace(c, 'network');
        c.linux!.sysctl = { 'net.ipv4.ip_default_ttl': other };
      },
    });
    try {
      const result = rt.create(id, bundle);
      expect(readHost(file)).toBe(before);
      expect(result.code).not.toBe(0);
      expect(tracesOfContainer({ root: rt.root, id, bundle: bundle.path })).toEqual([]);
    } finally {
      // A runtime that wrote the host's sysctl must not leave the host changed.
      if (readHost(file) !== before) fs.writeFileSync(file, before);
    }
  });
});

describe('new namespaces', () => {
  it('every listed namespace is new, and an unlisted one is the host', () => {
    const types = ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup'];
    const script = types.map((t) => `echo ${t} $(readlink /proc/self/ns/${NS_FILE[t]})`).join('; ') + '; echo self $$';
    const out = output(script);
    for (const type of types) expect(out).toContain(`${type} `);
    for (const line of out.trim().split('\n')) {
      const [type, value] = line.split(' ');
      if (type === 'self') expect(value).toBe('1');
      else expect({ type, differs: value !== hostNs(type) }).toEqual({ type, differs: true });
    }
    const shared = output(`readlink /proc/self/ns/net`, (c) => removeNamespace(c, 'network'));
    expect(shared.trim()).toBe(hostNs('network'));
  });

  it('a new network namespace has only loopback', () => {
    const out = output('ls /sys/class/net');
    expect(out.trim().split(/\s+/)).toEqual(['lo']);
  });

  it('a cgroup namespace shows the container its own cgroup as the root', () => {
    const out = output('cat /proc/self/cgroup');
    for (const line of out.trim().split('\n')) expect(line).toMatch(/:\/$/);
  });
});

describe('joining namespaces by path', () => {
  it('joins the network, ipc and uts namespaces of another container', () => {
    const rt = e2e.runtime();
    const first = uniqueName('nsowner');
    ok(rt.run(first, makeBundle({ args: ['sleep', '1000'], configure: (c) => (c.hostname = 'owner-host') }), { detach: true }));
    const pid = rt.state(first).pid!;
    const joined = ['network', 'ipc', 'uts'];
    const script = joined.map((t) => `readlink /proc/self/ns/${NS_FILE[t]}`).join('; ') + '; hostname';
    const bundle = makeBundle({
      configure: (c) => {
        shell(c, script);
        delete c.hostname;
        for (const t of joined) setNamespace(c, t, `/proc/${pid}/ns/${NS_FILE[t]}`);
      },
    });
    const result = rt.run(uniqueName('nsjoiner'), bundle);
    expect(result.stderr).toBe('');
    const expected = joined.map((t) => fs.readlinkSync(`/proc/${pid}/ns/${NS_FILE[t]}`));
    expect(result.stdout.trim().split('\n')).toEqual([...expected, 'owner-host']);
  });

  // The joiner is in cgroups of its own, which it sees relative to the owner's cgroup (that
  // namespace's root). skiff-init clones it into them, then it joins the namespace; with a new user
  // namespace skiff-init joins first (src/container/namespaces.ts).
  const joinsCgroupNamespace = (withUserNs: boolean) => () => {
    const rt = e2e.runtime();
    const owner = uniqueName('cgnsowner');
    ok(rt.run(owner, makeBundle({ args: ['sleep', '1000'], configure: (c) => setNamespace(c, 'cgroup') }), { detach: true }));
    const ownerPid = rt.state(owner).pid!;
    const id = uniqueName('cgnsjoiner');
    const bundle = makeBundle({
      configure: (c) => {
        shell(c, 'cat /proc/self/cgroup; exec sleep 1000');
        setNamespace(c, 'cgroup', `/proc/${ownerPid}/ns/cgroup`);
        if (withUserNs) {
          setNamespace(c, 'user');
          c.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
          c.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        }
      },
    });
    ok(rt.create(id, bundle));
    const pid = rt.state(id).pid!;
    const own = readProcessCgroups(pid);
    const ownerCgroups = readProcessCgroups(ownerPid);
    // In its own cgroup in every hierarchy, before start.
    expect(new Set(own.values())).toEqual(new Set([expect.stringMatching(new RegExp(`/${id}$`))]));
    ok(rt.start(id));
    const deadline = Date.now() + 10000;
    while (!rt.output(id).stdout.trim() && Date.now() < deadline) spawnSync('sleep', ['0.05']);
    expect(fs.readlinkSync(`/proc/${pid}/ns/cgroup`)).toBe(fs.readlinkSync(`/proc/${ownerPid}/ns/cgroup`));
    const inside = new Map(rt.output(id).stdout.trim().split('\n').map((l) => {
      const [, controllers, cgroup] = /^\d+:([^:]*):(.*)$/.exec(l)!;
      return [controllers, cgroup] as [string, string];
    }));
    const expected = new Map([...own].map(([key, cgroup]) => [key, '/' + path.posix.relative(ownerCgroups.get(key)!, cgroup)]));
    expect(inside).toEqual(expected);
  };

  it("joins another container's cgroup namespace from cgroups of its own", joinsCgroupNamespace(false));

  itIf(kernelAllowsUserNamespaces(), 'user namespaces are disabled', "joins another container's cgroup namespace with a new user namespace", joinsCgroupNamespace(true));

  it('a path to a namespace of another type is refused, leaving nothing', () => {
    const rt = e2e.runtime();
    const id = uniqueName('nswrong');
    const bundle = makeBundle({ args: ['true'], configure: (c) => setNamespace(c, 'network', '/proc/self/ns/uts') });
    const result = rt.create(id, bundle);
    expect(result.code).not.toBe(0);
    expect(tracesOfContainer({ root: rt.root, id, bundle: bundle.path })).toEqual([]);
  });

  it('a path that does not exist is refused, leaving nothing', () => {
    const rt = e2e.runtime();
    const id = uniqueName('nsmissing');
    const bundle = makeBundle({ args: ['true'], configure: (c) => setNamespace(c, 'ipc', '/proc/999999999/ns/ipc') });
    const result = rt.create(id, bundle);
    expect(result.code).not.toBe(0);
    expect(tracesOfContainer({ root: rt.root, id, bundle: bundle.path })).toEqual([]);
  });

  it('a duplicated namespace type is refused, leaving nothing', () => {
    const rt = e2e.runtime();
    const id = uniqueName('nsdup');
    const bundle = makeBundle({ args: ['true'], configure: (c) => c.linux!.namespaces!.push({ type: 'network' }) });
    const result = rt.create(id, bundle);
    expect(result.code).not.toBe(0);
    expect(tracesOfContainer({ root: rt.root, id, bundle: bundle.path })).toEqual([]);
  });
});

describe('user namespace', () => {
  const HOST_UID = 100000;
  const SIZE = 65536;

  function userns(c: OciConfig): void {
    setNamespace(c, 'user');
    c.linux!.uidMappings = [{ containerID: 0, hostID: HOST_UID, size: SIZE }];
    c.linux!.gidMappings = [{ containerID: 0, hostID: HOST_UID, size: SIZE }];
  }

  itIf(kernelAllowsUserNamespaces(), 'user namespaces are disabled', 'root inside is the mapped uid outside', () => {
    const rt = e2e.runtime();
    const id = uniqueName('userns');
    const data = scratchDir('userns-data');
    fs.chownSync(data, HOST_UID, HOST_UID);
    const bundle = makeBundle({
      configure: (c) => {
        userns(c);
        addBindMount(c, data, '/data');
        shell(c, 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; echo made > /data/file; exec sleep 1000');
      },
    });
    // Mapped root may not create the mount point in a rootfs owned by host root.
    fs.mkdirSync(path.join(bundle.rootfs, 'data'));
    ok(rt.run(id, bundle, { detach: true }));
    const file = path.join(data, 'file');
    const deadline = Date.now() + 10000;
    while (!fs.existsSync(file) && Date.now() < deadline) spawnSync('sleep', ['0.05']);
    const out = rt.output(id).stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    expect(out).toEqual(['0', '0', `0 ${HOST_UID} ${SIZE}`, `0 ${HOST_UID} ${SIZE}`]);
    const pid = rt.state(id).pid!;
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    expect(status).toMatch(new RegExp(`^Uid:\\s+${HOST_UID}\\s+${HOST_UID}\\s+${HOST_UID}\\s+${HOST_UID}$`, 'm'));
    expect(fs.readlinkSync(`/proc/${pid}/ns/user`)).not.toBe(hostNs('user'));
    expect(fs.statSync(file).uid).toBe(HOST_UID);
  });

  itIf(kernelAllowsUserNamespaces(), 'user namespaces are disabled', 'a host file of an unmapped owner shows as nobody', () => {
    // The rootfs is owned by host root, which is not mapped.
    const out = output('stat -c %u /bin/busybox', userns);
    expect(out.trim()).toBe('65534');
  });
});

describe('time namespace', () => {
  itIf(
    kernelHasTimeNamespace() && runtimeSupports(e2e.binary, { namespace: 'time' }),
    'needs a kernel with time namespaces and a runtime that supports them',
    'timeOffsets move the monotonic and boot clocks',
    () => {
      const tenDays = 10 * 24 * 3600;
      const out = output('cut -d" " -f1 /proc/uptime; readlink /proc/self/ns/time', (c) => {
        setNamespace(c, 'time');
        c.linux!.timeOffsets = { monotonic: { secs: tenDays, nanosecs: 0 }, boottime: { secs: tenDays, nanosecs: 0 } };
      });
      const [uptime, ns] = out.trim().split('\n');
      const hostUptime = Number(readHost('/proc/uptime').split(' ')[0]);
      expect(Number(uptime)).toBeGreaterThanOrEqual(tenDays + hostUptime - 5);
      expect(ns).not.toBe(hostNs('time'));
    },
  );
});
