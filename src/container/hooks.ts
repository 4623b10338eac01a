import type * as ChildProcess from 'child_process';

export interface HookSpec {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

/** Runs one hook in skiff's own (the runtime) namespaces with the state JSON on its stdin. */
export function runHook(hook: HookSpec, state: object): Promise<void> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {};
    for (const kv of hook.env ?? []) {
      const eq = kv.indexOf('=');
      if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    const args = hook.args ?? [hook.path];
    const { spawn } = require('child_process') as typeof ChildProcess; // loaded only when a hook runs
    const child = spawn(hook.path, args.slice(1), { argv0: args[0] ?? hook.path, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    const keep = (d: Buffer) => {
      if (output.length < 2048) output += d.toString();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.stdin.on('error', () => {}); // a hook need not read its stdin
    child.stdin.end(JSON.stringify(state));
    let timedOut = false;
    const timer = hook.timeout ? setTimeout(() => ((timedOut = true), child.kill('SIGKILL')), hook.timeout * 1000) : null;
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new Error(`hook ${hook.path}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (timedOut) reject(new Error(`hook ${hook.path} timed out after ${hook.timeout} s`));
      else if (code === 0) resolve();
      else if (signal) reject(new Error(`hook ${hook.path}: killed by signal ${signal}, output: ${output.trim()}`));
      else reject(new Error(`hook ${hook.path}: exit status ${code}, output: ${output.trim()}`));
    });
  });
}

/** Runs hooks in order; the first failure stops the rest. */
export async function runHooks(kind: string, hooks: HookSpec[] | undefined, state: object): Promise<void> {
  for (const [i, hook] of (hooks ?? []).entries()) {
    try {
      await runHook(hook, state);
    } catch (e: any) {
      throw new Error(`error running ${kind} hook #${i}: ${e.message}`);
    }
  }
}

/** Poststop hooks: a failure is only a warning and the rest still run (runtime-spec lifecycle step 13). */
export async function runPoststopHooks(hooks: HookSpec[] | undefined, state: object, warn: (msg: string) => void): Promise<void> {
  for (const [i, hook] of (hooks ?? []).entries()) {
    try {
      await runHook(hook, state);
    } catch (e: any) {
      warn(`error running poststop hook #${i}: ${e.message}`);
    }
  }
}
