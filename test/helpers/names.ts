/**
 * Every name a test invents (temp dirs, container ids, cgroup dirs) carries this
 * marker, so cleanup can prove that it only ever removes what a test created.
 * Names also carry the id of the test run, so the final leftover check blames
 * only this run (another run may be going on at the same time on a shared host).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';

export const TEST_MARKER = 'skiff-test';

/**
 * Identifies this test run. jest --runInBand runs every file in one process, so
 * its pid is the same for all of them; SKIFF_TEST_RUN_ID overrides it.
 */
export const RUN_ID = (process.env.SKIFF_TEST_RUN_ID || process.pid.toString(36)).replace(/[^A-Za-z0-9]/g, '');

/** Prefix of every name made in this run, e.g. "skiff-test-1x3f". */
export const RUN_PREFIX = `${TEST_MARKER}-${RUN_ID}`;

/** Root of the repository (test/helpers/../..). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** A fresh name such as "skiff-test-1x3f-echo-3f9a1c2b", valid as a container id and a cgroup dir name. */
export function uniqueName(label = 'ctr'): string {
  const safeLabel = label.replace(/[^A-Za-z0-9_.-]/g, '-');
  return `${RUN_PREFIX}-${safeLabel}-${randomBytes(4).toString('hex')}`;
}

/** True when some path segment carries the test marker. */
export function carriesTestMarker(p: string): boolean {
  return p.split('/').some((segment) => segment.includes(TEST_MARKER));
}

/** True when some path segment was named in this run. */
export function carriesRunMarker(p: string): boolean {
  return p.split('/').some((segment) => segment.includes(RUN_PREFIX));
}

/**
 * mkdtemp under /tmp as /tmp/skiff-test-<run>-<kind>-XXXXXX. The mode is relaxed to 0755
 * because a container's (possibly user-namespaced) root must be able to walk into it.
 */
export function makeTempDir(kind: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${RUN_PREFIX}-${kind}-`));
  fs.chmodSync(dir, 0o755);
  return dir;
}
