/**
 * Runs create + start from a separate program that is a child subreaper, like
 * containerd's shim or conmon, and reports whether it became the parent of the
 * container's init and could reap it (see subreaper-client.c). The C helper is
 * compiled with gcc on first use into <repo>/.cache/test-bin.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { REPO_ROOT } from './names';

export interface SubreaperReport {
  self: number;
  pid: number;
  ppid: number;
  createCode: number;
  startCode: number;
  waited: number;
  exitCode: number;
  signal: number;
}

export function subreaperClientBinary(): string {
  const source = path.join(__dirname, 'subreaper-client.c');
  const hash = crypto.createHash('sha256').update(fs.readFileSync(source)).digest('hex').slice(0, 12);
  const dir = path.join(REPO_ROOT, '.cache', 'test-bin');
  const binary = path.join(dir, `subreaper-client-${hash}`);
  if (fs.existsSync(binary)) return binary;
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${binary}.${process.pid}.tmp`;
  const cc = spawnSync('gcc', ['-O2', '-Wall', '-o', tmp, source], { encoding: 'utf8', timeout: 60000 });
  if (cc.status !== 0) throw new Error(`gcc ${source} failed: ${cc.stderr || cc.error?.message}`);
  fs.renameSync(tmp, binary);
  return binary;
}

export function createAndStartAsSubreaper(runtime: string, root: string, bundle: string, id: string, pidFile: string): SubreaperReport {
  const r = spawnSync(subreaperClientBinary(), [runtime, root, bundle, id, pidFile], { encoding: 'utf8', timeout: 40000 });
  try {
    return JSON.parse(r.stdout) as SubreaperReport;
  } catch {
    throw new Error(`subreaper client failed (exit ${r.status}, signal ${r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
}
