/**
 * Runs create + start from a separate program that is a child subreaper, like
 * containerd's shim or conmon, and reports whether it became the parent of the
 * container's init and could reap it (see subreaper-client.c).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { cHelperBinary } from './c-helpers';

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

export function createAndStartAsSubreaper(runtime: string, root: string, bundle: string, id: string, pidFile: string): SubreaperReport {
  const r = spawnSync(cHelperBinary('subreaper-client'), [runtime, root, bundle, id, pidFile], { encoding: 'utf8', timeout: 40000 });
  try {
    return JSON.parse(r.stdout) as SubreaperReport;
  } catch {
    throw new Error(`subreaper client failed (exit ${r.status}, signal ${r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
}
