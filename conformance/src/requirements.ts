/**
 * The requirement list: every MUST / MUST NOT / SHOULD / SHOULD NOT / REQUIRED
 * sentence of the runtime-spec files the suite grades against, extracted from
 * the Markdown text and given a stable id `<file>/<section>/<n>`.
 *
 * `--extract-requirements SPECDIR` regenerates conformance/requirements.json;
 * cases name the ids they check, and `--coverage` joins the two.
 */
import * as fs from 'fs';
import * as path from 'path';

export type Level = 'MUST' | 'SHOULD';

export interface Requirement {
  id: string;
  file: string;
  /** Anchor of the enclosing section (or a slug of its heading). */
  section: string;
  heading: string;
  level: Level;
  /** The RFC 2119 keywords found in the sentence, e.g. ["MUST NOT"]. */
  keywords: string[];
  text: string;
  /** Set for sentences that only apply to another platform (Windows, Solaris, z/OS...). */
  platform?: string;
}

export const SPEC_FILES = [
  'runtime.md',
  'runtime-linux.md',
  'config.md',
  'config-linux.md',
  'features.md',
  'features-linux.md',
];

const KEYWORD_RE = /\b(MUST NOT|MUST|SHOULD NOT|SHOULD|REQUIRED|SHALL NOT|SHALL|NOT RECOMMENDED|RECOMMENDED)\b/g;

function levelOf(keywords: string[]): Level {
  return keywords.some((k) => k.startsWith('MUST') || k === 'REQUIRED' || k.startsWith('SHALL'))
    ? 'MUST'
    : 'SHOULD';
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/<[^>]*>/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Markdown inline markup to plain text (links, emphasis, code ticks kept). */
function plain(s: string): string {
  return s
    .replace(/<a name="[^"]*"\s*\/>/g, '')
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/\*\*/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Splits a line of prose into sentences; keeps code spans intact. */
function sentences(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inCode = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    cur += ch;
    if (ch === '`') inCode = !inCode;
    if (!inCode && ch === '.' && line[i + 1] === ' ' && /[A-Z`(*]/.test(line[i + 2] || '')) {
      // Don't split "e.g. " or "i.e. "
      if (/\b(e\.g|i\.e|etc|vs)\.$/.test(cur)) continue;
      out.push(cur.trim());
      cur = '';
    }
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

const PLATFORM_PATTERNS: Array<[RegExp, string]> = [
  [/^\W*(On )?Windows\b|for Windows|Hyper-V/i, 'windows'],
  [/^\W*Solaris\b/i, 'solaris'],
  [/^\W*For all other platforms\b/i, 'other'],
  [/z\/OS/i, 'zos'],
];

export function extractRequirements(specDir: string): Requirement[] {
  const out: Requirement[] = [];
  for (const file of SPEC_FILES) {
    const stem = file.replace(/\.md$/, '');
    const lines = fs.readFileSync(path.join(specDir, file), 'utf8').split('\n');
    let section = stem;
    let heading = '';
    let platformContext: string | undefined; // from an enclosing "* Windows:" bullet
    let platformIndent = -1;
    const counters = new Map<string, number>();
    let tableHeader: string[] | null = null;
    let inFence = false;

    const emit = (text: string, keywords: string[], level: Level, platform?: string) => {
      const n = (counters.get(section) || 0) + 1;
      counters.set(section, n);
      const req: Requirement = { id: `${stem}/${section}/${n}`, file, section, heading, level, keywords, text };
      if (platform) req.platform = platform;
      out.push(req);
    };

    // Join wrapped lines into blocks: a block starts at a bullet, a heading, a
    // table row or after a blank line; other lines continue the current block.
    interface Block { kind: 'heading' | 'table' | 'text'; text: string; indent: number; bullet: boolean }
    const blocks: Block[] = [];
    let cur: Block | null = null;
    for (const raw of lines) {
      if (/^\s*```/.test(raw)) {
        inFence = !inFence;
        cur = null;
        continue;
      }
      if (inFence) continue;
      if (/^#+\s/.test(raw)) {
        blocks.push({ kind: 'heading', text: raw, indent: 0, bullet: false });
        cur = null;
        continue;
      }
      if (/^\s*\|/.test(raw) || /^[^|*]+\|[^|]+\|/.test(raw)) {
        blocks.push({ kind: 'table', text: raw, indent: 0, bullet: false });
        cur = null;
        continue;
      }
      if (raw.trim() === '') {
        cur = null;
        continue;
      }
      const indent = raw.search(/\S/);
      const bullet = /^\s*([*-]|\d+\.)\s+/.test(raw);
      if (bullet || !cur || indent < cur.indent - 4) {
        cur = { kind: 'text', text: raw.trim(), indent, bullet };
        blocks.push(cur);
      } else {
        cur.text += ' ' + raw.trim();
      }
    }

    for (const block of blocks) {
      if (block.kind === 'heading') {
        const h = /^(#+)\s+(.*)$/.exec(block.text)!;
        const anchor = /<a name="([^"]+)"/.exec(h[2]);
        // "Example" sub-headings stay in their parent section.
        if (/^Example\b/i.test(plain(h[2]))) continue;
        heading = plain(h[2]);
        section = anchor ? anchor[1] : slug(heading);
        platformContext = undefined;
        tableHeader = null;
        continue;
      }
      if (block.kind === 'table') {
        const raw = block.text;
        const cells = raw
          .split('|')
          .map((c) => c.trim())
          .filter((c, i, a) => !(c === '' && (i === 0 || i === a.length - 1)));
        if (cells.every((c) => /^-+$/.test(c))) continue;
        if (!tableHeader) {
          tableHeader = cells;
          continue;
        }
        const reqCol = tableHeader.findIndex((c) => /^Requirement$/i.test(c));
        if (reqCol >= 0) {
          const kw = cells[reqCol];
          if (kw === 'MUST' || kw === 'SHOULD') {
            const opt = cells[0].replace(/`/g, '').trim();
            emit(`Runtimes ${kw} implement the mount option \`${opt}\`.`, [kw], kw as Level);
          }
          const desc = cells.slice(reqCol + 1).join(' | ');
          for (const s of sentences(plain(desc))) {
            const kws = s.match(KEYWORD_RE);
            if (kws) emit(s, [...new Set(kws)], levelOf(kws));
          }
          continue;
        }
        const text = plain(cells.join(' | '));
        const kws = text.match(KEYWORD_RE);
        if (kws) emit(text, [...new Set(kws)], levelOf(kws));
        continue;
      }
      tableHeader = null;
      // Platform-specific bullets ("* Windows: ..." and what is nested under them).
      if (platformContext !== undefined && block.indent <= platformIndent) platformContext = undefined;
      const body = block.text.replace(/^([*-]|\d+\.)\s+/, '').replace(/^>\s*/, '');
      if (block.bullet) {
        for (const [re, name] of PLATFORM_PATTERNS) {
          if (re.test(body.replace(/\*\*/g, ''))) {
            platformContext = name;
            platformIndent = block.indent;
          }
        }
      }
      const text = plain(body);
      if (!text) continue;
      for (const s of sentences(text)) {
        const kws = s.match(KEYWORD_RE);
        if (!kws) continue;
        let platform = platformContext;
        for (const [re, name] of PLATFORM_PATTERNS) if (re.test(s)) platform = name;
        if (/On all other platforms, this field is REQUIRED/.test(s)) platform = undefined;
        emit(s, [...new Set(kws)], levelOf(kws), platform);
      }
    }
  }
  return out;
}

let cached: Requirement[] | null = null;

export function requirementsFile(): string {
  return path.join(conformanceDir(), 'requirements.json');
}

/** The conformance/ source folder (works from src/ and from dist/conformance/src/). */
export function conformanceDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'checker', 'checker.c'))) return dir;
    const probe = path.join(dir, 'conformance');
    if (fs.existsSync(path.join(probe, 'checker', 'checker.c'))) return probe;
    dir = path.dirname(dir);
  }
  throw new Error('cannot find the conformance/ folder from ' + __dirname);
}

export function loadRequirements(): Requirement[] {
  if (!cached) cached = JSON.parse(fs.readFileSync(requirementsFile(), 'utf8')).requirements as Requirement[];
  return cached!;
}

export function requirementById(): Map<string, Requirement> {
  return new Map(loadRequirements().map((r) => [r.id, r]));
}
