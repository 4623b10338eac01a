/**
 * The container process: args, cwd, env, user and groups, umask, rlimits, the
 * five capability sets, noNewPrivileges and oomScoreAdj, each checked the way
 * a user would, from /proc/self inside the container or by trying the thing.
 */
import * as fs from 'fs';
import {
  ENGINE_CAPABILITIES,
  itSpecNotRunc,
  makeBundle,
  shell,
  uniqueName,
  scriptRunner,
  useE2E,
} from '../helpers';

const e2e = useE2E();

const { runScript, output } = scriptRunner(e2e, 'proc');

/** One field of the container's /proc/self/status, whitespace collapsed. */
function statusField(name: string): string {
  return `grep '^${name}:' /proc/self/status | cut -f2- | tr '\\t' ' '`;
}

const CAP_BITS: Record<string, number> = {
  CAP_CHOWN: 0, CAP_DAC_OVERRIDE: 1, CAP_DAC_READ_SEARCH: 2, CAP_FOWNER: 3, CAP_FSETID: 4, CAP_KILL: 5,
  CAP_SETGID: 6, CAP_SETUID: 7, CAP_SETPCAP: 8, CAP_NET_BIND_SERVICE: 10, CAP_NET_RAW: 13,
  CAP_SYS_CHROOT: 18, CAP_SYS_ADMIN: 21, CAP_MKNOD: 27, CAP_AUDIT_WRITE: 29, CAP_SETFCAP: 31,
};

function capMask(caps: string[]): string {
  let mask = 0n;
  for (const cap of caps) mask |= 1n << BigInt(CAP_BITS[cap]);
  return mask.toString(16).padStart(16, '0');
}

describe('args, cwd, env', () => {
  it('args reach the program unchanged, spaces and quotes included', () => {
    const rt = e2e.runtime();
    const args = ['sh', '-c', 'for a in "$@"; do echo "[$a]"; done', 'argv0', 'two words', "it's", '', '$HOME'];
    const result = rt.run(uniqueName('args'), makeBundle({ args }));
    expect(result.stdout).toBe("[two words]\n[it's]\n[]\n[$HOME]\n");
  });

  it('cwd is the working directory', () => {
    expect(output('pwd', (c) => (c.process!.cwd = '/home/tester'))).toBe('/home/tester\n');
  });

  it('env is the environment, and nothing of the runtime leaks in', () => {
    const rt = e2e.runtime({ env: { ...process.env, SKIFF_TEST_ENV_LEAK: 'leaked' } });
    const bundle = makeBundle({
      configure: (c) => {
        c.process!.env = ['PATH=/bin:/usr/bin', 'GREETING=hello world', 'EMPTY=', 'HOME=/home/tester'];
        shell(c, 'env');
      },
    });
    const lines = rt.run(uniqueName('env'), bundle).stdout.trim().split('\n');
    expect(lines).toEqual(expect.arrayContaining(['PATH=/bin:/usr/bin', 'GREETING=hello world', 'EMPTY=', 'HOME=/home/tester']));
    expect(lines.some((l) => l.startsWith('SKIFF_TEST_ENV_LEAK'))).toBe(false);
  });
});

describe('user', () => {
  it('uid, gid and additionalGids', () => {
    const out = output([statusField('Uid'), statusField('Gid'), statusField('Groups'), 'id -un'].join('; '), (c) => {
      c.process!.user = { uid: 1000, gid: 1000, additionalGids: [1001, 5] };
    });
    const [uid, gid, groups, name] = out.trim().split('\n').map((l) => l.trim());
    expect(uid).toBe('1000 1000 1000 1000');
    expect(gid).toBe('1000 1000 1000 1000');
    expect(groups.split(' ').map(Number).sort((a, b) => a - b)).toEqual([5, 1001]);
    expect(name).toBe('tester');
  });

  it('without additionalGids a non-root user has no supplementary groups of the runtime', () => {
    const out = output(statusField('Groups'), (c) => (c.process!.user = { uid: 1000, gid: 1000 }));
    expect(out.trim()).not.toMatch(/\b0\b/);
  });

  it('umask', () => {
    const out = output('umask; touch /tmp/f && stat -c %a /tmp/f', (c) => {
      c.process!.user.umask = 0o027;
      c.mounts!.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
    });
    expect(out).toBe('0027\n640\n');
  });

  it('a non-root user cannot do what needs root', () => {
    const result = runScript('touch /etc/newfile', (c) => {
      c.root!.readonly = false;
      c.process!.user = { uid: 1000, gid: 1000 };
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Permission denied/);
  });
});

describe('rlimits', () => {
  it('are set as soft and hard limits', () => {
    const out = output('ulimit -Sn; ulimit -Hn; grep "Max core file size" /proc/self/limits | tr -s " " | sed "s/ *$//"', (c) => {
      c.process!.rlimits = [
        { type: 'RLIMIT_NOFILE', soft: 512, hard: 2048 },
        { type: 'RLIMIT_CORE', soft: 0, hard: 4096 },
      ];
    });
    expect(out).toBe('512\n2048\nMax core file size 0 4096 bytes\n');
  });

  itSpecNotRunc('a duplicated rlimit type is refused (runc 1.1 takes the last)', () => {
    const result = runScript('true', (c) => {
      c.process!.rlimits = [
        { type: 'RLIMIT_NOFILE', soft: 512, hard: 512 },
        { type: 'RLIMIT_NOFILE', soft: 256, hard: 256 },
      ];
    });
    expect(result.code).not.toBe(0);
  });
});

describe('capabilities', () => {
  it('all five sets, for a non-root user (ambient carries them across exec)', () => {
    const bounding = ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SETUID'];
    const inheritable = ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
    const ambient = ['CAP_KILL', 'CAP_NET_BIND_SERVICE'];
    const out = output(['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb'].map(statusField).join('; '), (c) => {
      c.process!.user = { uid: 1000, gid: 1000 };
      c.process!.capabilities = { bounding, inheritable, permitted: inheritable, effective: inheritable, ambient };
    });
    const [inh, prm, eff, bnd, amb] = out.trim().split('\n').map((l) => l.trim());
    expect({ inh, prm, eff, bnd, amb }).toEqual({
      inh: capMask(inheritable),
      // After exec a non-root process keeps its ambient set as permitted and effective.
      prm: capMask(ambient),
      eff: capMask(ambient),
      bnd: capMask(bounding),
      amb: capMask(ambient),
    });
  });

  it('root gets the bounding set and nothing beyond it', () => {
    const caps = ['CAP_CHOWN', 'CAP_KILL'];
    const out = output(['CapBnd', 'CapEff', 'CapPrm'].map(statusField).join('; '), (c) => {
      c.process!.capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] };
    });
    expect(out.trim().split('\n').map((l) => l.trim())).toEqual([capMask(caps), capMask(caps), capMask(caps)]);
  });

  it('capabilities that cannot be granted only warn: ambient without inheritable, as `runc spec` writes it', () => {
    // config.md: such values "MUST be logged as a warning"; runtimes "SHOULD NOT fail".
    const caps = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
    const out = output(statusField('CapBnd'), (c) => {
      c.process!.capabilities = { bounding: caps, effective: caps, permitted: caps, ambient: caps };
    });
    expect(out.trim()).toBe(capMask(caps));
  });

  it('without CAP_SYS_ADMIN root cannot set the hostname; with it, it can', () => {
    const without = runScript('hostname changed');
    expect(without.code).not.toBe(0);
    expect(without.stderr).toMatch(/not permitted/i);
    const withCap = [...ENGINE_CAPABILITIES, 'CAP_SYS_ADMIN'];
    const out = output('hostname changed && hostname', (c) => {
      c.process!.capabilities = { bounding: withCap, effective: withCap, permitted: withCap, inheritable: [], ambient: [] };
    });
    expect(out).toBe('changed\n');
  });
});

describe('noNewPrivileges, oomScoreAdj', () => {
  it('noNewPrivileges true sets NoNewPrivs, false leaves it off', () => {
    expect(output(statusField('NoNewPrivs'), (c) => (c.process!.noNewPrivileges = true)).trim()).toBe('1');
    expect(output(statusField('NoNewPrivs'), (c) => (c.process!.noNewPrivileges = false)).trim()).toBe('0');
  });

  it('oomScoreAdj', () => {
    // Raising is allowed without CAP_SYS_RESOURCE (which root lacks on some hosts); lowering is not.
    const current = Number(fs.readFileSync('/proc/self/oom_score_adj', 'utf8'));
    const wanted = Math.min(1000, current + 123);
    expect(output('cat /proc/self/oom_score_adj', (c) => (c.process!.oomScoreAdj = wanted)).trim()).toBe(String(wanted));
  });
});
