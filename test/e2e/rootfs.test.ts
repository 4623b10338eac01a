/**
 * The container's file system as a process inside it sees it: mounts and
 * their options, the read-only root, masked and read-only paths, devices and
 * the /dev links, and mount targets that try to escape the rootfs through a
 * symlink.
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import {
  addBindMount,
  DEFAULT_MASKED_PATHS,
  itIf,
  kernelHasMountSetattr,
  makeBundle,
  OciConfig,
  RunResult,
  runtimeSupports,
  scratchDir,
  shell,
  uniqueName,
  useE2E,
} from '../helpers';

const e2e = useE2E();

/** Runs `script` in a fresh container (after `configure`) and returns the result. */
function runScript(script: string, configure?: (c: OciConfig) => void, files?: Record<string, string>): RunResult {
  const rt = e2e.runtime();
  const bundle = makeBundle({
    files,
    configure: (c) => {
      shell(c, script);
      configure?.(c);
    },
  });
  return rt.run(uniqueName('fs'), bundle);
}

/** Like runScript but the container must succeed; returns its stdout. */
function output(script: string, configure?: (c: OciConfig) => void, files?: Record<string, string>): string {
  const result = runScript(script, configure, files);
  if (result.code !== 0) throw new Error(`container failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** The mount at `target` as the container's /proc/self/mountinfo lists it: "<options> - <fstype> <source> <superoptions>". */
const MOUNTINFO_OF = (target: string) => `awk '$5 == "${target}" { print }' /proc/self/mountinfo | tail -n 1`;

/** Prints "<mount point> <fs type>" for each line of the container's mountinfo (the type follows the " - " separator). */
const MOUNTS_WITH_TYPES = `sed 's/^[^ ]* [^ ]* [^ ]* [^ ]* \\([^ ]*\\) .* - \\([^ ]*\\) .*$/\\1 \\2/' /proc/self/mountinfo`;

describe('mounts', () => {
  it('a bind mount shares files with the host, both ways', () => {
    const host = scratchDir('bind');
    fs.writeFileSync(path.join(host, 'from-host'), 'host data\n');
    const out = output('cat /data/from-host; echo container data > /data/from-container', (c) => addBindMount(c, host, '/data'));
    expect(out).toBe('host data\n');
    expect(fs.readFileSync(path.join(host, 'from-container'), 'utf8')).toBe('container data\n');
  });

  it('a bind mount of a single file', () => {
    const host = scratchDir('bindfile');
    const file = path.join(host, 'settings.conf');
    fs.writeFileSync(file, 'setting=1\n');
    expect(output('cat /etc/settings.conf', (c) => addBindMount(c, file, '/etc/settings.conf', ['bind', 'ro']))).toBe('setting=1\n');
  });

  it('a read-only bind mount refuses writes', () => {
    const host = scratchDir('robind');
    const result = runScript('echo x > /data/file', (c) => addBindMount(c, host, '/data', ['rbind', 'ro']));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Read-only file system/);
    expect(fs.readdirSync(host)).toEqual([]);
  });

  it('tmpfs with size, mode and flags', () => {
    const out = output(`${MOUNTINFO_OF('/scratch')}; stat -c %a /scratch; echo hi > /scratch/f && cat /scratch/f`, (c) => {
      c.mounts!.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', 'size=1m', 'mode=0700'] });
    });
    const [mountLine, mode, written] = out.trim().split('\n');
    expect(mountLine).toMatch(/ - tmpfs /);
    const perMount = mountLine.split(' ')[5].split(',');
    expect(perMount).toEqual(expect.arrayContaining(['rw', 'nosuid', 'nodev', 'noexec']));
    expect(mountLine).toMatch(/size=1024k/);
    expect(mode).toBe('700');
    expect(written).toBe('hi');
  });

  it('mounts are made in order, so a later one can sit inside an earlier one', () => {
    const host = scratchDir('nested');
    fs.writeFileSync(path.join(host, 'inner-file'), 'inner\n');
    const out = output('cat /outer/inner/inner-file; grep -c " /outer" /proc/self/mountinfo', (c) => {
      c.mounts!.push({ destination: '/outer', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
      addBindMount(c, host, '/outer/inner');
    });
    expect(out).toBe('inner\n2\n');
  });

  it('mount destinations that do not exist yet are created (inside the rootfs)', () => {
    const rt = e2e.runtime();
    const bundle = makeBundle({
      configure: (c) => {
        c.root!.readonly = false;
        c.mounts!.push({ destination: '/new/deep/dir', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
        shell(c, 'grep -c " /new/deep/dir " /proc/self/mountinfo');
      },
    });
    const result = rt.run(uniqueName('mkdir'), bundle);
    expect(result.stdout).toBe('1\n');
    expect(fs.statSync(path.join(bundle.rootfs, 'new/deep/dir')).isDirectory()).toBe(true);
  });

  itIf(
    kernelHasMountSetattr() && runtimeSupports(e2e.binary, { mountOption: 'rro' }),
    'needs mount_setattr (Linux 5.12) and a runtime that knows rro',
    'rro makes a bind mount read-only recursively, submounts included',
    () => {
      const host = scratchDir('rro');
      const sub = path.join(host, 'sub');
      fs.mkdirSync(sub);
      const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', sub]);
      expect(mounted.status).toBe(0);
      const script = 'echo x > /data/top 2>/dev/null && echo top-writable; echo x > /data/sub/file 2>/dev/null && echo sub-writable; echo done';
      expect(output(script, (c) => addBindMount(c, host, '/data', ['rbind', 'rro']))).toBe('done\n');
      // Plain ro on an rbind leaves the submount writable: rro is what makes the difference.
      expect(output(script, (c) => addBindMount(c, host, '/data', ['rbind', 'ro']))).toBe('sub-writable\ndone\n');
    },
  );
});

describe('root filesystem', () => {
  it('root.readonly makes / read-only, while /tmp-like mounts stay writable', () => {
    const result = runScript('touch /rootfile 2>&1; echo ok > /dev/shm/f && cat /dev/shm/f', (c) => (c.root!.readonly = true));
    expect(result.stdout).toMatch(/Read-only file system/);
    expect(result.stdout).toMatch(/ok\n$/);
  });

  it('a writable root writes through to the bundle rootfs', () => {
    const rt = e2e.runtime();
    const bundle = makeBundle({ configure: (c) => ((c.root!.readonly = false), shell(c, 'echo written > /rootfile')) });
    expect(rt.run(uniqueName('rw'), bundle).code).toBe(0);
    expect(fs.readFileSync(path.join(bundle.rootfs, 'rootfile'), 'utf8')).toBe('written\n');
  });

  it('the container sees its rootfs as / and none of the host', () => {
    const out = output('ls /; test -e /work && echo host-visible; echo end');
    expect(out.split('\n')).toEqual(expect.arrayContaining(['bin', 'etc', 'proc', 'end']));
    expect(out).not.toMatch(/host-visible/);
  });

  it('root.path may be absolute, outside the bundle', () => {
    const rt = e2e.runtime();
    const elsewhere = makeBundle();
    const bundle = makeBundle({ rootfs: 'empty', configure: (c) => ((c.root!.path = elsewhere.rootfs), (c.process!.args = ['echo', 'absolute root'])) });
    expect(rt.run(uniqueName('absroot'), bundle).stdout).toBe('absolute root\n');
  });
});

describe('masked and read-only paths', () => {
  it('a masked file reads empty and a masked directory is empty', () => {
    const out = output('wc -c < /etc/secret; ls -A /opt/private | wc -l; echo end', (c) => {
      c.linux!.maskedPaths = ['/etc/secret', '/opt/private'];
    }, { 'etc/secret': 'top secret\n', 'opt/private/key': 'key\n' });
    expect(out.split('\n').map((l) => l.trim())).toEqual(['0', '0', 'end', '']);
  });

  it('the default masked paths that exist on this host are hidden', () => {
    const present = DEFAULT_MASKED_PATHS.filter((p) => fs.existsSync(p));
    expect(present.length).toBeGreaterThan(0);
    const script = present.map((p) => `if [ -d ${p} ]; then echo "${p} $(ls -A ${p} | wc -l)"; else echo "${p} $(wc -c < ${p})"; fi`).join('; ');
    const out = output(script);
    expect(out.trim().split('\n').map((l) => l.replace(/\s+/g, ' '))).toEqual(present.map((p) => `${p} 0`));
  });

  it('a masked path that does not exist is ignored', () => {
    expect(output('echo fine', (c) => c.linux!.maskedPaths!.push('/no/such/path'))).toBe('fine\n');
  });

  it('a read-only path refuses writes, elsewhere in the same mount writes work', () => {
    const host = scratchDir('ropath');
    fs.mkdirSync(path.join(host, 'locked'));
    const result = runScript('echo a > /data/open && echo b > /data/locked/f', (c) => {
      addBindMount(c, host, '/data');
      c.linux!.readonlyPaths = ['/data/locked'];
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Read-only file system/);
    expect(fs.existsSync(path.join(host, 'open'))).toBe(true);
    expect(fs.existsSync(path.join(host, 'locked', 'f'))).toBe(false);
  });

  it('/proc/sys is read-only by default', () => {
    const result = runScript('echo 1 > /proc/sys/kernel/ns_last_pid');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Read-only file system/);
  });
});

describe('devices', () => {
  const DEFAULT_DEVICES: Array<[string, string]> = [
    ['/dev/null', '1,3'],
    ['/dev/zero', '1,5'],
    ['/dev/full', '1,7'],
    ['/dev/random', '1,8'],
    ['/dev/urandom', '1,9'],
    ['/dev/tty', '5,0'],
  ];

  it('the default devices exist as the right character devices and work', () => {
    const stat = DEFAULT_DEVICES.map(([p]) => `stat -c '%n %F %t,%T' ${p}`).join('; ');
    const out = output(`${stat}; echo discard > /dev/null && head -c 4 /dev/zero | od -An -tx1; head -c 16 /dev/urandom | wc -c`);
    const lines = out.trim().split('\n');
    DEFAULT_DEVICES.forEach(([p, majMin], i) => {
      const [maj, min] = majMin.split(',').map((n) => Number(n).toString(16));
      expect(lines[i]).toBe(`${p} character special file ${maj},${min}`);
    });
    expect(lines[DEFAULT_DEVICES.length].trim()).toBe('00 00 00 00');
    expect(lines[DEFAULT_DEVICES.length + 1].trim()).toBe('16');
  });

  it('linux.devices are created with type, numbers, mode and owner, and usable when allowed', () => {
    const out = output("stat -c '%F %t,%T %a %u:%g' /dev/mynull; echo x > /dev/mynull && echo writable", (c) => {
      // Owned by root (who lacks CAP_DAC_OVERRIDE here, so the owner bits decide).
      c.linux!.devices = [{ path: '/dev/mynull', type: 'c', major: 1, minor: 3, fileMode: 0o640, uid: 0, gid: 1001 }];
      c.linux!.resources!.devices!.push({ allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' });
    });
    expect(out).toBe('character special file 1,3 640 0:1001\nwritable\n');
  });

  it('the /dev links and mounts: pts, ptmx, shm, mqueue, fd, stdin, stdout, stderr', () => {
    const script = [
      'for l in /dev/ptmx /dev/fd /dev/stdin /dev/stdout /dev/stderr; do echo "$l -> $(readlink $l)"; done',
      `${MOUNTS_WITH_TYPES} | grep -E '^/dev/(pts|shm|mqueue) '`,
      'echo shared > /dev/shm/x && cat /dev/shm/x',
      'ls /dev/fd/ >/dev/null && echo fd-listable',
    ].join('; ');
    const out = output(script);
    expect(out).toContain('/dev/ptmx -> pts/ptmx\n');
    expect(out).toContain('/dev/fd -> /proc/self/fd\n');
    expect(out).toContain('/dev/stdin -> /proc/self/fd/0\n');
    expect(out).toContain('/dev/stdout -> /proc/self/fd/1\n');
    expect(out).toContain('/dev/stderr -> /proc/self/fd/2\n');
    expect(out).toContain('/dev/pts devpts\n');
    expect(out).toContain('/dev/shm tmpfs\n');
    expect(out).toContain('/dev/mqueue mqueue\n');
    expect(out).toContain('shared\n');
    expect(out).toContain('fd-listable\n');
  });
});

describe('mount targets never leave the rootfs', () => {
  it.each([
    ['an absolute symlink', (hostDir: string) => hostDir],
    ['a relative symlink with ../', (hostDir: string) => `../../../../../../../..${hostDir}`],
  ])('through %s, the mount lands inside the rootfs and the host dir is untouched', (_name, linkTarget) => {
    const hostDir = scratchDir('victim');
    const rt = e2e.runtime();
    const bundle = makeBundle({
      configure: (c) => {
        c.mounts!.push({ destination: '/evil/sub', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
        shell(c, `echo inside > /evil/sub/file && cat /evil/sub/file && ${MOUNTS_WITH_TYPES} | awk '$2 == "tmpfs" && $1 ~ /sub$/ { print $1 }'`);
      },
    });
    fs.symlinkSync(linkTarget(hostDir), path.join(bundle.rootfs, 'evil'));
    const result = rt.run(uniqueName('escape'), bundle);
    // Either the runtime refuses the mount, or it resolves the symlink inside the rootfs.
    if (result.code === 0) {
      expect(result.stdout.split('\n')[0]).toBe('inside');
      expect(result.stdout.split('\n')[1]).toBe(`${hostDir}/sub`);
    }
    expect(fs.readdirSync(hostDir)).toEqual([]);
  });

  it('a bind mount whose destination is a symlink to a host file does not overwrite that file', () => {
    const hostDir = scratchDir('victimfile');
    const victim = path.join(hostDir, 'passwd');
    fs.writeFileSync(victim, 'original\n');
    const source = scratchDir('src');
    fs.writeFileSync(path.join(source, 'payload'), 'payload\n');
    const rt = e2e.runtime();
    const bundle = makeBundle({
      configure: (c) => {
        c.root!.readonly = false;
        addBindMount(c, path.join(source, 'payload'), '/etc/target', ['bind', 'rw']);
        shell(c, 'cat /etc/target');
      },
    });
    fs.symlinkSync(victim, path.join(bundle.rootfs, 'etc/target'));
    const result = rt.run(uniqueName('escapefile'), bundle);
    if (result.code === 0) expect(result.stdout).toBe('payload\n');
    expect(fs.readFileSync(victim, 'utf8')).toBe('original\n');
    expect(fs.readFileSync(path.join(source, 'payload'), 'utf8')).toBe('payload\n');
  });
});
