'use strict';
/**
 * Shared pieces of the benchmark: the runtimes, bundles, timed commands and cleanup.
 * Everything a run creates lives under one temporary folder, one cgroup parent
 * (/<controller>/skiff-bench-<pid>) and one state root per runtime; cleanup() removes it all.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync, spawn, execFileSync } = require('child_process');

const REPO = path.resolve(__dirname, '..');
const { buildRootfs } = require(path.join(REPO, 'scripts', 'make-rootfs.js'));

// Nothing we time may pay for loading extra CA certificates.
delete process.env.NODE_EXTRA_CA_CERTS;
const ENV = { ...process.env };

const CGROUP_MOUNT = '/sys/fs/cgroup';
const CGROUP_PARENT = `skiff-bench-${process.pid}`;

function runtimeTable() {
  const crunBinary = process.env.CRUN || '/usr/bin/crun';
  return [
    { name: 'skiff', path: process.env.SKIFF || path.join(REPO, 'bin', 'skiff'), pre: [], note: 'bin/skiff (bun --compile)' },
    { name: 'runc', path: process.env.RUNC || '/usr/sbin/runc', pre: [], note: '' },
    { name: 'crun', path: crunBinary, binary: crunBinary, pre: [], note: '' },
  ];
}

/** crun 1.8 refuses a hybrid host whose cgroup2 hierarchy has controllers. */
function hybridWithV2Controllers() {
  try {
    return fs.readFileSync(path.join('/sys/fs/cgroup/unified/cgroup.controllers'), 'utf8').trim() !== '';
  } catch {
    return false;
  }
}

/**
 * On such a host crun needs conformance/wrappers/crun-hybrid's trick: a mount namespace where
 * unified/cgroup.controllers reads empty. The wrapper makes one per call (sh + unshare + mount,
 * which costs far more than crun itself), so the benchmark makes one namespace for the whole run,
 * held by a sleeping process, and starts crun in it with nsenter (one extra exec per call).
 * With useWrapper the repository's wrapper is used as is. Returns the holder process (or null).
 */
async function prepareCrun(rt, workdir, useWrapper) {
  if (!hybridWithV2Controllers()) return null;
  if (useWrapper) {
    rt.path = path.join(REPO, 'conformance', 'wrappers', 'crun-hybrid');
    rt.note = 'through conformance/wrappers/crun-hybrid (sh + unshare -m + a bind mount per call)';
    return null;
  }
  const empty = path.join(workdir, 'empty-controllers');
  fs.writeFileSync(empty, '');
  const holder = spawn('unshare', ['-m', '--propagation', 'slave', 'sh', '-c',
    'mount --bind "$1" /sys/fs/cgroup/unified/cgroup.controllers && echo ready && exec sleep 2147483647', 'sh', empty],
  { stdio: ['ignore', 'pipe', 'inherit'], env: ENV });
  await new Promise((resolve, reject) => {
    let out = '';
    holder.on('error', reject);
    holder.on('exit', (code) => reject(new Error(`crun namespace holder exited (${code})`)));
    holder.stdout.on('data', (d) => {
      out += d;
      if (out.includes('ready')) resolve();
    });
  });
  holder.removeAllListeners('exit');
  rt.pre = [`--mount=/proc/${holder.pid}/ns/mnt`, '--', rt.binary];
  rt.path = '/usr/bin/nsenter';
  rt.note = 'hybrid host: started with nsenter in one mount namespace where cgroup2 shows no controllers '
    + '(the trick of conformance/wrappers/crun-hybrid, set up once per run)';
  return holder;
}

/** A fresh work folder with a busybox rootfs shared (read-only) by every container. */
function makeWorkdir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-bench-'));
  fs.mkdirSync(path.join(dir, 'bundles'));
  fs.mkdirSync(path.join(dir, 'logs'));
  buildRootfs(path.join(dir, 'rootfs'));
  return dir;
}

/**
 * The config every runtime gets: skiff's default spec (the same as runc's), no terminal,
 * the shared rootfs read-only, and a cgroup of the container's own under the run's parent.
 */
function baseConfig() {
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ['/bin/true'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      cwd: '/',
      capabilities: {
        bounding: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        effective: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        permitted: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'bench',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      maskedPaths: ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats',
        '/proc/sched_debug', '/sys/firmware', '/proc/scsi'],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

/** The per-run context: work folder, state roots, live containers. */
class Bench {
  constructor(runtimes) {
    this.dir = makeWorkdir();
    this.runtimes = runtimes;
    this.counter = 0;
    this.live = new Map(); // id -> runtime
    for (const rt of runtimes) {
      rt.root = path.join(this.dir, `root-${rt.name}`);
      fs.mkdirSync(rt.root);
    }
  }

  /** A bundle of its own for a new container id (the cgroup path holds the id). */
  bundle(rt, args) {
    const id = `b${process.pid}-${rt.name}-${++this.counter}`;
    const dir = path.join(this.dir, 'bundles', id);
    fs.mkdirSync(dir);
    const config = baseConfig();
    config.process.args = args;
    config.root.path = path.join(this.dir, 'rootfs');
    config.linux.cgroupsPath = `/${CGROUP_PARENT}/${id}`;
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    return { id, dir };
  }

  logFile(id) {
    return path.join(this.dir, 'logs', `${id}.err`);
  }

  /**
   * Runs one runtime command and times it (process.hrtime around spawnSync).
   * stdout is piped only when asked (a container must not inherit a pipe, or spawnSync
   * waits for it to close); stderr goes to a file and is read back on failure.
   */
  cmd(rt, args, opts = {}) {
    const errPath = this.logFile(opts.id || 'cmd');
    const errFd = fs.openSync(errPath, 'w');
    let r;
    let ms;
    try {
      const t0 = process.hrtime.bigint();
      r = spawnSync(rt.path, [...rt.pre, '--root', rt.root, ...args], {
        stdio: ['ignore', opts.stdout ? 'pipe' : 'ignore', errFd],
        env: rt.env || ENV,
        timeout: opts.timeout || 30000,
        encoding: 'utf8',
      });
      ms = Number(process.hrtime.bigint() - t0) / 1e6;
    } finally {
      fs.closeSync(errFd);
    }
    if (r.error || r.status !== 0) {
      const stderr = fs.readFileSync(errPath, 'utf8').trim();
      const why = r.error ? r.error.message : `exit ${r.status ?? r.signal}`;
      const err = new Error(`${rt.name} ${args.join(' ')}: ${why}${stderr ? `: ${stderr.split('\n').slice(-3).join(' | ')}` : ''}`);
      if (!opts.allowFail) throw err;
      return { ms, ok: false, error: err, stdout: r.stdout };
    }
    return { ms, ok: true, stdout: r.stdout };
  }

  /** The same, asynchronously (for the parallel test). Resolves to milliseconds. */
  cmdAsync(rt, args, id) {
    return new Promise((resolve, reject) => {
      const errPath = this.logFile(id);
      const errFd = fs.openSync(errPath, 'w');
      const t0 = process.hrtime.bigint();
      const child = spawn(rt.path, [...rt.pre, '--root', rt.root, ...args], { stdio: ['ignore', 'ignore', errFd], env: rt.env || ENV });
      fs.closeSync(errFd);
      const timer = setTimeout(() => child.kill('SIGKILL'), 60000);
      child.on('error', (e) => { clearTimeout(timer); reject(e); });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (code === 0) return resolve(ms);
        const stderr = fs.readFileSync(errPath, 'utf8').trim();
        reject(new Error(`${rt.name} ${args.join(' ')}: exit ${code ?? signal}${stderr ? `: ${stderr.split('\n').slice(-3).join(' | ')}` : ''}`));
      });
    });
  }

  created(rt, id) {
    this.live.set(id, rt);
  }

  /** State of a container as JSON (untimed helper). */
  state(rt, id) {
    return JSON.parse(this.cmd(rt, ['state', id], { stdout: true, id }).stdout);
  }

  /** Waits until the runtime reports the container stopped. */
  waitStopped(rt, id, timeoutMs = 10000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = this.cmd(rt, ['state', id], { stdout: true, id, allowFail: true });
      if (s.ok && JSON.parse(s.stdout).status === 'stopped') return;
      if (Date.now() > end) throw new Error(`${rt.name}: ${id} did not stop within ${timeoutMs} ms`);
      sleepMs(2);
    }
  }

  /** Removes one container whatever its state, its bundle and its cgroup (errors ignored). */
  destroy(id) {
    const rt = this.live.get(id);
    if (rt) {
      this.cmd(rt, ['delete', '--force', id], { id, allowFail: true });
      this.live.delete(id);
    }
    killCgroup(`${CGROUP_PARENT}/${id}`);
    fs.rmSync(path.join(this.dir, 'bundles', id), { recursive: true, force: true });
    fs.rmSync(this.logFile(id), { force: true });
  }

  /** Everything: containers, state roots, cgroups, the work folder. Safe to call twice. */
  cleanup() {
    for (const id of [...this.live.keys()]) this.destroy(id);
    for (const rt of this.runtimes) {
      if (!fs.existsSync(rt.root)) continue;
      const l = this.cmd(rt, ['list', '-q'], { stdout: true, allowFail: true });
      for (const id of (l.ok ? l.stdout : '').split('\n').map((s) => s.trim()).filter(Boolean)) {
        this.cmd(rt, ['delete', '--force', id], { allowFail: true });
      }
    }
    killCgroup(CGROUP_PARENT);
    for (const h of this.holders || []) {
      try { h.kill('SIGKILL'); } catch { /* gone */ }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function sleepMs(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Kills what is left in a cgroup (every hierarchy) and removes it, children first. */
function killCgroup(rel) {
  let hierarchies = [];
  try {
    hierarchies = fs.readdirSync(CGROUP_MOUNT).map((h) => path.join(CGROUP_MOUNT, h));
  } catch {
    return;
  }
  const dirs = [];
  const walk = (d) => {
    let entries;
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) walk(path.join(d, e.name));
    dirs.push(d); // children before parents
  };
  for (const h of hierarchies) walk(path.join(h, rel));
  if (dirs.length === 0) return;
  for (let attempt = 0; attempt < 50; attempt++) {
    let left = 0;
    for (const d of dirs) {
      let procs = [];
      try {
        procs = fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
      } catch { /* gone */ }
      for (const pid of procs) {
        try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ }
      }
      try {
        fs.rmdirSync(d);
      } catch (e) {
        if (e.code !== 'ENOENT') left++;
      }
    }
    if (left === 0) return;
    // A frozen v1 cgroup keeps its tasks: thaw it.
    for (const d of dirs) {
      try { fs.writeFileSync(path.join(d, 'freezer.state'), 'THAWED'); } catch { /* not the freezer */ }
    }
    sleepMs(20);
  }
}

/** Resident memory (kB) of a process and its descendants: VmRSS from status, Pss from smaps_rollup. */
function memoryOf(pid) {
  const pids = [];
  const visit = (p) => {
    pids.push(p);
    let tasks = [];
    try { tasks = fs.readdirSync(`/proc/${p}/task`); } catch { return; }
    for (const t of tasks) {
      let kids = '';
      try { kids = fs.readFileSync(`/proc/${p}/task/${t}/children`, 'utf8'); } catch { /* gone */ }
      for (const k of kids.split(/\s+/).filter(Boolean)) visit(Number(k));
    }
  };
  visit(pid);
  let rss = 0;
  let pss = 0;
  const names = [];
  for (const p of pids) {
    const status = fs.readFileSync(`/proc/${p}/status`, 'utf8');
    rss += Number((/^VmRSS:\s+(\d+)/m.exec(status) || [0, 0])[1]);
    names.push((/^Name:\s+(.*)$/m.exec(status) || [0, '?'])[1]);
    try {
      pss += Number((/^Pss:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${p}/smaps_rollup`, 'utf8')) || [0, 0])[1]);
    } catch { /* no smaps_rollup */ }
  }
  return { rss, pss, processes: names };
}

function versionOf(rt) {
  const file = rt.binary || rt.path;
  try {
    const out = execFileSync(file, ['--version'], { encoding: 'utf8', env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    return out.split('\n')[0].trim();
  } catch (e) {
    return null;
  }
}

module.exports = { prepareCrun, REPO, ENV, Bench, runtimeTable, memoryOf, versionOf, sleepMs, killCgroup, CGROUP_PARENT, baseConfig };
