/**
 * linux.seccomp: the filter confines the user process, its children and
 * exec'd processes, but not the runtime's own setup; actions, errno values,
 * argument conditions, unknown syscall names and architectures behave as runc
 * makes them behave. Busybox's mkdir calls mkdir(2) and its chmod chmod(2)
 * with the mode given, which makes argument conditions testable from a shell.
 */
import {
  makeBundle,
  OciConfig,
  ok,
  RunResult,
  shell,
  uniqueName,
  useE2E,
} from '../helpers';

const e2e = useE2E();

const MKDIR = ['mkdir', 'mkdirat'];
/** 128 + SIGSYS: what a foreground run or exec returns when the filter killed the process. */
const KILLED_BY_SIGSYS = 128 + 31;

type Profile = Record<string, unknown>;

function run(script: string, seccomp?: Profile, configure?: (c: OciConfig) => void): RunResult {
  const rt = e2e.runtime();
  return rt.run(
    uniqueName('seccomp'),
    makeBundle({
      configure: (c) => {
        shell(c, script);
        if (seccomp) c.linux!.seccomp = seccomp;
        configure?.(c);
      },
    }),
  );
}

function denyMkdir(extra: Profile = {}): Profile {
  return { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: MKDIR, action: 'SCMP_ACT_ERRNO', errnoRet: 1 }], ...extra };
}

/** Tries each chmod mode on a fresh file and reports "<mode> ok|denied". */
const CHMOD_MODES = ['700', '750', '755', '707', '770'];
const CHMOD_SCRIPT = `touch /dev/shm/f && for m in ${CHMOD_MODES.join(' ')}; do if chmod $m /dev/shm/f 2>/dev/null; then echo "$m ok"; else echo "$m denied"; fi; done`;

function chmodOutcomes(args: Array<Record<string, unknown>>): Record<string, string> {
  const r = ok(run(CHMOD_SCRIPT, { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['chmod', 'fchmodat'], action: 'SCMP_ACT_ERRNO', args }] }));
  const out: Record<string, string> = {};
  for (const line of r.stdout.trim().split('\n')) {
    const [mode, what] = line.split(' ');
    out[mode] = what;
  }
  return out;
}

/**
 * An allow-list written for these tests: what busybox sh, ls, cat, grep, echo
 * and mkdir's neighbours need on x86_64 (found with strace), plus what a
 * runtime may still call between loading the filter and execve. mkdir and
 * mkdirat are deliberately absent.
 */
const ALLOW_LIST = [
  'access', 'arch_prctl', 'brk', 'capget', 'capset', 'chdir', 'clock_gettime', 'clock_nanosleep', 'clone', 'clone3', 'close',
  'close_range', 'dup', 'dup2', 'dup3', 'execve', 'execveat', 'exit', 'exit_group', 'faccessat', 'faccessat2', 'fchdir', 'fcntl',
  'fstat', 'fstatfs', 'futex', 'getcwd', 'getdents64', 'getegid', 'geteuid', 'getgid', 'getpgrp', 'getpid', 'getppid', 'getrandom', 'getrlimit',
  'gettid', 'getuid', 'ioctl', 'kill', 'lseek', 'lstat', 'mmap', 'mprotect', 'munmap', 'nanosleep', 'newfstatat', 'open', 'openat',
  'pipe', 'pipe2', 'poll', 'ppoll', 'prctl', 'prlimit64', 'read', 'readlink', 'readlinkat', 'rseq', 'rt_sigaction', 'rt_sigprocmask',
  'rt_sigreturn', 'sendfile', 'set_robust_list', 'set_tid_address', 'setgroups', 'setpgid', 'setresgid', 'setresuid', 'setsid',
  'sigaltstack', 'stat', 'statfs', 'statx', 'tgkill', 'umask', 'uname', 'vfork', 'fork', 'wait4', 'write', 'writev',
];

describe('a profile that denies mkdir', () => {
  it('mkdir works without a profile (the control case)', () => {
    expect(ok(run('mkdir /dev/shm/x && echo made')).stdout).toBe('made\n');
  });

  it('makes mkdir fail with EPERM in the init and its children; everything else works', () => {
    const r = run('echo before; mkdir /dev/shm/x; echo "code $?"; sh -c "mkdir /dev/shm/y"; echo "child $?"; grep "^Seccomp:" /proc/self/status', denyMkdir());
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('before\ncode 1\nchild 1\nSeccomp:\t2\n');
    expect(r.stderr).toMatch(/can't create directory '\/dev\/shm\/x': Operation not permitted/);
  });

  it('makes mkdir fail in an exec\'d process too', () => {
    const rt = e2e.runtime();
    const id = uniqueName('seccompexec');
    ok(rt.run(id, makeBundle({ args: ['sleep', '1000'], configure: (c) => (c.linux!.seccomp = denyMkdir()) }), { detach: true }));
    const r = rt.exec(id, ['mkdir', '/dev/shm/x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Operation not permitted/);
    expect(ok(rt.exec(id, ['sh', '-c', 'touch /dev/shm/file && echo touched'])).stdout).toBe('touched\n');
  });

  it('errnoRet is the errno the syscall fails with', () => {
    const profile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: MKDIR, action: 'SCMP_ACT_ERRNO', errnoRet: 28 }] };
    const r = run('mkdir /dev/shm/x', profile);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/No space left on device/); // ENOSPC = 28
  });

  it('an unknown syscall name is skipped, the rest of the rule still applies', () => {
    const profile = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['skiff_no_such_syscall'], action: 'SCMP_ACT_KILL' },
        { names: ['skiff_no_such_syscall_either', ...MKDIR], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
      ],
    };
    const r = run('echo alive; mkdir /dev/shm/x', profile);
    expect(r.stdout).toBe('alive\n');
    expect(r.stderr).toMatch(/Operation not permitted/);
  });

  it('works with explicit architectures too (x86_64 with its x86 and x32 siblings)', () => {
    const r = run('mkdir /dev/shm/x', denyMkdir({ architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'] }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Operation not permitted/);
  });

  it('SCMP_ACT_LOG allows the call', () => {
    const profile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: MKDIR, action: 'SCMP_ACT_LOG' }] };
    expect(ok(run('mkdir /dev/shm/x && echo made', profile)).stdout).toBe('made\n');
  });
});

describe('killing actions', () => {
  it.each(['SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD'])('%s kills the process with SIGSYS', (action) => {
    const rt = e2e.runtime();
    const r = rt.run(uniqueName('kill'), makeBundle({ args: ['mkdir', '/dev/shm/x'], configure: (c) => (c.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: MKDIR, action }] }) }));
    expect(r.code).toBe(KILLED_BY_SIGSYS);
  });

  it('SCMP_ACT_KILL kills an exec\'d process, the container keeps running', () => {
    const rt = e2e.runtime();
    const id = uniqueName('killexec');
    const seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: MKDIR, action: 'SCMP_ACT_KILL' }] };
    ok(rt.run(id, makeBundle({ args: ['sleep', '1000'], configure: (c) => (c.linux!.seccomp = seccomp) }), { detach: true }));
    expect(rt.exec(id, ['mkdir', '/dev/shm/x']).code).toBe(KILLED_BY_SIGSYS);
    expect(rt.state(id).status).toBe('running');
  });
});

describe('argument conditions', () => {
  it('SCMP_CMP_EQ on the mode: only chmod 700 is denied', () => {
    expect(chmodOutcomes([{ index: 1, value: 0o700, op: 'SCMP_CMP_EQ' }])).toEqual({ 700: 'denied', 750: 'ok', 755: 'ok', 707: 'ok', 770: 'ok' });
  });

  it('SCMP_CMP_NE on the mode: everything but chmod 755 is denied', () => {
    expect(chmodOutcomes([{ index: 1, value: 0o755, op: 'SCMP_CMP_NE' }])).toEqual({ 700: 'denied', 750: 'denied', 755: 'ok', 707: 'denied', 770: 'denied' });
  });

  it('SCMP_CMP_MASKED_EQ (value is the mask, valueTwo the datum): modes with all of "other" rwx are denied', () => {
    expect(chmodOutcomes([{ index: 1, value: 0o007, valueTwo: 0o007, op: 'SCMP_CMP_MASKED_EQ' }])).toEqual({
      700: 'ok', 750: 'ok', 755: 'ok', 707: 'denied', 770: 'ok',
    });
  });

  it('SCMP_CMP_GT / SCMP_CMP_LT compare as numbers', () => {
    expect(chmodOutcomes([{ index: 1, value: 0o750, op: 'SCMP_CMP_GT' }])).toEqual({ 700: 'ok', 750: 'ok', 755: 'denied', 707: 'ok', 770: 'denied' });
    expect(chmodOutcomes([{ index: 1, value: 0o750, op: 'SCMP_CMP_LT' }])).toEqual({ 700: 'denied', 750: 'ok', 755: 'ok', 707: 'denied', 770: 'ok' });
  });

  it('two conditions on the same argument are OR\'d (as runc does)', () => {
    expect(
      chmodOutcomes([
        { index: 1, value: 0o700, op: 'SCMP_CMP_EQ' },
        { index: 1, value: 0o750, op: 'SCMP_CMP_EQ' },
      ]),
    ).toEqual({ 700: 'denied', 750: 'denied', 755: 'ok', 707: 'ok', 770: 'ok' });
  });
});

describe('defaultAction SCMP_ACT_ERRNO with an allow-list', () => {
  it('what is listed works; anything else fails with defaultErrnoRet', () => {
    const profile = {
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38, // ENOSYS, as engines' profiles do
      syscalls: [{ names: ALLOW_LIST, action: 'SCMP_ACT_ALLOW' }],
    };
    const r = run('echo listed; ls / >/dev/null && echo ls-ok; mkdir /dev/shm/x', profile);
    expect(r.stdout).toBe('listed\nls-ok\n');
    expect(r.stderr).toMatch(/Function not implemented/);
    expect(r.code).toBe(1);
  });

  it('without defaultErrnoRet the errno is EPERM', () => {
    const r = run('mkdir /dev/shm/x', { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ALLOW_LIST, action: 'SCMP_ACT_ALLOW' }] });
    expect(r.stderr).toMatch(/Operation not permitted/);
  });
});

describe("the runtime's own setup is not confined", () => {
  // The syscalls a runtime needs to set a container up, all denied: with noNewPrivileges the filter
  // must come last (right before execve), so setup is unaffected and only the process feels it.
  const SETUP = ['mount', 'umount2', 'pivot_root', 'chroot', 'sethostname', 'setdomainname', 'setresuid', 'setresgid', 'setgroups', 'capset', 'chdir', 'fchdir', 'setsid', 'prlimit64', 'setrlimit', 'keyctl', 'unshare', 'setns'];

  it('with noNewPrivileges: a non-root user, cwd, rlimits and caps are set up, then the filter applies', () => {
    const profile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: SETUP, action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
    const r = run('id -u; pwd; cd / 2>/dev/null && echo cd-ok || echo cd-denied', profile, (c) => {
      c.process!.noNewPrivileges = true;
      c.process!.user = { uid: 1000, gid: 1000, additionalGids: [1001] };
      c.process!.cwd = '/dev';
    });
    expect(r).toMatchObject({ code: 0, stdout: '1000\n/dev\ncd-denied\n' });
  });

  it('without noNewPrivileges: mounts, pivot_root and hostname are done before the filter', () => {
    const profile = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mount', 'umount2', 'pivot_root', 'chroot', 'sethostname', 'setdomainname', 'unshare', 'setns', 'keyctl'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
    };
    const r = run('hostname; grep "^Seccomp:" /proc/self/status', profile, (c) => (c.process!.noNewPrivileges = false));
    expect(r).toMatchObject({ code: 0, stdout: 'skiff-test\nSeccomp:\t2\n' });
  });
});


