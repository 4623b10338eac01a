/**
 * Validation of OCI documents: the ahead-of-time compiled schema validators first, then the semantic
 * rules of semantic-checks.ts. Every failure is a ConfigError naming one field.
 */
import { readFileSync } from 'fs';
import { basename } from 'path';
import * as compiled from './generated/validators';
import type { CompiledValidator } from './generated/validators';
import type { Features, Process, Spec, State } from './generated/types';
import { ConfigError } from './config-error';
import { describeSchemaErrors, type FieldProblem } from './schema-error-message';
import { findConfigProblem, findProcessProblem } from './semantic-checks';
import { compareSemver } from './semver';

export { ConfigError } from './config-error';
export type { Features, Process, Spec, State } from './generated/types';

function checkSchema<T>(validator: CompiledValidator, value: unknown, document: string): T {
  if (!validator(value)) {
    const { field, problem } = describeSchemaErrors(validator.errors, value);
    throw new ConfigError(document, field, problem);
  }
  return value as T;
}

function throwIf(problem: FieldProblem | undefined, document: string): void {
  if (problem) throw new ConfigError(document, problem.field, problem.problem);
}

/** Validates a parsed config.json and returns it typed. Throws ConfigError. */
export function validateConfig(value: unknown, document = 'config.json'): Spec {
  const spec = checkSchema<Spec>(compiled.validateConfig, value, document);
  throwIf(findConfigProblem(spec), document);
  return spec;
}

/** Validates a process object on its own (e.g. `exec --process process.json`). Throws ConfigError. */
export function validateProcess(value: unknown, document = 'process.json'): Process {
  const process = checkSchema<Process>(compiled.validateProcess, value, document);
  throwIf(findProcessProblem(process, ''), document);
  return process;
}

/** Validates a container state document. Throws ConfigError. */
export function validateState(value: unknown, document = 'state.json'): State {
  const state = checkSchema<State>(compiled.validateState, value, document);
  if (!state.bundle.startsWith('/')) throw new ConfigError(document, 'bundle', 'must be an absolute path');
  return state;
}

/** Validates a features document. Throws ConfigError. */
export function validateFeatures(value: unknown, document = 'features.json'): Features {
  const features = checkSchema<Features>(compiled.validateFeatures, value, document);
  if (compareSemver(features.ociVersionMax, features.ociVersionMin) < 0) {
    throw new ConfigError(document, 'ociVersionMax', `must not be less than ociVersionMin (${features.ociVersionMin})`);
  }
  return features;
}

/**
 * Reads and parses a JSON file, naming the file (by base name) in any error.
 * Note: JSON.parse turns integers above 2^53 (e.g. RLIM_INFINITY) into the nearest double.
 */
export function readJsonDocument(file: string): unknown {
  const document = basename(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(document, '', `cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(document, '', `invalid JSON: ${(err as Error).message}`);
  }
}

/** Reads, parses and validates a bundle's config.json. Throws ConfigError. */
export function parseConfigFile(file: string): Spec {
  return validateConfig(readJsonDocument(file), basename(file));
}

/** Reads, parses and validates a process.json for exec. Throws ConfigError. */
export function parseProcessFile(file: string): Process {
  return validateProcess(readJsonDocument(file), basename(file));
}
