/**
 * runc CVE-2019-5736: while the runtime's own binary runs inside the
 * container's namespaces (the init before `start`, every `exec` before its
 * execve), a root process in the container could open /proc/<pid>/exe, keep
 * the fd, and write through it to the host's binary once it stopped running.
 *
 * The checks never write: they try to *open* /proc/<pid>/exe of a runtime
 * process from inside the container and, when that works, compare the file
 * they got (device and inode) with the host's runtime binaries. Either the
 * open fails (the process is not dumpable) or it yields a copy (runc and
 * skiff run from a sealed memfd); reaching the host binary is the bug.
 *
 * 1. Deterministic: a created container's init is the runtime's binary,
 *    waiting for `start`; a process exec'd into it tries /proc/1/exe.
 * 2. The race: a small static program in the container watches /proc for new
 *    pids, stops each one at once (SIGSTOP, so the window cannot close),
 *    tries its exe, and lets it go on; the host runs `exec` many times.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { addBindMount, makeBundle, ok, REPO_ROOT, scratchDir, sleepSync, uniqueName, useE2E } from '../helpers';

const e2e = useE2E();

/** dev:ino of the host's runtime binaries (the runtime itself and, for skiff, skiff-init). */
function hostRuntimeFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const candidates = [e2e.binary, path.join(path.dirname(e2e.binary), 'skiff-init'), path.join(REPO_ROOT, 'bin', 'skiff-init')];
  if (process.env.SKIFF_INIT) candidates.push(process.env.SKIFF_INIT); // skiff-init chosen by the environment
  for (const file of candidates) {
    try {
      const real = fs.realpathSync(file);
      const st = fs.statSync(real);
      files.set(`${st.dev}:${st.ino}`, real);
    } catch {
      // not there (e.g. runc has no separate init binary)
    }
  }
  return files;
}

const WATCHER_SOURCE = String.raw`
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Runs as the container's init. Every new pid: SIGSTOP, try to open its exe, SIGCONT; one line each:
 *   <pid> <comm> open=<errno name or dev:ino> link=<readlink or errno> */
static char seen[1 << 22];

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  pid_t self = getpid();
  printf("ready %d\n", (int)self);
  for (;;) {
    DIR *d = opendir("/proc");
    if (!d) return 1;
    struct dirent *e;
    while ((e = readdir(d))) {
      char *end;
      long pid = strtol(e->d_name, &end, 10);
      if (*end || pid <= 0 || pid == self || pid >= (long)sizeof seen || seen[pid]) continue;
      seen[pid] = 1;
      kill((pid_t)pid, SIGSTOP);
      char p[64], comm[64] = "?", link[256] = "", result[96];
      snprintf(p, sizeof p, "/proc/%ld/comm", pid);
      int fd = open(p, O_RDONLY);
      if (fd >= 0) {
        ssize_t n = read(fd, comm, sizeof comm - 1);
        comm[n > 0 ? n : 0] = 0;
        comm[strcspn(comm, "\n ")] = 0;
        close(fd);
      }
      snprintf(p, sizeof p, "/proc/%ld/exe", pid);
      fd = open(p, O_RDONLY | O_CLOEXEC);
      if (fd >= 0) {
        struct stat st;
        fstat(fd, &st);
        snprintf(result, sizeof result, "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
        close(fd);
      } else {
        snprintf(result, sizeof result, "errno%d", errno);
      }
      ssize_t n = readlink(p, link, sizeof link - 1);
      if (n < 0) snprintf(link, sizeof link, "errno%d", errno);
      else link[n] = 0;
      for (char *c = link; *c; c++) if (*c == ' ') *c = '_';
      kill((pid_t)pid, SIGCONT);
      printf("%ld %s open=%s link=%s\n", pid, comm, result, link);
    }
    closedir(d);
  }
}
`;

/** The watcher, compiled statically (the container has no libc) on first use into .cache/test-bin. */
function watcherBinary(): string {
  const hash = crypto.createHash('sha256').update(WATCHER_SOURCE).digest('hex').slice(0, 12);
  const dir = path.join(REPO_ROOT, '.cache', 'test-bin');
  const binary = path.join(dir, `exe-watcher-${hash}`);
  if (fs.existsSync(binary)) return binary;
  fs.mkdirSync(dir, { recursive: true });
  const source = path.join(dir, `exe-watcher-${hash}.${process.pid}.c`);
  fs.writeFileSync(source, WATCHER_SOURCE);
  const tmp = `${binary}.${process.pid}.tmp`;
  try {
    const cc = spawnSync('gcc', ['-O2', '-Wall', '-static', '-o', tmp, source], { encoding: 'utf8', timeout: 60000 });
    if (cc.status !== 0) throw new Error(`gcc -static failed: ${cc.stderr || cc.error?.message}`);
    fs.renameSync(tmp, binary);
  } finally {
    fs.rmSync(source, { force: true });
  }
  return binary;
}

describe('the container cannot reach the host runtime binary through /proc/<pid>/exe (runc CVE-2019-5736)', () => {
  it("a created container's init (the runtime, waiting for start): /proc/1/exe is not the host binary", () => {
    const rt = e2e.runtime();
    const id = uniqueName('cve5736');
    ok(rt.create(id, makeBundle({ args: ['sleep', '1000'] })));
    const r = rt.exec(id, ['sh', '-c', 'cat /proc/1/comm; stat -L -c %d:%i /proc/1/exe 2>&1 || true; readlink /proc/1/exe 2>&1 || true']);
    // A runtime may refuse exec into a created container; then the second test has to do the job.
    if (r.code !== 0 && e2e.reference) {
      expect(r.stderr + r.stdout).not.toBe('');
      return;
    }
    expect(r.code).toBe(0);
    if (process.env.SKIFF_TEST_VERBOSE) console.log(r.stdout);
    const [, opened, link] = r.stdout.split('\n');
    const host = hostRuntimeFiles();
    expect(host.size).toBeGreaterThan(0);
    // Either permission denied or a copy: never the host's file.
    expect({ opened, reachesHost: host.get(opened.trim()) }).toEqual({ opened, reachesHost: undefined });
    expect(link).toBeDefined();
  });

  it("with CAP_SYS_PTRACE (a privileged attacker) /proc/1/exe opens, and is a sealed copy, not the host binary", () => {
    // Without ptrace rights the open fails anyway (the init holds more capabilities than a default
    // exec), which would hide a runtime that runs its host binary: this case gives the attacker them.
    const rt = e2e.runtime();
    const id = uniqueName('cve5736p');
    ok(rt.create(id, makeBundle({ args: ['sleep', '1000'] })));
    const r = rt.exec(id, ['sh', '-c', 'stat -L -c %d:%i /proc/1/exe 2>&1; echo x >> /proc/1/exe 2>&1 || echo write-refused'], {
      extraArgs: ['--cap', 'CAP_SYS_PTRACE'],
    });
    if (r.code !== 0 && e2e.reference) return; // a runtime refusing exec into a created container
    expect(r.code).toBe(0);
    const [opened] = r.stdout.split('\n');
    expect(opened).toMatch(/^\d+:\d+$/); // it did open
    expect({ opened, reachesHost: hostRuntimeFiles().get(opened) }).toEqual({ opened, reachesHost: undefined });
    expect(r.stdout).toContain('write-refused');
  });

  it('a process being exec\'d, stopped by a watcher in the container, does not expose the host binary', () => {
    const rt = e2e.runtime();
    const id = uniqueName('cve5736race');
    const out = scratchDir('watch');
    const bundle = makeBundle({
      args: ['/watcher'],
      configure: (c) => {
        addBindMount(c, out, '/out');
        c.process!.args = ['sh', '-c', '/watcher > /out/log'];
        // Root in the container with the engines' usual capabilities: kill yes, ptrace no.
        c.process!.capabilities = {
          bounding: ['CAP_KILL', 'CAP_DAC_OVERRIDE', 'CAP_CHOWN', 'CAP_SETUID', 'CAP_SETGID'],
          effective: ['CAP_KILL', 'CAP_DAC_OVERRIDE', 'CAP_CHOWN', 'CAP_SETUID', 'CAP_SETGID'],
          permitted: ['CAP_KILL', 'CAP_DAC_OVERRIDE', 'CAP_CHOWN', 'CAP_SETUID', 'CAP_SETGID'],
        };
      },
    });
    fs.copyFileSync(watcherBinary(), path.join(bundle.rootfs, 'watcher'));
    fs.chmodSync(path.join(bundle.rootfs, 'watcher'), 0o755);
    ok(rt.run(id, bundle, { detach: true, stdio: 'ignore' }));
    const log = path.join(out, 'log');
    const deadline = Date.now() + 10000;
    while (!(fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('ready'))) {
      if (Date.now() > deadline) throw new Error('the watcher did not start');
      sleepSync(20);
    }
    const rounds = 20;
    for (let i = 0; i < rounds; i++) ok(rt.exec(id, ['true']));
    sleepSync(200);
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n').filter((l) => !l.startsWith('ready'));
    const host = hostRuntimeFiles();
    const seen = lines.map((l) => {
      const m = /^(\d+) (\S+) open=(\S+) link=(\S*)$/.exec(l);
      return m ? { pid: Number(m[1]), comm: m[2], open: m[3], link: m[4] } : { pid: 0, comm: '?', open: l, link: '' };
    });
    // Processes caught before they became `true` (the runtime's setup), or already as `true`.
    const caughtInSetup = seen.filter((s) => s.comm !== 'true' && s.comm !== 'sh');
    const reachingHost = seen.filter((s) => host.has(s.open)).map((s) => `${s.pid} ${s.comm} opened ${host.get(s.open)} (link ${s.link})`);
    expect(reachingHost).toEqual([]);
    if (process.env.SKIFF_TEST_VERBOSE) console.log(lines.join('\n'));
    // The test only proves something if the watcher caught the runtime at work at least once.
    expect({ caughtInSetup: caughtInSetup.length > 0, rounds, seen: seen.length }).toMatchObject({ caughtInSetup: true });
  });
});
