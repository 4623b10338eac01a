#!/usr/bin/env node
'use strict';
/**
 * Builds a minimal root filesystem from a statically linked busybox
 * (Debian package busybox-static, /bin/busybox).
 *
 *   node scripts/make-rootfs.js <dir> [--busybox <path>]
 *
 * The directory must be missing or empty. The result holds bin/busybox,
 * one symlink per applet, the usual top-level directories and a small
 * /etc with users root, nobody and tester (uid 1000). The test helpers
 * (test/helpers/rootfs.ts) reuse buildRootfs() from this file.
 */
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const DEFAULT_BUSYBOX = '/bin/busybox';

// Directories every container expects to exist (mount points and scratch space).
const DIRECTORIES = [
  ['bin', 0o755], ['sbin', 0o755], ['usr', 0o755], ['usr/bin', 0o755], ['usr/sbin', 0o755],
  ['etc', 0o755], ['dev', 0o755], ['proc', 0o555], ['sys', 0o555], ['run', 0o755],
  ['tmp', 0o1777], ['var', 0o755], ['var/tmp', 0o1777], ['mnt', 0o755],
  ['root', 0o700], ['home', 0o755], ['home/tester', 0o755],
];

const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  'tester:x:1000:1000:skiff test user:/home/tester:/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false',
];

// "testers" is the supplementary group of the test user.
const GROUP = [
  'root:x:0:',
  'tty:x:5:',
  'tester:x:1000:',
  'testers:x:1001:tester',
  'nogroup:x:65534:',
];

const HOSTNAME = 'skiff-test';
const TESTER_UID = 1000;
const TESTER_GID = 1000;

/** Lists the applets as paths relative to "/" (e.g. "usr/bin/env"). */
function listApplets(busybox) {
  const out = execFileSync(busybox, ['--list-full'], { encoding: 'utf8' });
  return out.split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
}

/** Creates the symlink unless something already occupies the name. */
function linkIfMissing(target, linkPath) {
  try {
    fs.lstatSync(linkPath);
  } catch {
    fs.symlinkSync(target, linkPath);
  }
}

function writeEtc(root) {
  const write = (name, lines) => fs.writeFileSync(path.join(root, 'etc', name), lines.join('\n') + '\n');
  write('passwd', PASSWD);
  write('group', GROUP);
  write('hostname', [HOSTNAME]);
  write('hosts', ['127.0.0.1 localhost', `127.0.1.1 ${HOSTNAME}`, '::1 localhost']);
  write('shadow', ['root:*::0:::::', 'tester:*::0:::::', 'nobody:*::0:::::']);
  fs.chmodSync(path.join(root, 'etc', 'shadow'), 0o600);
  fs.writeFileSync(path.join(root, 'etc', 'resolv.conf'), '');
}

/**
 * Fills `root` with a busybox root filesystem.
 * @param {string} root target directory (created if missing; must be empty)
 * @param {{busybox?: string}} [options]
 * @returns {{applets: number}}
 */
function buildRootfs(root, options = {}) {
  const busybox = options.busybox || DEFAULT_BUSYBOX;
  if (!fs.existsSync(busybox)) {
    throw new Error(`${busybox} not found: install the busybox-static package`);
  }
  fs.mkdirSync(root, { recursive: true });
  if (fs.readdirSync(root).length > 0) {
    throw new Error(`${root} is not empty`);
  }
  for (const [dir, mode] of DIRECTORIES) {
    const full = path.join(root, dir);
    fs.mkdirSync(full, { recursive: true });
    fs.chmodSync(full, mode); // mkdir's mode is filtered by the umask
  }
  fs.chownSync(path.join(root, 'home/tester'), TESTER_UID, TESTER_GID);

  fs.copyFileSync(busybox, path.join(root, 'bin/busybox'));
  fs.chmodSync(path.join(root, 'bin/busybox'), 0o755);

  // Every applet gets a link in /bin (so PATH=/bin is enough) and one at the
  // place busybox itself suggests (so "#!/usr/bin/env" scripts work).
  // "busybox" is itself in the list: skip it or the binary is replaced by a loop.
  const applets = listApplets(busybox).filter((p) => path.basename(p) !== 'busybox');
  for (const applet of applets) {
    const name = path.basename(applet);
    linkIfMissing('busybox', path.join(root, 'bin', name));
    const dir = path.dirname(applet);
    if (dir !== 'bin' && dir !== '.' && DIRECTORIES.some(([d]) => d === dir)) {
      // Relative, so the link also resolves when the rootfs is inspected from the host.
      linkIfMissing(path.relative(dir, 'bin/busybox'), path.join(root, applet));
    }
  }
  linkIfMissing('busybox', path.join(root, 'bin/sh'));

  writeEtc(root);
  return { applets: applets.length };
}

function main(argv) {
  const args = argv.slice(2);
  let busybox;
  const positional = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--busybox') busybox = args[++i];
    else positional.push(args[i]);
  }
  if (positional.length !== 1 || positional[0].startsWith('-')) {
    process.stderr.write('usage: node scripts/make-rootfs.js <dir> [--busybox /bin/busybox]\n');
    return 2;
  }
  const target = path.resolve(positional[0]);
  const { applets } = buildRootfs(target, { busybox });
  process.stdout.write(`rootfs ready in ${target} (busybox + ${applets} applets)\n`);
  return 0;
}

module.exports = { buildRootfs, DEFAULT_BUSYBOX, HOSTNAME, TESTER_UID, TESTER_GID };

if (require.main === module) {
  try {
    process.exitCode = main(process.argv);
  } catch (err) {
    process.stderr.write(`make-rootfs: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
