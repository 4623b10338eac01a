/**
 * The runtime-spec example documents: every good one validates, every bad one is rejected with a message
 * that names the offending field. Needs `node scripts/gen-spec.js` to have run.
 */
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import {
  ConfigError,
  parseConfigFile,
  readJsonDocument,
  validateFeatures,
  validateState,
} from '../../src/spec/validate';

const EXAMPLES = '/work/shared/runtime-spec/examples';

function examples(kind: string, verdict: 'good' | 'bad'): string[] {
  const dir = join(EXAMPLES, kind, verdict);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => join(dir, name));
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError, but validation passed');
}

describe('config examples', () => {
  it.each(examples('config', 'good'))('accepts %s', (file) => {
    expect(parseConfigFile(file).ociVersion).toMatch(/^\d+\.\d+\.\d+/);
  });

  const expectedField: Record<string, string> = {
    'invalid-json.json': '',
    'linux-hugepage.json': 'linux.resources.hugepageLimits[0].pageSize',
    'linux-netdevice.json': 'linux.netDevices.eth0.name',
    'linux-rdma.json': 'linux.resources.rdma.mlx5_1.hcaHandles',
  };

  it('knows every bad example', () => {
    expect(examples('config', 'bad').map((f) => f.split('/').pop()).sort()).toEqual(Object.keys(expectedField).sort());
  });

  it.each(examples('config', 'bad'))('rejects %s naming the field', (file) => {
    const name = file.split('/').pop()!;
    const err = errorOf(() => parseConfigFile(file));
    expect(err.document).toBe(name);
    expect(err.field).toBe(expectedField[name]);
    if (name === 'invalid-json.json') expect(err.message).toMatch(/^invalid-json\.json: invalid JSON: /);
    else expect(err.message.startsWith(`${name}: ${expectedField[name]}: `)).toBe(true);
  });

  it('words the bad examples usefully', () => {
    const dir = join(EXAMPLES, 'config', 'bad');
    expect(errorOf(() => parseConfigFile(join(dir, 'linux-hugepage.json'))).problem).toMatch(/64KB, 2MB or 1GB/);
    expect(errorOf(() => parseConfigFile(join(dir, 'linux-netdevice.json'))).problem).toBe('must be a string');
    expect(errorOf(() => parseConfigFile(join(dir, 'linux-rdma.json'))).problem).toBe('must be an integer');
  });
});

describe('state examples', () => {
  it.each(examples('state', 'good'))('accepts %s', (file) => {
    expect(validateState(readJsonDocument(file)).status).toBe('running');
  });

  it.each(examples('state', 'bad'))('rejects %s', (file) => {
    const err = errorOf(() => validateState(readJsonDocument(file)));
    expect(err.message).toMatch(/invalid JSON/);
  });
});

describe('features examples', () => {
  it.each(examples('features', 'good'))('accepts %s', (file) => {
    expect(validateFeatures(readJsonDocument(file)).ociVersionMin).toBe('1.0.0');
  });

  it('rejects missing-ociVersionMax.json naming the field', () => {
    const file = join(EXAMPLES, 'features', 'bad', 'missing-ociVersionMax.json');
    const err = errorOf(() => validateFeatures(JSON.parse(readFileSync(file, 'utf8'))));
    expect(err.message).toBe('features.json: ociVersionMax: required property missing');
  });

  it('has no other bad features examples to cover', () => {
    expect(examples('features', 'bad').map((f) => f.split('/').pop())).toEqual(['missing-ociVersionMax.json']);
  });
});
