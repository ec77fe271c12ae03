import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '../..');

/** A built entry point (`dist/...`) running as its own process, as `npm start` / `start:<service>` run it. */
export interface RunningEntryPoint {
  readonly child: ChildProcess;
  /** Everything it printed so far, stdout and stderr together. */
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** `root`: the clone to run it from (this repository unless a spec made another). */
export function runEntryPoint(
  entry: string,
  env: Record<string, string>,
  root = repoRoot,
): RunningEntryPoint {
  const child = spawn(process.execPath, [join(root, entry)], {
    cwd: root,
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, output: () => output, exited };
}
