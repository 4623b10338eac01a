/** Output: per-case table (one column per runtime), TAP, JSON, and summary lines. */
import { CaseDef, CaseResult } from './types';
import { Runtime } from './runtime';
import { HostInfo } from './host';

export interface Summary {
  passed: number;
  failed: number;
  skipped: number;
  byLevel: Record<'MUST' | 'SHOULD', { passed: number; failed: number; skipped: number }>;
}

export function summarize(results: CaseResult[]): Summary {
  const s: Summary = {
    passed: 0,
    failed: 0,
    skipped: 0,
    byLevel: { MUST: { passed: 0, failed: 0, skipped: 0 }, SHOULD: { passed: 0, failed: 0, skipped: 0 } },
  };
  for (const r of results) {
    const k = r.outcome === 'pass' ? 'passed' : r.outcome === 'fail' ? 'failed' : 'skipped';
    s[k]++;
    s.byLevel[r.level][k]++;
  }
  return s;
}

export function summaryLine(s: Summary): string {
  const lv = (l: 'MUST' | 'SHOULD') => `${l}: ${s.byLevel[l].passed} passed, ${s.byLevel[l].failed} failed, ${s.byLevel[l].skipped} skipped`;
  return `${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped (${lv('MUST')}; ${lv('SHOULD')})`;
}

const CELL: Record<string, string> = { pass: 'pass', fail: 'FAIL', skip: 'skip' };

/** One row per case, one column per runtime; reasons for fail/skip listed under the table. */
export function table(cases: CaseDef[], runtimes: Runtime[], results: Map<string, CaseResult[]>, color: boolean): string {
  const paint = (o: string, s: string) =>
    !color ? s : o === 'fail' ? `\x1b[31m${s}\x1b[0m` : o === 'skip' ? `\x1b[33m${s}\x1b[0m` : `\x1b[32m${s}\x1b[0m`;
  const nameW = Math.min(64, Math.max(...cases.map((c) => c.name.length), 4));
  const colW = runtimes.map((r) => Math.max(r.label.length, 4));
  const lines: string[] = [];
  lines.push(['case'.padEnd(nameW), 'level ', ...runtimes.map((r, i) => r.label.padEnd(colW[i])), 'spec'].join('  '));
  lines.push(['-'.repeat(nameW), '------', ...colW.map((w) => '-'.repeat(w)), '----'].join('  '));
  const notes: string[] = [];
  cases.forEach((c, ci) => {
    const cells = runtimes.map((r, i) => {
      const res = results.get(r.label)![ci];
      if (res.reason && res.outcome !== 'pass') notes.push(`  ${c.name} [${r.label}] ${res.outcome}: ${res.reason}`);
      return paint(res.outcome, CELL[res.outcome].padEnd(colW[i]));
    });
    const first = results.get(runtimes[0].label)![ci];
    lines.push([c.name.padEnd(nameW), first.level.padEnd(6), ...cells, `${first.file}#${first.section}`].join('  '));
  });
  if (notes.length) {
    lines.push('', 'Reasons:');
    lines.push(...notes);
  }
  return lines.join('\n');
}

export function tap(cases: CaseDef[], runtimes: Runtime[], results: Map<string, CaseResult[]>): string {
  const lines = ['TAP version 13', `1..${cases.length * runtimes.length}`];
  let n = 0;
  for (const r of runtimes) {
    results.get(r.label)!.forEach((res) => {
      n++;
      const desc = `${runtimes.length > 1 ? `[${r.label}] ` : ''}${res.name} (${res.level} ${res.file}#${res.section})`;
      if (res.outcome === 'skip') lines.push(`ok ${n} - ${desc} # SKIP ${res.reason ?? ''}`);
      else if (res.outcome === 'pass') lines.push(`ok ${n} - ${desc}`);
      else {
        lines.push(`not ok ${n} - ${desc}`);
        lines.push('  ---', `  message: ${JSON.stringify(res.reason ?? '')}`, '  ...');
      }
    });
  }
  return lines.join('\n');
}

export function jsonReport(runtimes: Runtime[], host: HostInfo, results: Map<string, CaseResult[]>): any {
  return {
    date: new Date().toISOString(),
    spec: '1.3.0',
    host: { kernel: host.kernel, cgroupMode: host.cgroupMode },
    runtimes: runtimes.map((r) => ({
      label: r.label,
      path: r.path,
      version: r.version,
      summary: summarize(results.get(r.label)!),
    })),
    results: Object.fromEntries(runtimes.map((r) => [r.label, results.get(r.label)])),
  };
}
