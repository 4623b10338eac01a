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
step('skiff-init (C)', 'gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', path.join(bin, 'skiff-init'), ...nativeSources, '-lseccomp']);
step('skiff (bun --compile)', bun, ['build', '--compile', '--minify', '--bytecode', '--format=esm', '--splitting', '--outfile', path.join(bin, 'skiff'), path.join(root, 'src', 'main.ts')]);
