/**
 * --systemd-cgroup against a real systemd. These hosts have no systemd as init, so the test boots
 * Debian's systemd (the host's own /usr, read-only) as pid 1 of a privileged skiff container and
 * runs the runtime inside it, where systemd is the init and answers on /run/systemd/private.
 * Without systemd, --systemd-cgroup is a clear error that leaves nothing behind.
 */
import * as fs from 'fs';
import * as path from 'path';
import { itIf, makeBundle, ok, OciConfig, RuntimeUnderTest, uniqueName, useE2E } from '../helpers';

const e2e = useE2E();

const SYSTEMD = '/lib/systemd/systemd';
const hostRunsSystemd = fs.existsSync('/run/systemd/system');

/** Every capability the host kernel knows: systemd as pid 1 and a runtime inside need most of them. */
function allCapabilities(): string[] {
  const last = Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
  const names = ['CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
    'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE',
    'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME',
    'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG',
    'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF', 'CHECKPOINT_RESTORE'];
  // Root here lacks CAP_SYS_RESOURCE (and may lack others): grant only what we hold.
  const held = BigInt(`0x${/CapBnd:\s*([0-9a-f]+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]}`);
  return names.slice(0, last + 1).filter((_, bit) => (held >> BigInt(bit)) & 1n).map((n) => `CAP_${n}`);
}

/** A container whose pid 1 is systemd, with the runtime's directory and the inner bundle mounted in. */
function systemdBundle(runtimeDir: string, innerBundle: string) {
  const bundle = makeBundle({
    rootfs: 'empty',
    configure: (c: OciConfig) => {
      const caps = allCapabilities();
      c.process!.args = [SYSTEMD];
      c.process!.env = ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'container=skiff'];
      c.process!.capabilities = { bounding: caps, effective: caps, permitted: caps };
      c.process!.noNewPrivileges = false;
      delete c.process!.rlimits;
      c.root = { path: 'rootfs', readonly: true };
      c.hostname = 'systemd-host';
      c.mounts = [
        { destination: '/proc', type: 'proc', source: 'proc' },
        { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'mode=755'] },
        { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'] },
        { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'nodev', 'mode=1777'] },
        { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev'] },
        { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev'] },
        { destination: '/usr', type: 'bind', source: '/usr', options: ['rbind', 'ro'] },
        { destination: '/etc', type: 'bind', source: '/etc', options: ['rbind', 'ro'] },
        { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=755'] },
        { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777'] },
        { destination: '/var', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=755'] },
        { destination: '/runtime-bin', type: 'bind', source: runtimeDir, options: ['rbind', 'ro'] },
        { destination: '/inner', type: 'bind', source: innerBundle, options: ['rbind', 'ro'] },
      ];
      c.linux = {
        namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'cgroup' }],
        resources: { devices: [{ allow: true, access: 'rwm' }] },
      };
    },
  });
  // Debian merged /usr: the top-level directories are links into it.
  for (const [link, target] of [['bin', 'usr/bin'], ['sbin', 'usr/sbin'], ['lib', 'usr/lib'], ['lib64', 'usr/lib64']]) {
    fs.symlinkSync(target, path.join(bundle.rootfs, link));
  }
  for (const d of ['usr', 'etc', 'proc', 'sys', 'dev', 'run', 'tmp', 'var', 'runtime-bin', 'inner']) fs.mkdirSync(path.join(bundle.rootfs, d));
  return bundle;
}

describe('--systemd-cgroup', () => {
  itIf(!hostRunsSystemd, 'this host runs systemd', 'without systemd as init: a clear error, and no container, cgroup or process left', () => {
    const rt = e2e.runtime({ globalArgs: ['--systemd-cgroup'] });
    const id = uniqueName('nosd');
    const r = rt.run(id, makeBundle({ args: ['/bin/true'] }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/systemd is not running|systemd/i);
    expect(ok(rt.invoke(['list', '-q'])).stdout.trim()).toBe('');
  });

  itIf(fs.existsSync(SYSTEMD) && !e2e.reference, fs.existsSync(SYSTEMD)
    ? 'runc and crun reach systemd through the system bus daemon, which this container has not'
    : `no ${SYSTEMD} on this host`,
  'inside a container whose init is systemd: the container is a transient scope with the limits, and delete stops it', () => {
    const inner = makeBundle({
      args: ['/bin/sleep', '1000'],
      configure: (c) => {
        c.linux!.cgroupsPath = 'machine-skifftest.slice:skiff:inner1';
        c.linux!.resources = { ...c.linux!.resources, memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 50 }, cpu: { shares: 512, quota: 50000, period: 100000 } };
      },
    });
    const plain = makeBundle({ args: ['/bin/sleep', '1000'] });
    fs.renameSync(plain.path, path.join(inner.path, 'plain'));
    fs.mkdirSync(plain.path); // for the cleanup tracker
    const rt = e2e.runtime({ timeoutMs: 60_000 });
    const sd = uniqueName('systemd');
    ok(rt.run(sd, systemdBundle(path.dirname(e2e.binary), inner.path), { detach: true, stdio: 'ignore' }));

    const innerRt = `/runtime-bin/${path.basename(e2e.binary)}`;
    const sh = (script: string) => rt.exec(sd, ['/bin/sh', '-c', script], { timeoutMs: 60_000 });
    // The manager is up once it answers; the boot may end "degraded" (host units that cannot start here).
    const boot = sh('for i in $(seq 400); do [ -S /run/systemd/private ] && break; sleep 0.05; done; systemctl is-system-running --wait; true');
    expect(`${boot.stdout}${boot.stderr}`).toMatch(/running|degraded/);

    ok(sh(`${innerRt} --systemd-cgroup --root /run/inner run -d --bundle /inner inner1 </dev/null >/dev/null 2>&1`));
    const show = ok(sh('systemctl show skiff-inner1.scope -p ActiveState -p Slice -p Delegate -p MemoryLimit -p TasksMax -p CPUShares -p CPUQuotaPerSecUSec')).stdout;
    expect(show).toContain('ActiveState=active');
    expect(show).toContain('Slice=machine-skifftest.slice');
    expect(show).toContain('Delegate=yes');
    expect(show).toContain('MemoryLimit=67108864');
    expect(show).toContain('TasksMax=50');
    expect(show).toContain('CPUShares=512');
    expect(show).toContain('CPUQuotaPerSecUSec=500ms');
    // The limits are in the scope's cgroup files, where the container's processes are.
    const dir = 'machine.slice/machine-skifftest.slice/skiff-inner1.scope';
    const files = ok(sh(`cd /sys/fs/cgroup && cat memory/${dir}/memory.limit_in_bytes pids/${dir}/pids.max cpu/${dir}/cpu.cfs_quota_us && cat memory/${dir}/cgroup.procs | wc -l`)).stdout.split('\n');
    expect(files.slice(0, 4).map((s) => s.trim())).toEqual(['67108864', '50', '50000', '1']);

    ok(sh(`${innerRt} --systemd-cgroup --root /run/inner delete -f inner1`));
    expect(ok(sh('systemctl show skiff-inner1.scope -p ActiveState')).stdout).toMatch(/ActiveState=inactive/);
    expect(sh(`test -e /sys/fs/cgroup/memory/${dir}`).code).not.toBe(0);

    // Without a cgroupsPath: system.slice, unit skiff-<id>.scope, as runc's runc-<id>.scope.
    ok(sh(`${innerRt} --systemd-cgroup --root /run/inner run -d --bundle /inner/plain plain1 </dev/null >/dev/null 2>&1`));
    expect(ok(sh('systemctl show skiff-plain1.scope -p ActiveState -p Slice')).stdout).toMatch(/ActiveState=active\s+Slice=system\.slice|Slice=system\.slice\s+ActiveState=active/);
    ok(sh(`${innerRt} --systemd-cgroup --root /run/inner delete -f plain1`));
    expect(ok(sh(`${innerRt} --root /run/inner list -q`)).stdout.trim()).toBe('');
  }, 120_000);
});
