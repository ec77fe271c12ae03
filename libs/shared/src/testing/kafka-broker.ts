import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * A real single-node Kafka broker (KRaft) for tests, run by scripts/kafka/kafka.sh.
 *
 * Needs Java 17 and Maven on the machine; the first start downloads Kafka `$KAFKA_VERSION`
 * (default 3.9.1; kafka.sh reads it from the environment this process passes on) into
 * ~/.cache/lapse (or $LAPSE_CACHE_DIR), later starts take a few seconds. Give the
 * calling hook a generous timeout (e.g. `beforeAll(..., 120_000)`).
 */
export interface KafkaBrokerHandle {
  brokers: string[];
  stop(): Promise<void>;
}

export interface StartKafkaBrokerOptions {
  /** Client port; the controller listens on port + 1. Defaults to $KAFKA_PORT or 19092. */
  port?: number;
}

/** Thrown when kafka.sh exits 3: Java or Maven is missing, so the suite may be skipped. */
export class KafkaUnavailableError extends Error {
  readonly code = 'KAFKA_UNAVAILABLE';

  constructor(message: string) {
    super(message);
    this.name = 'KafkaUnavailableError';
  }
}

const DEFAULT_PORT = 19092;
const SCRIPT = path.join('scripts', 'kafka', 'kafka.sh');

/** The repository root: the first directory up from here with package.json and the script. */
function findRepoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, SCRIPT))) {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`kafka-broker: no package.json with ${SCRIPT} above ${__dirname}`);
    }
    dir = parent;
  }
}

function runScript(command: 'start' | 'stop', port: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SCRIPT, command], {
      cwd: findRepoRoot(),
      env: { ...process.env, KAFKA_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const append = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({ code: code ?? (signal ? 128 : 1), output: output.trimEnd() });
    });
  });
}

/** Starts a fresh broker (empty data dir) on 127.0.0.1 and resolves once clients are served. */
export async function startKafkaBroker(options: StartKafkaBrokerOptions = {}): Promise<KafkaBrokerHandle> {
  const port = options.port ?? (Number(process.env.KAFKA_PORT) || DEFAULT_PORT);
  const { code, output } = await runScript('start', port);
  if (code === 3) {
    throw new KafkaUnavailableError(output || 'kafka: Java 17 and Maven are required');
  }
  if (code !== 0) {
    throw new Error(`kafka.sh start failed on port ${port} (exit ${code}):\n${output}`);
  }

  let stopping: Promise<void> | undefined;
  return {
    brokers: [`127.0.0.1:${port}`],
    stop(): Promise<void> {
      stopping ??= runScript('stop', port).then((result) => {
        if (result.code !== 0) {
          throw new Error(`kafka.sh stop failed on port ${port} (exit ${result.code}):\n${result.output}`);
        }
      });
      return stopping;
    },
  };
}
