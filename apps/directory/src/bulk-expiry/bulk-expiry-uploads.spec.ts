import { lines } from './bulk-expiry-uploads';

async function* chunks(...parts: (string | Buffer)[]) {
  for (const part of parts) yield typeof part === 'string' ? Buffer.from(part) : part;
}

async function collect(source: AsyncIterable<Buffer>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines(source)) out.push(line);
  return out;
}

describe('the lines of an upload', () => {
  it('splits on newlines across chunk boundaries, keeping a last line without one', async () => {
    expect(await collect(chunks('ab', 'c\nd', 'e\n\nf'))).toEqual(['abc', 'de', '', 'f']);
  });

  it('decodes a character split across chunks', async () => {
    const text = Buffer.from('é\n');
    expect(await collect(chunks(text.subarray(0, 1), text.subarray(1)))).toEqual(['é']);
  });

  it('hands an over-long line on without waiting for its end', async () => {
    const long = 'x'.repeat(300);
    const read = lines(chunks(long, 'y'.repeat(10_000)));
    expect((await read.next()).value).toBe(long);
  });

  it('refuses bytes that are not UTF-8', async () => {
    await expect(collect(chunks(Buffer.from([0xff, 0x0a])))).rejects.toMatchObject({
      code: 'E0000001',
      causes: ['the upload is not UTF-8 text'],
    });
  });
});
