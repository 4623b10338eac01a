/** `skiff list`: the containers under --root, as a table, as JSON, or only their ids. */
import { writeOut } from '../log/write-all';
import type { GlobalOptions } from './context';
import { listContainers } from '../factory/load';
import { publicState, PublicState } from '../container/public-state';
import { RuntimeError } from './errors';

/** Columns padded like Go's tabwriter with runc's settings (min width 12, padding 3). */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, col) => Math.max(12, ...rows.map((r) => r[col].length + 3)));
  return rows.map((r) => r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]))).join('')).map((l) => `${l}\n`).join('');
}

export async function run(g: GlobalOptions, _args: string[], opts: Record<string, any>): Promise<number> {
  const states: PublicState[] = await Promise.all((await listContainers(g.root)).map(({ dir, state }) => publicState(dir, state)));
  if (opts.quiet) {
    writeOut(states.map((s) => `${s.id}\n`).join(''));
    return 0;
  }
  switch (opts.format) {
    case 'json':
      writeOut(`${JSON.stringify(states)}\n`);
      return 0;
    case 'table': {
      const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']];
      for (const s of states) rows.push([s.id, String(s.pid ?? 0), s.status, s.bundle, s.created, s.owner || 'root']);
      writeOut(table(rows));
      return 0;
    }
    default:
      throw new RuntimeError(`invalid format option`);
  }
}
