/**
 * Run a shell script as a container's process and get what it printed:
 *
 *   const { runScript, output } = scriptRunner(e2e, 'ns');
 *   expect(output('hostname', (c) => (c.hostname = 'box'))).toBe('box\n');
 */
import type { E2E } from './e2e';
import { makeBundle } from './bundle';
import { shell, type OciConfig } from './default-config';
import { uniqueName } from './names';
import type { RunResult } from './runtime';

export function scriptRunner(e2e: E2E, idPrefix: string) {
  /** The result of `run`, whatever the exit code. */
  const runScript = (script: string, configure?: (c: OciConfig) => void): RunResult =>
    e2e.runtime().run(uniqueName(idPrefix), makeBundle({ configure: (c) => (shell(c, script), configure?.(c)) }));
  /** What the script printed; a failing container throws with its output. */
  const output = (script: string, configure?: (c: OciConfig) => void): string => {
    const result = runScript(script, configure);
    if (result.code !== 0) throw new Error(`container failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
  };
  return { runScript, output };
}
