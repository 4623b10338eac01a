/** Turns the errors of a compiled schema validator into one `{ field, problem }` a person can act on. */
import type { SchemaErrorObject } from './generated/validators';
import { fieldFromPointer, fieldKey } from './field-path';

export interface FieldProblem {
  /** Field path from the document root, '' for the document itself. */
  field: string;
  problem: string;
}

/** Keywords that only summarise failures of their sub-schemas; the sub-schema errors say more. */
const SUMMARY_KEYWORDS = new Set(['anyOf', 'oneOf', 'if', 'then', 'else', 'not', 'allOf']);

/** Keywords whose error is about a child property (reported one level deeper than instancePath). */
const NAMES_CHILD = new Set(['required', 'additionalProperties']);

/** Readable descriptions for the patterns used in schemas/. */
const PATTERN_MEANINGS: Record<string, string> = {
  '^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$':
    'must be a SemVer 2.0.0 version such as 1.0.2',
  '^[1-9][0-9]*[KMGTPE]B$': 'must be a size with a unit prefix followed by B, such as 64KB, 2MB or 1GB',
  '^([0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*)?$': 'must be a comma-separated list of numbers and ranges such as 0-3,7',
  '^[rwm]*$': 'must be a combination of r, w and m',
  '^MB:[^\\n]*$': 'must start with "MB:" and must not contain a newline',
  '^[^\\n]*$': 'must not contain a newline',
};

export function describeSchemaErrors(errors: readonly SchemaErrorObject[] | null | undefined, data: unknown): FieldProblem {
  const relevant = (errors ?? []).filter((e) => !SUMMARY_KEYWORDS.has(e.keyword));
  if (relevant.length === 0) {
    const first = errors?.[0];
    return { field: first ? fieldFromPointer(first.instancePath, data) : '', problem: 'does not match the schema' };
  }
  // The deepest error names the most specific field; in anyOf/oneOf the shallow ones are usually
  // "wrong branch" noise (e.g. "must be null" next to a real problem inside the object).
  const depth = (e: SchemaErrorObject) =>
    (e.instancePath === '' ? 0 : e.instancePath.split('/').length - 1) + (NAMES_CHILD.has(e.keyword) ? 1 : 0);
  const deepest = Math.max(...relevant.map(depth));
  const candidates = relevant.filter((e) => depth(e) === deepest);

  // Several alternative types at one spot (nullable objects): name them all.
  if (candidates.every((e) => e.keyword === 'type') && candidates.length > 1) {
    const types = [...new Set(candidates.flatMap((e) => typeList(e.params.type)))];
    return { field: fieldFromPointer(candidates[0].instancePath, data), problem: `must be ${joinTypes(types)}` };
  }
  return describeOne(candidates[0], data);
}

function describeOne(error: SchemaErrorObject, data: unknown): FieldProblem {
  const field = fieldFromPointer(error.instancePath, data);
  const p = error.params;
  switch (error.keyword) {
    case 'required':
      return { field: fieldKey(field, String(p.missingProperty)), problem: 'required property missing' };
    case 'additionalProperties':
      return { field: fieldKey(field, String(p.additionalProperty)), problem: 'unknown property (not allowed here)' };
    case 'type':
      return { field, problem: `must be ${joinTypes(typeList(p.type))}` };
    case 'enum':
      return { field, problem: `must be one of ${(p.allowedValues as unknown[]).map(String).join(', ')}` };
    case 'const':
      return { field, problem: `must be ${JSON.stringify(p.allowedValue)}` };
    case 'minItems':
      return { field, problem: `must have at least ${p.limit} item${p.limit === 1 ? '' : 's'}` };
    case 'maxItems':
      return { field, problem: `must have at most ${p.limit} item${p.limit === 1 ? '' : 's'}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { field, problem: `must be ${p.comparison} ${p.limit}` };
    case 'pattern':
      return { field, problem: PATTERN_MEANINGS[String(p.pattern)] ?? `must match the pattern ${String(p.pattern)}` };
    case 'minLength':
      return { field, problem: p.limit === 1 ? 'must not be empty' : `must be at least ${p.limit} characters long` };
    default:
      return { field, problem: `fails the "${error.keyword}" rule of the schema` };
  }
}

function typeList(type: unknown): string[] {
  if (Array.isArray(type)) return type.map(String);
  return String(type).split(',');
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function joinTypes(types: string[]): string {
  const names = types.map((t) => TYPE_NAMES[t] ?? t);
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}
