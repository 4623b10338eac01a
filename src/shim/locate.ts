import * as fs from 'fs';
import * as path from 'path';

/** Where skiff-init lives: beside the skiff binary, or in the checkout's bin/ when run from sources. */
export function shimPath(): string {
  const candidates = [
    process.env.SKIFF_INIT,
    path.join(path.dirname(process.execPath), 'skiff-init'),
    path.resolve(__dirname, '../../../bin/skiff-init'),
    path.resolve(__dirname, '../../bin/skiff-init'),
  ];
  for (const c of candidates) if (c && fs.existsSync(c)) return c;
  throw new Error('skiff-init not found beside the skiff binary (set SKIFF_INIT to its path)');
}
