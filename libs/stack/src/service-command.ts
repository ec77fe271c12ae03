import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo-root';

/** How `npm run start:<service>` runs a service: node's flags and the built entry point. */
export interface ServiceCommand {
  readonly nodeFlags: readonly string[];
  /** Absolute path of `dist/apps/<service>/src/main.js`. */
  readonly entry: string;
}

/**
 * The node command of `start:<service>` in package.json (after its `npm run build &&`), with its
 * `${VAR:-default}` expanded from `env` as the shell would. Read from package.json rather than copied, so
 * the stack runs each service exactly as its start command does.
 */
export function serviceCommand(service: string, env: NodeJS.ProcessEnv = process.env): ServiceCommand {
  return scriptCommand(`start:${service}`, env);
}

/** How `npm start` runs the all-in-one process (`dist/apps/main.js`), read from package.json the same way. */
export function allInOneCommand(env: NodeJS.ProcessEnv = process.env): ServiceCommand {
  return scriptCommand('start', env);
}

function scriptCommand(name: string, env: NodeJS.ProcessEnv): ServiceCommand {
  const root = repoRoot();
  const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<
    string,
    string
  >;
  const script = scripts[name];
  if (!script) throw new Error(`package.json has no ${name} script`);
  const words = startScriptNodeCommand(script, env);
  return { nodeFlags: words.slice(1, -1), entry: join(root, words.at(-1) as string) };
}

/**
 * The node command a package.json start script ends with (`npm run build && exec node <flags> <entry>.js`)
 * as arguments, `node` first: the shell's `exec` dropped (it only makes the shell hand its process, and so
 * npm's signals, to node), `${VAR:-default}` expanded from `variables` as the shell would.
 */
export function startScriptNodeCommand(
  script: string,
  variables: Readonly<Record<string, string | undefined>>,
): string[] {
  const words = (script.split('&&').pop() as string)
    .trim()
    .split(/\s+/)
    .map((word) =>
      word.replace(/\$\{([A-Z0-9_]+):-([^}]*)\}/g, (_whole, name: string, fallback: string) =>
        variables[name] ? (variables[name] as string) : fallback,
      ),
    );
  if (words[0] === 'exec') words.shift();
  if (words[0] !== 'node' || !(words.at(-1) as string).endsWith('.js'))
    throw new Error(`not "[exec] node [flags] <entry>.js": ${script}`);
  return words;
}
