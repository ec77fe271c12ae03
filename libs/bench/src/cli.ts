import 'reflect-metadata';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * `npm run bench -- <name> [--flag value ...] [--json FILE]`: runs `libs/bench/src/<name>.bench.ts`, prints
 * its figures and saves them (to FILE, and always to bench-results/<name>[-<scenario>][-<transport>].json).
 */
export type BenchArgs = Record<string, string>;

function parse(argv: string[]): { name: string; args: BenchArgs } {
  const [name, ...rest] = argv;
  if (!name || name.startsWith('--'))
    throw new Error('usage: npm run bench -- <name> [--flag value ...] [--json FILE]');
  const args: BenchArgs = {};
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    if (!flag.startsWith('--')) throw new Error(`unexpected argument: ${flag}`);
    const value = rest[i + 1] && !rest[i + 1].startsWith('--') ? rest[++i] : 'true';
    args[flag.slice(2)] = value;
  }
  return { name, args };
}

async function main(): Promise<void> {
  const { name, args } = parse(process.argv.slice(2));
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`unknown benchmark: ${name}`);
  let bench: { run(args: BenchArgs): Promise<object> };
  try {
    bench = await import(`./${name}.bench`);
  } catch (error) {
    throw new Error(`unknown benchmark "${name}": ${(error as Error).message}`);
  }
  const figures = await bench.run(args);
  const text = `${JSON.stringify({ benchmark: name, at: new Date().toISOString(), args, ...figures }, null, 2)}\n`;
  process.stdout.write(text);
  const variant = `${args.scenario ? `-${args.scenario}` : ''}${args.transport ? `-${args.transport}` : ''}`;
  const targets = [resolve('bench-results', `${name}${variant}.json`)];
  if (args.json) targets.push(resolve(args.json));
  for (const file of targets) {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
  }
  process.exit(0);
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
