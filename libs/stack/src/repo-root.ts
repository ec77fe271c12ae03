import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root: the first folder up from here whose package.json is Lapse's (from source or dist). */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'lapse') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no Lapse package.json above ${__dirname}`);
    dir = parent;
  }
}
