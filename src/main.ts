/**
 * skiff's entry point (bin/skiff). Keep this file and everything it imports small:
 * container commands are loaded on demand by the dispatcher.
 */
import { runCli } from './cli/dispatch';
import { errorMessage } from './cli/errors';

/** Exit once stdout and stderr have been handed to the OS, so piped output is not cut short. */
function exitAfterFlush(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

runCli(process.argv.slice(2)).then(
  (code) => exitAfterFlush(code),
  (err: unknown) => {
    // Only a bug in the dispatcher itself gets here; commands' errors are handled inside.
    process.stderr.write(`skiff: ${errorMessage(err)}\n`);
    exitAfterFlush(1);
  },
);
