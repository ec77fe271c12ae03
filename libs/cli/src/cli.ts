#!/usr/bin/env node
import { getEventListeners } from 'node:events';
import { EXIT } from './io';
import { runCli } from './program';

/**
 * `npx lapse …` (package.json `bin`): the admin CLI on this process's streams. Ctrl-C: a command that
 * listens for it (`events tail`) stops cleanly and leaves its consumer group; any other stops at once, 130.
 */
const interrupt = new AbortController();
// `lapse users list | head`: a reader that has gone is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(EXIT.ok);
});
process.on('SIGINT', () => {
  if (!interrupt.signal.aborted && getEventListeners(interrupt.signal, 'abort').length > 0) {
    interrupt.abort();
    return;
  }
  process.stderr.write('\n');
  process.exit(EXIT.interrupted);
});
runCli(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env },
  { signal: interrupt.signal },
).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`lapse: ${(error as Error).message}\n`);
    process.exitCode = EXIT.api;
  },
);
