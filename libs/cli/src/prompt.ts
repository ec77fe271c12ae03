import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { CliIo } from './io';

/** Everything on stdin as text (a token piped in: `… | lapse login --url URL --token-stdin`). */
export async function readAll(io: CliIo): Promise<string> {
  let text = '';
  for await (const chunk of io.stdin) text += chunk.toString();
  return text;
}

/**
 * One line typed on the terminal. With `hidden` what is typed is not echoed (a token): readline writes its
 * echo to an output that discards it, and the prompt goes to stderr.
 */
export async function ask(io: CliIo, question: string, hidden = false): Promise<string> {
  io.stderr.write(question);
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const lines = createInterface({
    input: io.stdin,
    output: hidden ? muted : (io.stderr as never),
    terminal: true,
  });
  try {
    return await new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      lines.once('close', () => reject(new Error('no answer')));
    });
  } finally {
    if (hidden) io.stderr.write('\n');
    lines.close();
  }
}
