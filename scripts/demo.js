#!/usr/bin/env node
'use strict';
/**
 * npm run demo: runs one container with bin/skiff and prints from inside it.
 * The bundle is skiff's own default config (`skiff spec`) over a busybox root filesystem,
 * made in a temporary directory that is removed afterwards.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync, spawnSync } = require('child_process');
const { buildRootfs } = require('./make-rootfs');

const skiff = path.resolve(__dirname, '..', 'bin', 'skiff');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-demo-'));
const bundle = path.join(work, 'bundle');
const stateRoot = path.join(work, 'state');
try {
  fs.mkdirSync(bundle);
  buildRootfs(path.join(bundle, 'rootfs'));
  execFileSync(skiff, ['spec', '--bundle', bundle]);
  const configFile = path.join(bundle, 'config.json');
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  config.process.terminal = false;
  config.hostname = 'skiff-demo';
  config.process.args = ['sh', '-c',
    'echo "hello from inside a skiff container"; echo "hostname: $(hostname)"; echo "pid: $$"; echo "processes:"; ps'];
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  const run = spawnSync(skiff, ['--root', stateRoot, 'run', '--bundle', bundle, `demo-${process.pid}`], { stdio: 'inherit' });
  process.exitCode = run.status ?? 1;
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
