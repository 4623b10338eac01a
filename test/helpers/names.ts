/**
 * Every name a test invents (temp dirs, container ids, cgroup dirs) carries this
 * marker, so cleanup can prove that it only ever removes what a test created.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';

export const TEST_MARKER = 'skiff-test';

/** Root of the repository (test/helpers/../..). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** A fresh name such as "skiff-test-echo-3f9a1c", valid as a container id and a cgroup dir name. */
export function uniqueName(label = 'ctr'): string {
  const safeLabel = label.replace(/[^A-Za-z0-9_.-]/g, '-');
  return `${TEST_MARKER}-${safeLabel}-${randomBytes(4).toString('hex')}`;
}

/** True when some path segment carries the test marker. */
export function carriesTestMarker(p: string): boolean {
  return p.split('/').some((segment) => segment.includes(TEST_MARKER));
}

/**
 * mkdtemp under /tmp as /tmp/skiff-test-<kind>-XXXXXX. The mode is relaxed to 0755
 * because a container's (possibly user-namespaced) root must be able to walk into it.
 */
export function makeTempDir(kind: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${TEST_MARKER}-${kind}-`));
  fs.chmodSync(dir, 0o755);
  return dir;
}
