#!/usr/bin/env node
'use strict';
/**
 * npm run bench: skiff, runc and crun side by side (see bench/README.md).
 *
 *   node bench/run.js [--quick] [--runs N] [--warmup N] [--parallel N] [--parallel-runs N]
 *                     [--only op,op] [--runtimes skiff,runc,crun] [--out DIR] [--no-write] [--crun-wrapper]
 *   node bench/run.js --profile [--runs N] [--ops state,create,start,delete]
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { ENV, Bench, runtimeTable, memoryOf, versionOf, prepareCrun } = require('./common');

function parseArgs(argv) {
  const o = { quick: false, runs: null, warmup: null, parallel: 50, parallelRuns: null, only: null, runtimes: null,
    out: path.join(__dirname, 'results'), write: true, profile: false, ops: null, crunWrapper: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--runs') {
      o.runs = Number(next());
      o.runsGiven = true;
    }
    else if (a === '--warmup') o.warmup = Number(next());
    else if (a === '--parallel') o.parallel = Number(next());
    else if (a === '--parallel-runs') o.parallelRuns = Number(next());
    else if (a === '--only') o.only = next().split(',');
    else if (a === '--runtimes') o.runtimes = next().split(',');
    else if (a === '--out') o.out = path.resolve(next());
    else if (a === '--no-write') o.write = false;
    else if (a === '--crun-wrapper') o.crunWrapper = true;
    else if (a === '--profile') o.profile = true;
    else if (a === '--ops') o.ops = next().split(',');
    else if (a === '-h' || a === '--help') {
      process.stdout.write(fs.readFileSync(__filename, 'utf8').split('\n').slice(2, 8).join('\n').replace(/ \* ?/g, '') + '\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  // 40: a median of 20 runs of `run` or `exec` moved by 10–20% from one batch to the next (their times
  // are bimodal: the kernel's wait before a cgroup migration comes or not).
  if (o.runs === null) o.runs = o.quick ? 3 : 40;
  if (o.warmup === null) o.warmup = o.quick ? 1 : 3;
  if (o.parallelRuns === null) o.parallelRuns = o.quick ? 1 : 5;
  return o;
}

// ---------------------------------------------------------------------------------------------
// The operations. Each iteration returns { metric: value }; setup/teardown run once per runtime.
// Every container an iteration makes is destroyed in its finally (bench.destroy never throws).

const SLEEP = ['/bin/sleep', '3600'];

const OPS = [
  {
    key: 'version', title: '`--version` (start-up floor)',
    iter(b, rt) {
      return { version: b.cmd(rt, ['--version']).ms };
    },
  },
  {
    key: 'run', title: 'run /bin/true',
    iter(b, rt) {
      const { id, dir } = b.bundle(rt, ['/bin/true']);
      b.created(rt, id);
      try {
        return { run: b.cmd(rt, ['run', '--bundle', dir, id], { id }).ms };
      } finally {
        b.destroy(id);
      }
    },
  },
  {
    key: 'lifecycle', title: 'create + start + delete -f (sleep)',
    iter(b, rt) {
      const { id, dir } = b.bundle(rt, SLEEP);
      b.created(rt, id);
      try {
        const create = b.cmd(rt, ['create', '--bundle', dir, id], { id }).ms;
        const start = b.cmd(rt, ['start', id], { id }).ms;
        const del = b.cmd(rt, ['delete', '--force', id], { id }).ms;
        return { 'create+start+delete': create + start + del, create, start, 'delete -f (running)': del };
      } finally {
        b.destroy(id);
      }
    },
  },
  {
    key: 'state', title: 'state (created container)',
    setup(b, rt) {
      const { id, dir } = b.bundle(rt, SLEEP);
      b.created(rt, id);
      b.cmd(rt, ['create', '--bundle', dir, id], { id });
      return id;
    },
    iter(b, rt, id) {
      return { state: b.cmd(rt, ['state', id], { id, stdout: true }).ms };
    },
    teardown(b, rt, id) {
      b.destroy(id);
    },
  },
  {
    key: 'kill', title: 'kill KILL (running), then delete (stopped)',
    iter(b, rt) {
      const { id, dir } = b.bundle(rt, SLEEP);
      b.created(rt, id);
      try {
        b.cmd(rt, ['create', '--bundle', dir, id], { id });
        b.cmd(rt, ['start', id], { id });
        const kill = b.cmd(rt, ['kill', id, 'KILL'], { id }).ms;
        b.waitStopped(rt, id);
        const del = b.cmd(rt, ['delete', id], { id }).ms;
        return { kill, 'delete (stopped)': del };
      } finally {
        b.destroy(id);
      }
    },
  },
  {
    key: 'exec', title: 'exec /bin/true (running container)',
    setup(b, rt) {
      const { id, dir } = b.bundle(rt, SLEEP);
      b.created(rt, id);
      b.cmd(rt, ['create', '--bundle', dir, id], { id });
      b.cmd(rt, ['start', id], { id });
      return id;
    },
    iter(b, rt, id) {
      return { exec: b.cmd(rt, ['exec', id, '/bin/true'], { id }).ms };
    },
    teardown(b, rt, id) {
      b.destroy(id);
    },
  },
  {
    key: 'rss', title: 'memory of a created container (the process waiting for start)',
    iter(b, rt) {
      const { id, dir } = b.bundle(rt, SLEEP);
      b.created(rt, id);
      try {
        b.cmd(rt, ['create', '--bundle', dir, id], { id });
        const { pid } = b.state(rt, id);
        const m = memoryOf(pid);
        return { 'RSS waiting for start': m.rss, 'PSS waiting for start': m.pss, _processes: m.processes.join('+') };
      } finally {
        b.destroy(id);
      }
    },
  },
  {
    key: 'parallel', title: 'N containers created+started in parallel, then deleted',
    async: true,
    async iter(b, rt, _s, opts) {
      const n = opts.parallel;
      const made = [];
      for (let k = 0; k < n; k++) {
        const c = b.bundle(rt, SLEEP);
        b.created(rt, c.id);
        made.push(c);
      }
      try {
        const t0 = process.hrtime.bigint();
        await Promise.all(made.map(async ({ id, dir }) => {
          await b.cmdAsync(rt, ['create', '--bundle', dir, id], id);
          await b.cmdAsync(rt, ['start', id], id);
        }));
        const t1 = process.hrtime.bigint();
        await Promise.all(made.map(({ id }) => b.cmdAsync(rt, ['delete', '--force', id], id)));
        const t2 = process.hrtime.bigint();
        const up = Number(t1 - t0) / 1e6;
        const down = Number(t2 - t1) / 1e6;
        return { [`parallel ${n}: total`]: up + down, [`parallel ${n}: create+start`]: up, [`parallel ${n}: delete -f`]: down };
      } finally {
        for (const { id } of made) b.destroy(id);
      }
    },
  },
];

// ---------------------------------------------------------------------------------------------

function stats(values) {
  const v = [...values].sort((a, b) => a - b);
  const n = v.length;
  if (n === 0) return null;
  const median = n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  return { median, min: v[0], max: v[n - 1], n };
}

/** The process-spawn cost of the harness itself: spawnSync of /bin/true, timed the same way. */
function spawnFloor(runs) {
  const t = [];
  for (let i = 0; i < runs + 3; i++) {
    const t0 = process.hrtime.bigint();
    spawnSync('/bin/true', [], { stdio: ['ignore', 'ignore', 'ignore'], env: ENV });
    if (i >= 3) t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return stats(t);
}

/** What the crun wrapper adds per call: wrapper --version minus crun --version. */
function wrapperOverhead(crun, runs) {
  const a = [];
  const b = [];
  for (let i = 0; i < runs + 2; i++) {
    let t0 = process.hrtime.bigint();
    spawnSync(crun.path, [...crun.pre, '--version'], { stdio: 'ignore', env: ENV });
    const wrapped = Number(process.hrtime.bigint() - t0) / 1e6;
    t0 = process.hrtime.bigint();
    spawnSync(crun.binary, ['--version'], { stdio: 'ignore', env: ENV });
    const plain = Number(process.hrtime.bigint() - t0) / 1e6;
    if (i >= 2) { a.push(wrapped); b.push(plain); }
  }
  return { wrapped: stats(a), plain: stats(b), overhead: stats(a)?.median - stats(b)?.median };
}

/** A runtime is usable if --version works and it can create and delete one container. */
function probe(b, rt) {
  if (!fs.existsSync(rt.path)) return `${rt.path} not found${rt.name === 'skiff' ? ' (npm run build)' : ''}`;
  if (rt.binary && !fs.existsSync(rt.binary)) return `${rt.binary} not found`;
  const v = b.cmd(rt, ['--version'], { allowFail: true, stdout: true });
  if (!v.ok) return v.error.message;
  const { id, dir } = b.bundle(rt, ['/bin/true']);
  b.created(rt, id);
  try {
    const c = b.cmd(rt, ['create', '--bundle', dir, id], { id, allowFail: true });
    if (!c.ok) return c.error.message;
    return null;
  } finally {
    b.destroy(id);
  }
}

const fmt = (v, unit) => (v === undefined || v === null || Number.isNaN(v) ? '–'
  : unit === 'kB' ? `${Math.round(v).toLocaleString('en-US')} kB` : `${v.toFixed(1)} ms`);

async function bench(o) {
  let runtimes = runtimeTable();
  if (o.runtimes) runtimes = runtimes.filter((r) => o.runtimes.includes(r.name));
  const ops = OPS.filter((op) => !o.only || o.only.includes(op.key));
  const b = new Bench(runtimes);
  let interrupted = false;
  const onSignal = (sig) => {
    interrupted = true;
    process.stderr.write(`\n${sig}: cleaning up\n`);
    try { b.cleanup(); } finally { process.exit(130); }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const results = {
    date: new Date().toISOString(),
    host: { kernel: os.release(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version,
      loadavgBefore: os.loadavg() },
    settings: { runs: o.runs, warmup: o.warmup, parallel: o.parallel, parallelRuns: o.parallelRuns, quick: o.quick },
    runtimes: {},
    harness: {},
    ops: {},
    errors: [],
  };
  try {
    b.holders = [];
    for (const rt of runtimes.filter((r) => r.name === 'crun')) {
      try {
        const h = await prepareCrun(rt, b.dir, o.crunWrapper);
        if (h) b.holders.push(h);
      } catch (e) {
        rt.setupError = e.message;
      }
    }
    for (const rt of runtimes) {
      const reason = rt.setupError || probe(b, rt);
      rt.available = !reason;
      results.runtimes[rt.name] = { path: rt.path, binary: rt.binary, version: versionOf(rt), available: !reason, reason, note: rt.note };
      if (reason) process.stderr.write(`bench: ${rt.name} unavailable: ${reason}\n`);
    }
    const live = runtimes.filter((r) => r.available);
    if (!live.some((r) => r.name === 'skiff') && runtimes.some((r) => r.name === 'skiff')) {
      process.stderr.write('bench: skiff is not usable; the other runtimes are measured anyway\n');
    }
    results.harness.spawnFloorMs = spawnFloor(o.runs);
    const crun = live.find((r) => r.name === 'crun');
    if (crun && crun.path !== crun.binary) results.harness.crunWrapper = wrapperOverhead(crun, o.runs);

    for (const op of ops) {
      const runs = op.key === 'parallel' ? o.parallelRuns : o.runs;
      const warm = op.key === 'parallel' ? 0 : o.warmup;
      process.stderr.write(`bench: ${op.key} (${warm} warm-up + ${runs} runs, round-robin over ${live.map((r) => r.name).join(', ')})\n`);
      const samples = {}; // metric -> runtime -> values
      const extra = {};
      const setupState = new Map();
      const failed = new Map();
      try {
        for (const rt of live) {
          if (!op.setup) continue;
          try {
            setupState.set(rt.name, op.setup(b, rt));
          } catch (e) {
            failed.set(rt.name, e.message);
          }
        }
        for (let i = 0; i < warm + runs; i++) {
          // Round-robin, starting with a different runtime each iteration.
          const order = live.map((_, k) => live[(k + i) % live.length]);
          for (const rt of order) {
            if (failed.has(rt.name)) continue;
            try {
              const r = op.async
                ? await op.iter(b, rt, setupState.get(rt.name), o)
                : op.iter(b, rt, setupState.get(rt.name), o);
              if (i < warm) continue;
              for (const [metric, value] of Object.entries(r)) {
                if (metric.startsWith('_')) { (extra[metric] ||= {})[rt.name] = value; continue; }
                ((samples[metric] ||= {})[rt.name] ||= []).push(value);
              }
            } catch (e) {
              failed.set(rt.name, e.message);
            }
          }
        }
      } finally {
        for (const rt of live) {
          if (op.teardown && setupState.has(rt.name)) op.teardown(b, rt, setupState.get(rt.name));
        }
      }
      for (const [name, msg] of failed) {
        process.stderr.write(`bench: ${op.key} failed for ${name}: ${msg}\n`);
        results.errors.push({ op: op.key, runtime: name, error: msg });
      }
      for (const [metric, byRt] of Object.entries(samples)) {
        const unit = /RSS|PSS/.test(metric) ? 'kB' : 'ms';
        const entry = { op: op.key, unit, runtimes: {} };
        for (const [name, values] of Object.entries(byRt)) {
          if (failed.has(name)) continue;
          entry.runtimes[name] = { ...stats(values), samples: values.map((x) => Math.round(x * 1000) / 1000) };
        }
        if (extra._processes) entry.processes = extra._processes;
        results.ops[metric] = entry;
      }
    }
  } finally {
    if (!interrupted) b.cleanup();
  }
  results.host.loadavgAfter = os.loadavg();
  return results;
}

function table(results, markdown) {
  const names = Object.keys(results.runtimes).filter((n) => results.runtimes[n].available);
  const header = ['op', ...names.map((n) => `${n} median (min–max)`), ...names.filter((n) => n !== 'runc').map((n) => `${n}/runc`)];
  const rows = [];
  for (const [metric, e] of Object.entries(results.ops)) {
    const cells = [markdown ? metric : metric];
    for (const n of names) {
      const s = e.runtimes[n];
      cells.push(s ? `${fmt(s.median, e.unit)} (${fmt(s.min, e.unit).replace(/ (ms|kB)$/, '')}–${fmt(s.max, e.unit)})` : 'failed');
    }
    const base = e.runtimes.runc?.median;
    for (const n of names.filter((x) => x !== 'runc')) {
      const s = e.runtimes[n];
      cells.push(s && base ? `${(s.median / base).toFixed(2)}×` : '–');
    }
    rows.push(cells);
  }
  if (markdown) {
    return [header, header.map((_, i) => (i === 0 ? '---' : '---:')), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function notes(results) {
  const out = [];
  const h = results.harness;
  if (h.spawnFloorMs) out.push(`Harness floor: spawnSync of /bin/true takes ${h.spawnFloorMs.median.toFixed(2)} ms (median); it is included in every time above, for every runtime alike.`);
  const crun = results.runtimes.crun;
  if (h.crunWrapper) out.push(`crun ${crun.note}; this adds ${h.crunWrapper.overhead.toFixed(1)} ms per call (${h.crunWrapper.wrapped.median.toFixed(1)} ms for --version that way vs ${h.crunWrapper.plain.median.toFixed(1)} ms for crun --version), included in crun's times.`);
  const [l1] = results.host.loadavgBefore || [];
  const [l2] = results.host.loadavgAfter || [];
  if (l1 !== undefined) out.push(`Load average (1 min) ${l1.toFixed(2)} before, ${l2 === undefined ? '?' : l2.toFixed(2)} after, on ${results.host.cpus} CPUs${Math.max(l1, l2 || 0) > results.host.cpus ? ' — the machine was busy: absolute times are inflated, compare the ratios' : ''}.`);
  for (const [n, r] of Object.entries(results.runtimes)) if (!r.available) out.push(`${n} unavailable: ${r.reason}`);
  const rss = results.ops['RSS waiting for start'];
  if (rss?.processes) out.push(`Processes waiting for start: ${Object.entries(rss.processes).map(([n, p]) => `${n}: ${p}`).join('; ')}.`);
  for (const e of results.errors) out.push(`FAILED ${e.op} on ${e.runtime}: ${e.error}`);
  return out;
}

function markdownReport(results) {
  const v = Object.entries(results.runtimes).map(([n, r]) => `${n}: ${r.version || 'unknown'}`).join('; ');
  const s = results.settings;
  return [
    `Benchmark of ${results.date.slice(0, 10)} (\`npm run bench\`${s.quick ? ' --quick' : ''}): ${results.host.cpus} × ${results.host.cpu}, kernel ${results.host.kernel}.`,
    `Versions: ${v}. Medians of ${s.runs} runs (${s.parallelRuns} for the parallel test) after ${s.warmup} warm-up runs, runtimes interleaved round-robin.`,
    '',
    table(results, true),
    '',
    ...notes(results).map((n) => `- ${n}`),
    '',
  ].join('\n');
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (process.getuid && process.getuid() !== 0) throw new Error('run the benchmark as root');
  if (o.profile) {
    require('./profile').profile(o);
    return;
  }
  const results = await bench(o);
  process.stdout.write(`\n${table(results, false)}\n\n${notes(results).join('\n')}\n`);
  if (o.write) {
    fs.mkdirSync(o.out, { recursive: true });
    const base = o.quick ? 'quick' : 'latest';
    fs.writeFileSync(path.join(o.out, `${base}.json`), JSON.stringify(results, null, 2) + '\n');
    fs.writeFileSync(path.join(o.out, `${base}.md`), markdownReport(results));
    process.stdout.write(`\nwrote ${path.relative(process.cwd(), path.join(o.out, `${base}.json`))} and ${base}.md\n`);
  }
  if (results.errors.length > 0) process.exitCode = 1;
}

main().catch((e) => {
  process.stderr.write(`bench: ${e.stack || e.message}\n`);
  process.exitCode = 1;
});
