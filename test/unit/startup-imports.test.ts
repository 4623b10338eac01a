/**
 * What every call of bin/skiff loads before its command runs: the entry chunk of the bundle and
 * the chunks it imports statically. Under bun, node:fs costs ~1 ms to load and node:path ~0.4 ms
 * (src/sys/lazy-builtins.ts), so none of those chunks may import them (or anything heavier)
 * statically; commands that need them load them on first use. The validators and seccomp code stay
 * out of it too.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const repo = path.resolve(__dirname, '..', '..');
let out: string;

beforeAll(() => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-bundle-'));
  execFileSync(path.join(repo, 'node_modules', '.bin', 'bun'),
    ['build', '--format=esm', '--splitting', '--target=bun', '--outdir', out, `--metafile=${path.join(out, 'meta.json')}`, path.join(repo, 'src', 'main.ts')],
    { stdio: 'ignore' });
}, 60000);

afterAll(() => {
  fs.rmSync(out, { recursive: true, force: true });
});

interface Import {
  path: string;
  kind: string;
  external?: boolean;
}
interface Meta {
  inputs: Record<string, { imports: Import[] }>;
  outputs: Record<string, { imports: Import[]; inputs: Record<string, unknown> }>;
}

/** The sources in the chunks reachable from the entry through static imports, and the modules they import statically from outside. */
function loadedAtStart(): { inputs: string[]; externals: string[] } {
  const meta: Meta = JSON.parse(fs.readFileSync(path.join(out, 'meta.json'), 'utf8'));
  const chunks = new Set<string>();
  const visit = (chunk: string) => {
    if (chunks.has(chunk)) return;
    chunks.add(chunk);
    for (const imp of meta.outputs[chunk].imports) {
      if (imp.kind === 'import-statement') visit(Object.keys(meta.outputs).find((k) => path.basename(k) === path.basename(imp.path))!);
    }
  };
  visit(Object.keys(meta.outputs).find((k) => path.basename(k) === 'main.js')!);
  const inputs = [...chunks].flatMap((k) => Object.keys(meta.outputs[k].inputs));
  const externals = inputs.flatMap((i) => meta.inputs[i].imports.filter((imp) => imp.external && imp.kind === 'import-statement' && !imp.path.startsWith('.')).map((imp) => `${imp.path} (${i})`));
  return { inputs, externals };
}

test('the start-up chunks import no node builtin statically', () => {
  const { externals, inputs } = loadedAtStart();
  expect(inputs).toContain('src/cli/state.ts'); // the metafile was read right
  expect(externals).toEqual([]);
});

test('the start-up chunks hold no validator, seccomp or create code', () => {
  const { inputs } = loadedAtStart();
  const heavy = inputs.filter((i) => /validators|seccomp|factory\/create|init-plan|node_modules/.test(i));
  expect(heavy).toEqual([]);
});
