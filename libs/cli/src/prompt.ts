import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { CliError, type CliIo, EXIT, usageError } from './io';

/** Everything on stdin as text (a token piped in: `… | lapse login --url URL --token-stdin`). */
export async function readAll(io: CliIo): Promise<string> {
  let text = '';
  for await (const chunk of io.stdin) text += chunk.toString();
  return text;
}

/**
 * One line typed on the terminal, the question on stderr. Visible answers are echoed by the terminal itself
 * (readline without terminal mode); a `hidden` one (a token) is read in terminal mode with readline's echo
 * sent to an output that discards it. Ctrl-C stops with exit 130.
 */
export async function ask(io: CliIo, question: string, hidden = false): Promise<string> {
  io.stderr.write(question);
  const lines = createInterface({
    input: io.stdin,
    ...(hidden
      ? { output: new Writable({ write: (_chunk, _encoding, done) => done() }), terminal: true }
      : { terminal: false }),
  });
  try {
    return await new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      lines.once('SIGINT', () => reject(new CliError('interrupted', EXIT.interrupted)));
      lines.once('close', () => reject(usageError('no answer: stdin closed')));
    });
  } finally {
    if (hidden) io.stderr.write('\n');
    lines.close();
  }
}
