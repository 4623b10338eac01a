/**
 * The reads that decide a container's status, and printing, without node:fs when it pays.
 *
 * bun builds node:fs from source when it is first loaded (~1 ms, more than all the rest of
 * `skiff state`), while its own Bun.file and Bun.write are there at no cost. state and kill need
 * nothing but a few reads, so they call avoidNodeFs() and read through Bun.file under bun. Every
 * other command loads node:fs anyway, and then it is the cheaper way to read (a first Bun.file
 * stream costs ~0.3 ms), so by default, and under node (jest, `node dist/src/main.js`), reads go
 * through node:fs. Results are promises either way, since Bun.file reads are asynchronous.
 */
import { fs } from './lazy-builtins';
import { writeOut } from '../log/write-all';

interface BunFileApi {
  file(path: string): { stream(): unknown; exists(): Promise<boolean> };
  readableStreamToText(stream: unknown): Promise<string>;
  write(destination: unknown, data: string): Promise<number>;
  stdout: unknown;
}

const bun = (globalThis as { Bun?: BunFileApi }).Bun;
let readViaBun: BunFileApi | undefined;

/** For a command whose only file work is readText, fileExists and printOut: skip node:fs under bun. */
export function avoidNodeFs(): void {
  readViaBun = bun;
}

/** The file's text (UTF-8); rejects with node's error codes (ENOENT, ...) in both runtimes. */
export async function readText(file: string): Promise<string> {
  // A stream is read on this thread; Bun.file().text() would start bun's thread pool (~0.3 ms more).
  return readViaBun ? readViaBun.readableStreamToText(readViaBun.file(file).stream()) : fs.readFileSync(file, 'utf8');
}

/** Whether a file exists. Not for directories: Bun.file(dir).exists() is false. */
export async function fileExists(file: string): Promise<boolean> {
  return readViaBun ? readViaBun.file(file).exists() : fs.existsSync(file);
}

/**
 * Writes all of text to stdout before resolving; a closed stdout is ignored, as writeOut does.
 * Under bun always through Bun.write, which is as cheap as node:fs once that is loaded.
 */
export async function printOut(text: string): Promise<void> {
  if (!bun) {
    writeOut(text);
    return;
  }
  try {
    await bun.write(bun.stdout, text);
  } catch {
    // nobody is reading
  }
}
