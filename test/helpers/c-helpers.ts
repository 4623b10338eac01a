/** The small C programs of test/helpers, compiled with gcc on first use into <repo>/.cache/test-bin. */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { REPO_ROOT } from './names';

/** test/helpers/<name>.c as a binary, keyed by the hash of its source; `libs` as gcc's -l flags. */
export function cHelperBinary(name: string, libs: string[] = []): string {
  const source = path.join(REPO_ROOT, 'test', 'helpers', `${name}.c`);
  const hash = crypto.createHash('sha256').update(fs.readFileSync(source)).digest('hex').slice(0, 12);
  const dir = path.join(REPO_ROOT, '.cache', 'test-bin');
  const binary = path.join(dir, `${name}-${hash}`);
  if (fs.existsSync(binary)) return binary;
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${binary}.${process.pid}.tmp`;
  const cc = spawnSync('gcc', ['-O2', '-Wall', '-o', tmp, source, ...libs.map((l) => `-l${l}`)], { encoding: 'utf8', timeout: 60000 });
  if (cc.status !== 0) throw new Error(`gcc ${source} failed: ${cc.stderr || cc.error?.message}`);
  fs.renameSync(tmp, binary);
  return binary;
}
