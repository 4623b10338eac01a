#!/usr/bin/env node
'use strict';
/**
 * npm run build:
 *   1. src/spec/generated/ from schemas/ (types + precompiled validators)
 *   2. tsc into dist/ (type check; also what `node dist/src/main.js` runs)
 *   3. bin/skiff-init from native/ (the C plan interpreter)
 *   4. bin/skiff: one self-contained executable made by `bun build --compile`
 * Each step stops the build on failure.
 */
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const bin = path.join(root, 'bin');

function step(title, file, args, extraEnv = {}) {
  process.stdout.write(`build: ${title}\n`);
  execFileSync(file, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...extraEnv } });
}


/** bun's npm package ships the binary; its postinstall may not have run (npm ci --ignore-scripts). */
function bunExecutable() {
  const candidates = [
    path.join(root, 'node_modules', 'bun', 'bin', 'bun.exe'),
    path.join(root, 'node_modules', '@oven', 'bun-linux-x64', 'bin', 'bun'),
    path.join(root, 'node_modules', '@oven', 'bun-linux-x64-baseline', 'bin', 'bun'),
    path.join(root, 'node_modules', '@oven', 'bun-linux-aarch64', 'bin', 'bun'),
  ];
  for (const c of candidates) {
    try {
      execFileSync(c, ['--version'], { stdio: 'ignore' });
      return c;
    } catch {
      /* try the next */
    }
  }
  throw new Error('bun not found in node_modules: run npm ci');
}

/** npm may install bun without its binary and skip the postinstall that fetches it; run that step. */
function ensureBun() {
  try {
    return bunExecutable();
  } catch {
    step('bun binary (its postinstall)', process.execPath, [path.join(root, 'node_modules', 'bun', 'install.js')]);
    return bunExecutable();
  }
}

fs.mkdirSync(bin, { recursive: true });
const bun = ensureBun();
step('generate spec types and validators', process.execPath, [path.join(__dirname, 'gen-spec.js')]);
step('typescript', process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']);
const nativeSources = fs.readdirSync(path.join(root, 'native')).filter((f) => f.endsWith('.c')).map((f) => path.join('native', f));
// Static and stripped: the process that waits for `start` maps no shared libraries, so it stays
// small (runc's waits in ~10 MB), and each exec of it skips the dynamic loader.
step('skiff-init (C)', 'gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-static', '-s', '-ffunction-sections', '-fdata-sections',
  '-Wl,--gc-sections', '-o', path.join(bin, 'skiff-init'), ...nativeSources, '-lseccomp']);

/** The checkout's commit, for `skiff --version` (runc prints its own); "" outside a git checkout. */
function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** The version of the libseccomp skiff-init is linked with (statically), from the header it is compiled against. */
function libseccompVersion() {
  const header = fs.readFileSync('/usr/include/seccomp.h', 'utf8');
  const parts = ['MAJOR', 'MINOR', 'MICRO'].map((name) => header.match(new RegExp(`^#define\\s+SCMP_VER_${name}\\s+(\\d+)`, 'm'))?.[1]);
  return parts.every(Boolean) ? parts.join('.') : '';
}

/**
 * bun build --compile, tuned for a program that lives a few milliseconds:
 * - no .env or bunfig.toml is read at start-up (clients run skiff in the bundle directory, whose
 *   files must not change skiff's environment, and the lookups cost time);
 * - JIT tier-up is put off (--compile-jit-policy): a call of skiff ends before the JIT would pay off;
 * - with --bytecode-order, the bytecode the usual calls run is laid out first in the executable.
 */
function compile(orderFiles) {
  const args = ['build', '--compile', '--minify', '--bytecode', '--format=esm', '--splitting',
    '--no-compile-autoload-dotenv', '--no-compile-autoload-bunfig', '--compile-jit-policy=1000',
    `--define=SKIFF_GIT_COMMIT=${JSON.stringify(gitCommit())}`,
    `--define=SKIFF_LIBSECCOMP_VERSION=${JSON.stringify(libseccompVersion())}`];
  if (orderFiles.length) args.push(`--bytecode-order=${orderFiles.join(',')}`);
  step(`skiff (bun --compile${orderFiles.length ? ', bytecode laid out by use' : ''})`, bun,
    [...args, '--outfile', path.join(bin, 'skiff'), path.join(root, 'src', 'main.ts')]);
}

/**
 * Which bytecode the common calls use, recorded by running the first build (BUN_BYTECODE_ORDER_OUT).
 * The calls fail early on purpose (no such container; a bundle without its rootfs): they need no root and touch nothing,
 * yet go through start-up, flag parsing, dispatch and each command's module load, the shared part of
 * every call. Most frequent first, as bun wants them.
 */
function recordBytecodeOrder() {
  const scratch = fs.mkdtempSync(path.join(require('os').tmpdir(), 'skiff-order-'));
  const stateRoot = path.join(scratch, 'root');
  // A bundle whose config is valid but whose rootfs is missing: create and run then fail only after
  // reading and validating the config, so the validator's bytecode is laid out with the rest.
  const bundle = path.join(scratch, 'bundle');
  fs.mkdirSync(bundle);
  execFileSync(path.join(bin, 'skiff'), ['spec', '--bundle', bundle], { stdio: 'ignore' });
  const calls = [
    ['state', 'none'], ['kill', 'none', 'KILL'], ['start', 'none'], ['delete', '--force', 'none'],
    ['exec', 'none', '/bin/true'], ['create', '--bundle', bundle, 'none'], ['run', '--bundle', bundle, 'none'], ['list'], ['features'], ['--version'],
  ];
  const files = calls.map((call, i) => {
    const out = path.join(scratch, `order-${i}.txt`);
    try {
      execFileSync(path.join(bin, 'skiff'), ['--root', stateRoot, ...call], {
        cwd: scratch, stdio: 'ignore', env: { ...process.env, BUN_BYTECODE_ORDER_OUT: out },
      });
    } catch {
      // failing is the point
    }
    return out;
  });
  return { scratch, files: files.filter((f) => fs.existsSync(f)) };
}

compile([]);
const order = recordBytecodeOrder();
try {
  compile(order.files);
} finally {
  fs.rmSync(order.scratch, { recursive: true, force: true });
}
