'use strict';
/**
 * node bench/run.js --profile: where skiff's own time goes, per operation.
 *
 * skiff's sources are bundled unminified with bun (the same bundle bin/skiff compiles, minus
 * --compile/--minify/--bytecode) and run under `bun --cpu-prof --cpu-prof-md`. For each of
 * state, create, start, delete the operation is profiled N times; every sample's stack is put
 * in one category (module load, config validation, shim spawn and channel, ...) and the samples
 * are summed over the runs. Wall time outside the profiler (bun's own start-up and exit) is
 * reported too, from hrtime around the same calls. The markdown profiles stay in bench/results/profile/.
 */
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { REPO, ENV, Bench } = require('./common');

const BUN = path.join(REPO, 'node_modules', 'bun', 'bin', 'bun.exe');
const SLEEP = ['/bin/sleep', '3600'];

/** The module of a line of the bundle, from bun's "// path/to/file.ts" markers (before the first: bun's helpers). */
function moduleMap(bundleFile) {
  const marks = [];
  const lines = fs.readFileSync(bundleFile, 'utf8').split('\n');
  lines.forEach((l, i) => {
    const m = /^\/\/ (?:\.\.\/)*(.*\.(?:ts|js|json))$/.exec(l);
    if (m) marks.push({ line: i + 1, module: m[1].replace(/^.*?\/(src|node_modules)\//, '$1/') });
  });
  return (line) => {
    let lo = 0;
    let hi = marks.length - 1;
    let found = '(bundle runtime)';
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid].line <= line) { found = marks[mid].module; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  };
}

/** Describes one frame: where it is (a src module of the bundle, a builtin module, native code). */
function frameInfo(cf, modOf, bundleUrl) {
  const fn = cf.functionName || '';
  const url = cf.url || '';
  if (url === bundleUrl || url.endsWith(bundleUrl.replace(/^file:\/\//, ''))) {
    return { kind: 'src', mod: modOf(cf.lineNumber + 1), fn };
  }
  if (/^(node|internal|bun):/.test(url) || /^(node|internal|bun):/.test(fn)) {
    const mod = (url || fn).replace(/:\d+$/, '');
    // A builtin module's top-level code shows up as a function named after the module.
    return { kind: 'builtin', mod, fn };
  }
  return { kind: 'native', mod: '[native]', fn };
}

const CATEGORY_ORDER = [
  'module load (src)', 'module load (node builtins)', 'config validation', 'shim: spawn skiff-init + plan channel',
  'cgroups', 'container state, lock, files', 'CLI parsing and dispatch', 'logging', 'other skiff code',
  'bun runtime / native (no skiff frame)',
];

/**
 * The module bodies running in a sample's stack. bun's bundle runs an ES module's body as the
 * arrow given to __esm (and a CommonJS one as the callback of __commonJS): an anonymous frame at
 * the module's own lines, called from a frame of the bundle's runtime helpers. A node builtin's
 * body is a frame named after the module ("node:net", "internal:streams/duplex").
 */
function moduleBodies(stack) {
  const bodies = [];
  for (let i = 1; i < stack.length; i++) {
    const f = stack[i];
    const prev = stack[i - 1];
    if (f.kind === 'builtin' && /^(node|internal|bun):/.test(f.fn)) bodies.push({ i, kind: 'builtin', mod: f.mod });
    else if (f.kind === 'src' && f.mod !== '(bundle runtime)' && f.fn === '' && prev.kind === 'src' && prev.mod === '(bundle runtime)') {
      bodies.push({ i, kind: 'src', mod: f.mod });
    } else if (f.fn === 'bound require' || f.fn === '__require') bodies.push({ i, kind: 'require', mod: '?' });
  }
  return bodies;
}

/**
 * One sample's category. Module loading wins (a require() inside validation is module load);
 * then the innermost skiff module on the stack decides.
 */
function categorize(stack, detail) {
  const leaf = stack[stack.length - 1];
  const bodies = moduleBodies(stack);
  if (bodies.length > 0) {
    const firstBuiltin = bodies.find((b) => b.kind !== 'src');
    if (firstBuiltin) {
      const builtin = bodies.find((b) => b.kind === 'builtin');
      const requester = [...bodies].reverse().find((b) => b.kind === 'src' && b.i < firstBuiltin.i);
      const srcFrame = [...stack.slice(0, firstBuiltin.i)].reverse().find((f) => f.kind === 'src' && f.mod !== '(bundle runtime)');
      const who = requester ? requester.mod : srcFrame ? `${srcFrame.mod} ${srcFrame.fn || '(top)'}` : '?';
      detail.push(`${builtin ? builtin.mod : 'require() before the body'} (from ${who})`);
      return 'module load (node builtins)';
    }
    detail.push(bodies[bodies.length - 1].mod);
    return 'module load (src)';
  }
  const src = [...stack].reverse().find((f) => f.kind === 'src' && f.mod !== '(bundle runtime)');
  const leafName = leaf ? `${leaf.fn || '(anonymous)'}${leaf.kind === 'native' ? ' [native]' : leaf.kind === 'builtin' ? ` [${leaf.mod}]` : ''}` : '?';
  if (!src) {
    detail.push(leafName);
    return 'bun runtime / native (no skiff frame)';
  }
  const onStack = (re) => stack.some((f) => f.kind === 'src' && re.test(f.mod));
  detail.push(`${src.mod} ${src.fn || '(top)'} → ${leafName}`);
  if (onStack(/^src\/spec\//)) return 'config validation';
  if (onStack(/^src\/shim\//)) return 'shim: spawn skiff-init + plan channel';
  if (/^src\/cgroups\//.test(src.mod)) return 'cgroups';
  if (/^src\/(container|factory)\//.test(src.mod)) return 'container state, lock, files';
  if (/^src\/cli\//.test(src.mod)) return 'CLI parsing and dispatch';
  if (/^src\/log\//.test(src.mod)) return 'logging';
  return 'other skiff code';
}

/** Sums one .cpuprofile into categories (ms) and detail lines (ms). */
function analyse(file, modOf, bundleUrl, acc) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const stackCache = new Map();
  const stackOf = (id) => {
    if (stackCache.has(id)) return stackCache.get(id);
    const s = [];
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (n.callFrame.functionName === '(root)') break;
      s.push(frameInfo(n.callFrame, modOf, bundleUrl));
    }
    s.reverse();
    stackCache.set(id, s);
    return s;
  };
  // timeDeltas[i] is the time before sample i; charge each sample with the gap that follows it.
  const deltas = p.timeDeltas.slice(1).concat([0]);
  for (let i = 0; i < p.samples.length; i++) {
    const ms = deltas[i] / 1000;
    const detail = [];
    const cat = categorize(stackOf(p.samples[i]), detail);
    acc.categories[cat] = (acc.categories[cat] || 0) + ms;
    const key = `${cat} | ${detail[0]}`;
    acc.details[key] = (acc.details[key] || 0) + ms;
    acc.sampled += ms;
  }
  acc.profiled += (p.endTime - p.startTime) / 1000;
  acc.runs++;
}

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function profile(o) {
  const runs = o.runsGiven || o.quick ? o.runs : 10; // 10 profiles per op unless --runs says otherwise
  const ops = o.ops || ['state', 'create', 'start', 'delete'];
  if (!fs.existsSync(BUN)) throw new Error(`${BUN} missing: npm ci`);
  const shim = path.join(REPO, 'bin', 'skiff-init');
  if (!fs.existsSync(shim)) throw new Error('bin/skiff-init missing: npm run build');
  const outDir = path.join(o.out, 'profile');
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });

  const skiffRt = { name: 'skiff', path: path.join(REPO, 'bin', 'skiff'), pre: [] };
  const b = new Bench([skiffRt]);
  const bundle = path.join(b.dir, 'skiff.js');
  try {
    execFileSync(BUN, ['build', path.join(REPO, 'src', 'main.ts'), '--target=bun', '--format=cjs', '--outfile', bundle], { stdio: ['ignore', 'ignore', 'inherit'], env: ENV });
    const modOf = moduleMap(bundle);
    const bundleUrl = `file://${bundle}`;
    const env = { ...ENV, SKIFF_INIT: shim };
    // The same state root for all three ways of running skiff.
    const plainRt = { name: 'skiff-bundle', path: BUN, pre: [bundle], root: skiffRt.root, env };
    const profRt = (dir) => ({ name: 'skiff-prof', path: BUN, pre: ['--cpu-prof', '--cpu-prof-md', '--cpu-prof-dir', dir, bundle], root: skiffRt.root, env });

    const report = {};
    for (const op of ops) {
      const dir = path.join(outDir, op);
      fs.mkdirSync(dir);
      const prof = profRt(dir);
      const wall = { compiled: [], bundle: [], profiled: [] };
      let stateId = null;
      process.stderr.write(`profile: ${op} (${runs} runs)\n`);
      for (let i = 0; i < runs + 1; i++) {
        const keep = i > 0; // the first run warms the caches and is dropped
        const { id, dir: bdir } = b.bundle(skiffRt, SLEEP);
        b.created(skiffRt, id);
        try {
          // Three timings of the operation: compiled binary, plain bundle, profiled bundle.
          const timed = (fn) => {
            const r = [];
            for (const rt of [skiffRt, plainRt, prof]) r.push(fn(rt));
            return r;
          };
          let t;
          if (op === 'state') {
            if (!stateId) { stateId = id; b.cmd(skiffRt, ['create', '--bundle', bdir, id], { id }); }
            t = timed((rt) => b.cmd(rt, ['state', stateId], { id, stdout: true }).ms);
          } else if (op === 'create') {
            t = timed((rt) => {
              const c = b.bundle(skiffRt, SLEEP);
              b.created(skiffRt, c.id);
              const ms = b.cmd(rt, ['create', '--bundle', c.dir, c.id], { id: c.id }).ms;
              b.destroy(c.id);
              return ms;
            });
          } else if (op === 'start') {
            t = timed((rt) => {
              const c = b.bundle(skiffRt, SLEEP);
              b.created(skiffRt, c.id);
              b.cmd(skiffRt, ['create', '--bundle', c.dir, c.id], { id: c.id });
              const ms = b.cmd(rt, ['start', c.id], { id: c.id }).ms;
              b.destroy(c.id);
              return ms;
            });
          } else if (op === 'delete') {
            t = timed((rt) => {
              const c = b.bundle(skiffRt, SLEEP);
              b.created(skiffRt, c.id);
              b.cmd(skiffRt, ['create', '--bundle', c.dir, c.id], { id: c.id });
              b.cmd(skiffRt, ['start', c.id], { id: c.id });
              b.cmd(skiffRt, ['kill', c.id, 'KILL'], { id: c.id });
              b.waitStopped(skiffRt, c.id);
              const ms = b.cmd(rt, ['delete', c.id], { id: c.id }).ms;
              b.live.delete(c.id);
              b.destroy(c.id);
              return ms;
            });
          } else {
            throw new Error(`cannot profile ${op} (state, create, start, delete)`);
          }
          if (keep) { wall.compiled.push(t[0]); wall.bundle.push(t[1]); wall.profiled.push(t[2]); }
        } finally {
          if (id !== stateId) b.destroy(id);
        }
        if (!keep) for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f));
      }
      if (stateId) b.destroy(stateId);
      const acc = { categories: {}, details: {}, sampled: 0, profiled: 0, runs: 0 };
      for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'))) analyse(path.join(dir, f), modOf, bundleUrl, acc);
      report[op] = { wall: { compiled: median(wall.compiled), bundle: median(wall.bundle), profiled: median(wall.profiled) }, acc };
    }
    print(report, bundle);
    fs.writeFileSync(path.join(outDir, 'summary.json'), JSON.stringify(report, null, 2) + '\n');
    process.stdout.write(`\nprofiles (markdown and .cpuprofile) in ${path.relative(process.cwd(), outDir)}/<op>/, summary in summary.json\n`);
  } finally {
    b.cleanup();
  }
}

function print(report) {
  const out = [];
  for (const [op, r] of Object.entries(report)) {
    const a = r.acc;
    const per = (ms) => ms / a.runs;
    out.push(`\n## skiff ${op}`);
    out.push(`wall (median): bin/skiff ${r.wall.compiled.toFixed(1)} ms, bundle under bun ${r.wall.bundle.toFixed(1)} ms, `
      + `profiled ${r.wall.profiled.toFixed(1)} ms; per profiled run: ${per(a.profiled).toFixed(1)} ms inside the profiler `
      + `(${per(a.sampled).toFixed(1)} ms sampled), ~${(r.wall.profiled - per(a.profiled)).toFixed(1)} ms outside it (bun start-up before the first JS, exit)`);
    out.push('');
    out.push('| category | ms per run | share of sampled |');
    out.push('|---|---:|---:|');
    const cats = Object.entries(a.categories).sort((x, y) => CATEGORY_ORDER.indexOf(x[0]) - CATEGORY_ORDER.indexOf(y[0]));
    for (const [c, ms] of cats) out.push(`| ${c} | ${per(ms).toFixed(2)} | ${((100 * ms) / a.sampled).toFixed(0)}% |`);
    out.push('');
    out.push('top entries (category | what; ms per run):');
    const top = Object.entries(a.details).sort((x, y) => y[1] - x[1]).slice(0, 12);
    for (const [k, ms] of top) out.push(`  ${per(ms).toFixed(2).padStart(6)}  ${k}`);
  }
  process.stdout.write(out.join('\n') + '\n');
}

module.exports = { profile };
