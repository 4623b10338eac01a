import { fs } from '../sys/lazy-builtins';
/**
 * Log line formats compatible with runc's logger (logrus):
 *   text: time="2026-12-02T06:15:05Z" level=error msg="container does not exist"
 *   json: {"level":"error","msg":"container does not exist","time":"2026-12-02T06:15:05Z"}
 * Tools such as go-runc parse these lines, so quoting and key order follow logrus.
 */

export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'fatal';
export type LogFields = Record<string, string | number | boolean>;

export interface LogEntry {
  time: Date;
  level: LogLevel;
  msg: string;
  fields?: LogFields;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'UCT', 'Etc/UCT', 'Zulu', 'Etc/Zulu', 'GMT', 'Etc/GMT', 'Universal', 'Etc/Universal']);
let utcZone: boolean | undefined;

/**
 * Whether local time is UTC, decided without asking the Date object: the first local-time call
 * loads the time zone database (about 10 ms, on every skiff start that logs).
 */
function localTimeIsUtc(): boolean {
  if (utcZone !== undefined) return utcZone;
  const tz = process.env.TZ;
  if (tz !== undefined) return (utcZone = tz === '' || UTC_NAMES.has(tz.replace(/^:/, '')));
  try {
    const zone = fs.readlinkSync('/etc/localtime').replace(/^.*zoneinfo\//, '');
    return (utcZone = UTC_NAMES.has(zone));
  } catch (e: any) {
    return (utcZone = e.code === 'ENOENT'); // no /etc/localtime: the C library's default is UTC
  }
}

/** RFC 3339 at second precision in local time; "Z" when the offset is zero (as Go prints it). */
export function rfc3339(d: Date, utc = localTimeIsUtc()): string {
  if (utc) return `${d.toISOString().slice(0, 19)}Z`;
  const date = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  const offset = -d.getTimezoneOffset();
  if (offset === 0) return `${date}T${time}Z`;
  const abs = Math.abs(offset);
  return `${date}T${time}${offset > 0 ? '+' : '-'}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

// Characters logrus leaves unquoted in text values.
const BARE_VALUE = /^[A-Za-z0-9\-._/@^+]*$/;
// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const NAMED_ESCAPES: Record<string, string> = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v',
  '"': '\\"', '\\': '\\\\',
};

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** A double-quoted string escaped like Go's %q (strconv.Quote). */
export function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const named = NAMED_ESCAPES[ch];
    if (named) { out += named; continue; }
    const cp = ch.codePointAt(0) as number;
    if (cp >= 0xd800 && cp <= 0xdfff) { out += '\\ufffd'; continue; } // lone surrogate: invalid UTF-8 in Go
    if (PRINTABLE.test(ch)) { out += ch; continue; }
    if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x10000) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return out + '"';
}

function textValue(value: string | number | boolean): string {
  const s = String(value);
  return BARE_VALUE.test(s) ? s : goQuote(s);
}

/** A JSON string escaped like Go's encoding/json (which also escapes <, >, &, U+2028, U+2029). */
export function goJsonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const ch = text[i];
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || ch === '<' || ch === '>' || ch === '&' || c === 0x2028 || c === 0x2029) {
      out += `\\u${hex(c, 4)}`;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length &&
      text.charCodeAt(i + 1) >= 0xdc00 && text.charCodeAt(i + 1) <= 0xdfff) {
      out += ch + text[++i]; // a valid surrogate pair passes through
    } else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd';
    else out += ch;
  }
  return out + '"';
}

const RESERVED = new Set(['time', 'level', 'msg']);

/** Extra fields, renamed "fields.<key>" where they clash with time/level/msg (as logrus does). */
function extraFields(fields: LogFields | undefined): [string, string | number | boolean][] {
  if (!fields) return [];
  return Object.keys(fields).map((k) => [RESERVED.has(k) ? `fields.${k}` : k, fields[k]]);
}

export function formatText(entry: LogEntry): string {
  const parts = [
    `time=${textValue(rfc3339(entry.time))}`,
    `level=${entry.level}`,
    `msg=${textValue(entry.msg)}`,
  ];
  const extra = extraFields(entry.fields).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [k, v] of extra) parts.push(`${k}=${textValue(v)}`);
  return parts.join(' ') + '\n';
}

export function formatJson(entry: LogEntry): string {
  const all: [string, string | number | boolean][] = [
    ...extraFields(entry.fields),
    ['level', entry.level],
    ['msg', entry.msg],
    ['time', rfc3339(entry.time)],
  ];
  all.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const body = all.map(([k, v]) => {
    const value = typeof v === 'string' ? goJsonString(v) : typeof v === 'number' && !Number.isFinite(v) ? goJsonString(String(v)) : String(v);
    return `${goJsonString(k)}:${value}`;
  });
  return `{${body.join(',')}}\n`;
}
