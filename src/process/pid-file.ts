import * as fs from 'fs';
import * as path from 'path';

/** --pid-file: written atomically (a reader never sees half a number), relative to our cwd, as runc does. */
export function writePidFile(file: string, pid: number): void {
  const abs = path.resolve(file);
  const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}`);
  fs.writeFileSync(tmp, String(pid));
  fs.renameSync(tmp, abs);
}
