import { connect } from 'node:net';
import type { EnvReader } from '../config/env';
import type { Logger } from '../logging/logger';

/** A server a service cannot start without: the Kafka brokers (any one answering will do), or PostgreSQL. */
export interface Dependency {
  /** As the operator reads it: "the Kafka broker", "PostgreSQL". */
  readonly name: string;
  /** `host:port` addresses; reachable when any one accepts a TCP connection. */
  readonly addresses: readonly string[];
}

export interface WaitOptions {
  /** Give up after this many seconds (0: retry until reachable). */
  readonly timeoutSeconds: number;
  /** Where the readable lines go (stderr at start). */
  readonly print: (line: string) => void;
  readonly logger?: Logger;
  /** Between attempts (ms). */
  readonly retryMs?: number;
  /** Between two "still cannot reach" lines (ms). */
  readonly reportEveryMs?: number;
}

/** `START_TIMEOUT_SECONDS`: how long a start waits for its broker and database; 0 waits for ever. */
export const DEFAULT_START_TIMEOUT_SECONDS = 0;

export function readStartTimeoutSeconds(env: EnvReader): number {
  return env.int('START_TIMEOUT_SECONDS', DEFAULT_START_TIMEOUT_SECONDS, 0, 86_400);
}

/** The `host:port` a `postgres://` URL names (5432 unless it says otherwise). */
export function databaseAddress(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  const host = url.hostname || '127.0.0.1';
  return `${host}:${url.port || '5432'}`;
}

/**
 * Waits until every dependency accepts a TCP connection. kafkajs and pg retry a refused connection silently
 * for a minute and more, then fail with a stack; this says at the first refusal which server cannot be
 * reached (address and reason, never credentials) and repeats it every `reportEveryMs` while it retries,
 * or gives up after `timeoutSeconds` with an error naming it.
 */
export async function waitForDependencies(
  dependencies: readonly Dependency[],
  options: WaitOptions,
): Promise<void> {
  const startedAt = Date.now();
  await Promise.all(dependencies.map((dependency) => waitFor(dependency, options, startedAt)));
}

async function waitFor(dependency: Dependency, options: WaitOptions, startedAt: number): Promise<void> {
  const retryMs = options.retryMs ?? 1000;
  const reportEveryMs = options.reportEveryMs ?? 15_000;
  const where = dependency.addresses.join(', ');
  let lastReportAt: number | undefined;
  for (;;) {
    const reasons = await Promise.all(dependency.addresses.map((address) => refusal(address)));
    if (reasons.some((reason) => reason === undefined)) {
      if (lastReportAt !== undefined) options.print(`reached ${dependency.name} at ${where}`);
      return;
    }
    const reason = [...new Set(reasons)].join(', ');
    const waitedSeconds = Math.round((Date.now() - startedAt) / 1000);
    if (options.timeoutSeconds > 0 && waitedSeconds >= options.timeoutSeconds) {
      throw new Error(
        `cannot reach ${dependency.name} at ${where} (${reason}); gave up after ${waitedSeconds} s (START_TIMEOUT_SECONDS=${options.timeoutSeconds})`,
      );
    }
    if (lastReportAt === undefined || Date.now() - lastReportAt >= reportEveryMs) {
      lastReportAt = Date.now();
      const limit =
        options.timeoutSeconds > 0
          ? `giving up after ${options.timeoutSeconds} s`
          : 'START_TIMEOUT_SECONDS=0: until it answers';
      options.print(
        `cannot reach ${dependency.name} at ${where} (${reason}); retrying (waited ${waitedSeconds} s, ${limit})`,
      );
      options.logger?.warn(
        { dependency: dependency.name, addresses: where, reason },
        'dependency unreachable',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, retryMs));
  }
}

/** Why a TCP connection to `host:port` fails (an error code), or undefined when it is accepted. */
function refusal(address: string, timeoutMs = 3000): Promise<string | undefined> {
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator).replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = Number(address.slice(separator + 1));
  if (separator < 0 || !Number.isInteger(port)) return Promise.resolve('not a host:port address');
  return new Promise((done) => {
    const socket = connect({ host, port });
    const finish = (reason: string | undefined) => {
      socket.destroy();
      done(reason);
    };
    socket.setTimeout(timeoutMs, () => finish('no answer'));
    socket.once('connect', () => finish(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
  });
}
