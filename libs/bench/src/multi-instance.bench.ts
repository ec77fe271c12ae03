import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchFlags } from './flags';

/**
 * `npm run bench -- multi-instance [--users N] [--kafka-port P]`
 *
 * The multi-instance scenario (`test/multi-instance.kafka-spec.ts`: two notifiers, two directories, two
 * identities, a bulk expiry of N users, 100,000 by default as in CI, one identity stopped mid fan-out) with
 * its phases timed, run as that very spec (its assertions are the pass/fail) on the Kafka project's broker
 * (started by its global setup on `--kafka-port`, default 19092). Figures: `passed`, `seconds` (the whole
 * run), and the spec's phases: `seedSeconds` (hash import), `enforcementMs` (202 → both identities refuse
 * every sample), `fanoutSeconds` (202 → job COMPLETED), `projectedSeconds` (202 → the remaining identity's
 * projection holds every user's own expiry).
 */
export const summary =
  'the multi-instance Kafka scenario (two of each service, one stopped mid fan-out), timed';

/** The flags described above (`npm run bench -- --help` prints them; any other is refused). */
export const flags: BenchFlags = {
  users: { value: 'N', default: '100000', description: 'users the bulk expiry expires' },
  'kafka-port': {
    value: 'P',
    default: 'KAFKA_PORT or 19092',
    description: "port of the Kafka project's broker",
  },
};

export async function run(args: Record<string, string>): Promise<object> {
  const users = Number(args.users ?? 100_000);
  const root = resolve(__dirname, '../../../..');
  const dir = await mkdtemp(join(tmpdir(), 'lapse-bench-multi-'));
  const figuresFile = join(dir, 'figures.json');
  const started = performance.now();
  try {
    const code = await new Promise<number | null>((done, fail) => {
      const child = spawn(
        process.execPath,
        [
          join(root, 'node_modules/jest/bin/jest.js'),
          '--ci',
          '--selectProjects',
          'kafka',
          '--runInBand',
          '--testTimeout',
          '1800000',
          '--',
          'test/multi-instance.kafka-spec.ts',
        ],
        {
          cwd: root,
          stdio: ['ignore', 'inherit', 'inherit'],
          env: {
            ...process.env,
            MULTI_INSTANCE_USERS: String(users),
            MULTI_INSTANCE_FIGURES: figuresFile,
            KAFKA_PORT: args['kafka-port'] ?? process.env.KAFKA_PORT ?? '19092',
          },
        },
      );
      child.once('error', fail);
      child.once('exit', done);
    });
    const figures = JSON.parse(await readFile(figuresFile, 'utf8').catch(() => '{}'));
    return {
      users,
      passed: code === 0,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      ...figures,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
