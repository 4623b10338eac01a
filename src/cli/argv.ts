/**
 * Command-line flag parsing with the semantics runc's users rely on.
 *
 * runc parses with Go's `flag` package (through urfave/cli), so callers such as
 * go-runc, conmon and containerd pass flags in every form Go accepts:
 *   --flag=v   --flag v   -flag=v   -flag v   (one or two dashes are the same)
 * Short boolean flags are never combined (`-qf` is an unknown flag, as in runc).
 * `--` ends the flags. Parsing stops at the first non-flag argument; commands that
 * allow flags after their positional arguments have them moved to the front first
 * (`reorderArgs`), while `exec` and `ps` keep everything after the container id as
 * the command's own arguments.
 */

export type FlagKind = 'bool' | 'string' | 'int' | 'duration' | 'stringSlice' | 'intSlice';

export interface FlagSpec {
  /** Long name, e.g. 'pid-file'. */
  name: string;
  /** Single-letter alias, e.g. 'b'. */
  alias?: string;
  kind: FlagKind;
  /** Value when the flag is absent; absent flags without a default stay undefined. */
  default?: string | number | boolean | string[] | number[];
  usage: string;
  /** Accepted but not listed in help. */
  hidden?: boolean;
}

/** A malformed command line; the message is worded like Go's flag package. */
export class FlagParseError extends Error {}

export interface ParsedFlags {
  /** Values keyed by camelCase flag name (pid-file -> pidFile), defaults filled in. */
  values: Record<string, unknown>;
  /** Long names of the flags that appeared on the command line. */
  seen: Set<string>;
  /** Arguments left after the flags. */
  rest: string[];
}

export function camelCase(name: string): string {
  // A loop, not a regex: it runs for every flag of every call, and a regex costs its compilation.
  let out = '';
  for (let i = 0; i < name.length; i++) {
    if (name[i] === '-' && i + 1 < name.length) out += name[++i].toUpperCase();
    else out += name[i];
  }
  return out;
}

/** The flag name and inline value of an argument that looks like a flag, else null. */
export function splitFlagToken(arg: string): { name: string; value?: string } | null {
  if (arg.length < 2 || arg[0] !== '-') return null;
  const body = arg[1] === '-' ? arg.slice(2) : arg.slice(1);
  if (body === '') return null; // "--" is the terminator, not a flag
  const eq = body.indexOf('=');
  return eq < 0 ? { name: body } : { name: body.slice(0, eq), value: body.slice(eq + 1) };
}

function buildIndex(flags: FlagSpec[]): Map<string, FlagSpec> {
  const index = new Map<string, FlagSpec>();
  for (const f of flags) {
    index.set(f.name, f);
    if (f.alias) index.set(f.alias, f);
  }
  return index;
}

/**
 * Move the flags this command knows (with their values) in front of the positional
 * arguments, so `delete c1 -f` and `run c1 -d --pid-file p` work. Unknown dash
 * arguments stay where they are, so they end up as positional arguments (and trip
 * the argument-count check) exactly as in runc. Everything after `--` is positional.
 */
export function reorderArgs(flags: FlagSpec[], args: string[]): string[] {
  const index = buildIndex(flags);
  const moved: string[] = [];
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      return [...moved, '--', ...positional, ...args.slice(i + 1)];
    }
    const token = splitFlagToken(arg);
    const spec = token ? index.get(token.name) : undefined;
    if (!token || !spec) {
      positional.push(arg);
      continue;
    }
    moved.push(arg);
    // A value-taking flag written as "--flag value" carries the next argument along.
    if (spec.kind !== 'bool' && token.value === undefined && i + 1 < args.length) {
      moved.push(args[++i]);
    }
  }
  return [...moved, ...positional];
}

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

function parseGoBool(text: string): boolean | undefined {
  if (GO_TRUE.has(text)) return true;
  if (GO_FALSE.has(text)) return false;
  return undefined;
}

// Go's strconv.ParseInt(s, 0, 64): 0x/0o/0b prefixes, a bare leading 0 means octal,
// underscores only between digits after a prefix.
const GO_INT = /^[+-]?(0[xX](_?[0-9a-fA-F])+|0[bB](_?[01])+|0[oO](_?[0-7])+|0(_?[0-7])*|[1-9][0-9]*)$/;

function parseGoInt(text: string): number | 'parse error' | 'value out of range' {
  if (!GO_INT.test(text)) return 'parse error';
  const negative = text.startsWith('-');
  let digits = text.replace(/^[+-]/, '').replace(/_/g, '');
  let radix = 10;
  if (/^0[xX]/.test(digits)) { radix = 16; digits = digits.slice(2); }
  else if (/^0[bB]/.test(digits)) { radix = 2; digits = digits.slice(2); }
  else if (/^0[oO]/.test(digits)) { radix = 8; digits = digits.slice(2); }
  else if (digits.length > 1 && digits[0] === '0') { radix = 8; digits = digits.slice(1); }
  let big = 0n;
  for (const ch of digits) big = big * BigInt(radix) + BigInt(parseInt(ch, radix));
  if (negative) big = -big;
  if (big > 9223372036854775807n || big < -9223372036854775808n) return 'value out of range';
  return Number(big);
}

const DURATION_UNITS_MS: Record<string, number> = {
  ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000,
};

/** Go's time.ParseDuration ("1m30s", "100ms", "-1.5h", "0"), in milliseconds. */
export function parseGoDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  const part = /^([0-9]*(?:\.[0-9]*)?)([^0-9.]+)/;
  while (rest !== '') {
    const m = part.exec(rest);
    if (!m || m[1] === '' || m[1] === '.') return undefined;
    const unit = DURATION_UNITS_MS[m[2]];
    if (unit === undefined) return undefined;
    total += parseFloat(m[1]) * unit;
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

function initialValues(flags: FlagSpec[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const f of flags) {
    if (f.default === undefined) continue;
    values[camelCase(f.name)] = Array.isArray(f.default) ? [...f.default] : f.default;
  }
  return values;
}

function convertValue(spec: FlagSpec, text: string): unknown {
  const invalid = (why: string) => new FlagParseError(`invalid value "${text}" for flag -${spec.name}: ${why}`);
  switch (spec.kind) {
    case 'int':
    case 'intSlice': {
      const n = parseGoInt(text);
      if (typeof n !== 'number') throw invalid(n);
      return n;
    }
    case 'duration': {
      const ms = parseGoDuration(text);
      if (ms === undefined) throw invalid('parse error');
      return ms;
    }
    default:
      return text;
  }
}

/**
 * Parse flags from the front of `args` like Go's flag.FlagSet.Parse: stop at the
 * first non-flag argument or after `--`; a value-taking flag consumes the next
 * argument even if it starts with a dash.
 */
export function parseFlags(flags: FlagSpec[], args: string[]): ParsedFlags {
  const index = buildIndex(flags);
  const values = initialValues(flags);
  const seen = new Set<string>();
  const slicesStarted = new Set<string>();
  let i = 0;
  while (i < args.length) {
    const arg = args[i];
    if (arg.length < 2 || arg[0] !== '-') break;
    if (arg === '--') { i++; break; }
    const body = arg[1] === '-' ? arg.slice(2) : arg.slice(1);
    if (body === '' || body[0] === '-' || body[0] === '=') {
      throw new FlagParseError(`bad flag syntax: ${arg}`);
    }
    i++;
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const inline = eq < 0 ? undefined : body.slice(eq + 1);
    const spec = index.get(name);
    if (!spec) throw new FlagParseError(`flag provided but not defined: -${name}`);
    const key = camelCase(spec.name);
    seen.add(spec.name);
    if (spec.kind === 'bool') {
      if (inline === undefined) { values[key] = true; continue; }
      const b = parseGoBool(inline);
      if (b === undefined) throw new FlagParseError(`invalid boolean value "${inline}" for -${name}: parse error`);
      values[key] = b;
      continue;
    }
    let text = inline;
    if (text === undefined) {
      if (i >= args.length) throw new FlagParseError(`flag needs an argument: -${name}`);
      text = args[i++];
    }
    const value = convertValue(spec, text);
    if (spec.kind === 'stringSlice' || spec.kind === 'intSlice') {
      // A repeated flag accumulates; the first use replaces any default list.
      const list = slicesStarted.has(key) ? (values[key] as unknown[]) : [];
      list.push(value);
      values[key] = list;
      slicesStarted.add(key);
    } else {
      values[key] = value;
    }
  }
  return { values, seen, rest: args.slice(i) };
}
