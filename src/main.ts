/**
 * skiff's entry point (bin/skiff). Keep this file and everything it imports small:
 * container commands are loaded on demand by the dispatcher.
 */
import { runCli } from './cli/dispatch';
import { errorMessage } from './cli/errors';
import { writeErr } from './log/write-all';

// Output is written synchronously (log/write-all.ts), so exiting at once loses nothing.
runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    // Only a bug in the dispatcher itself gets here; commands' errors are handled inside.
    writeErr(`skiff: ${errorMessage(err)}\n`);
    process.exit(1);
  },
);
