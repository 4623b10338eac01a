/** Runs the selected cases against one runtime, a few at a time, each with its own cleanup. */
import * as fs from 'fs';
import * as path from 'path';
import { Assets } from './assets';
import { CGROUP_PARENT } from './config';
import { Ctx, Fail, Skip } from './ctx';
import { HostInfo } from './host';
import { Requirement } from './requirements';
import { Runtime, RuntimeSession } from './runtime';
import { CaseDef, CaseResult } from './types';

export interface RunOptions {
  workDir: string;
  jobs: number;
  keep: boolean;
  verbose: boolean;
  onResult?: (r: CaseResult) => void;
}

export function caseTag(c: CaseDef, reqs: Map<string, Requirement>): { file: string; section: string; level: 'MUST' | 'SHOULD' } {
  const first = reqs.get(c.reqs[0]);
  if (!first) throw new Error(`case ${c.name} names unknown requirement ${c.reqs[0]}`);
  return { file: first.file, section: first.section, level: c.level ?? first.level };
}

async function runOne(
  c: CaseDef,
  index: number,
  runtime: Runtime,
  host: HostInfo,
  assets: Assets,
  reqs: Map<string, Requirement>,
  opts: RunOptions,
): Promise<CaseResult> {
  const tag = caseTag(c, reqs);
  const dir = path.join(opts.workDir, `${runtime.label.replace(/\W/g, '_')}-${String(index).padStart(3, '0')}`);
  fs.mkdirSync(dir, { recursive: true });
  const session = new RuntimeSession(runtime, path.join(dir, 'root'), path.join(dir, 'io'));
  const t = new Ctx(runtime, session, host, dir, assets);
  const started = Date.now();
  let outcome: CaseResult['outcome'] = 'pass';
  let reason: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const body = c.run(t);
  body.catch(() => undefined);
  try {
    const limit = c.timeoutMs ?? 60000;
    await Promise.race([
      body,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Fail(`case timed out after ${limit} ms`)), limit);
      }),
    ]);
  } catch (e) {
    if (e instanceof Skip) {
      outcome = 'skip';
      reason = e.message;
    } else if (e instanceof Fail) {
      outcome = 'fail';
      reason = e.message;
    } else {
      outcome = 'fail';
      reason = `suite error: ${(e as Error).stack || e}`;
    }
  } finally {
    if (timer) clearTimeout(timer);
  }
  // After a timeout the body may still be running: let it settle (bounded) before cleaning up.
  await Promise.race([body.then(() => undefined, () => undefined), new Promise((r) => setTimeout(r, 30000))]);
  try {
    const problems = await t.cleanup(opts.keep);
    if (problems.length && outcome === 'pass' && opts.verbose) reason = `cleanup: ${problems.join('; ')}`;
  } catch (e) {
    if (opts.verbose) process.stderr.write(`cleanup of ${c.name} failed: ${(e as Error).message}\n`);
  }
  if (outcome === 'pass' && t.notes.length) reason = t.notes.join('; ');
  return {
    name: c.name,
    runtime: runtime.label,
    outcome,
    reason,
    ms: Date.now() - started,
    level: tag.level,
    file: tag.file,
    section: tag.section,
    reqs: c.reqs,
  };
}

export async function runCases(
  cases: CaseDef[],
  runtime: Runtime,
  host: HostInfo,
  assets: Assets,
  reqs: Map<string, Requirement>,
  opts: RunOptions,
): Promise<CaseResult[]> {
  const results: CaseResult[] = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= cases.length) return;
      results[i] = await runOne(cases[i], i, runtime, host, assets, reqs, opts);
      opts.onResult?.(results[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.jobs) }, worker));
  // The shared parent cgroup, once every case is done.
  for (const m of host.cgroupMounts) {
    try {
      fs.rmdirSync(path.join(m, CGROUP_PARENT));
    } catch {
      /* absent, or still used by another run */
    }
  }
  return results;
}
