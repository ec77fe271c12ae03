#!/usr/bin/env node
import { runCli } from './program';

/** `npx lapse …` (package.json `bin`): the admin CLI on this process's streams; Ctrl-C stops `events tail`. */
const interrupt = new AbortController();
process.once('SIGINT', () => interrupt.abort());
runCli(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env },
  {
    signal: interrupt.signal,
  },
).then(
  (code) => {
    process.exitCode = interrupt.signal.aborted && code === 0 ? 0 : code;
  },
  (error: unknown) => {
    process.stderr.write(`lapse: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
