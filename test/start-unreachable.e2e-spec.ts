import { createServer } from 'node:net';
import { freePort } from '@lapse/shared/database/free-port';
import { waitForDependencies } from '@lapse/shared/nest/wait-for-dependencies';
import { runEntryPoint } from './support/built-entry-point';

const serviceToken = 'a-service-token-of-at-least-32-characters';

// The built entry point, as `npm run start:directory` runs it (`npm test` builds first).
describe('a service whose broker or database cannot be reached', () => {
  it('says which one and where, keeps retrying, and exits 1 with one line when START_TIMEOUT_SECONDS runs out', async () => {
    const brokerPort = await freePort();
    const databasePort = await freePort();
    const run = runEntryPoint('dist/apps/directory/src/main.js', {
      TRANSPORT: 'kafka',
      KAFKA_BROKERS: `127.0.0.1:${brokerPort}`,
      DATABASE_URL: `postgres://lapse:db-password-not-to-print@127.0.0.1:${databasePort}/directory`,
      SERVICE_API_TOKEN: serviceToken,
      PORT: String(await freePort()),
      START_TIMEOUT_SECONDS: '2',
    });
    expect(await run.exited).toBe(1);
    const output = run.output();
    expect(output).toContain(
      `directory: cannot reach the Kafka broker at 127.0.0.1:${brokerPort} (ECONNREFUSED); retrying`,
    );
    expect(output).toContain(
      `directory: cannot reach PostgreSQL at 127.0.0.1:${databasePort} (ECONNREFUSED); retrying`,
    );
    expect(output).toMatch(
      /^directory: failed to start: cannot reach (the Kafka broker|PostgreSQL) at 127\.0\.0\.1:\d+ \(ECONNREFUSED\); gave up after \d+ s \(START_TIMEOUT_SECONDS=2\)$/m,
    );
    expect(output).not.toMatch(/^ {4}at /m);
    expect(output).not.toContain('db-password-not-to-print');
  }, 20_000);

  it('with START_TIMEOUT_SECONDS=0 keeps retrying until the server answers, then says it reached it', async () => {
    const port = await freePort();
    const lines: string[] = [];
    const server = createServer((socket) => socket.destroy());
    const waiting = waitForDependencies([{ name: 'the Kafka broker', addresses: [`127.0.0.1:${port}`] }], {
      timeoutSeconds: 0,
      retryMs: 50,
      print: (line) => {
        lines.push(line);
        // The broker comes up once the operator has been told it is missing.
        if (lines.length === 1) server.listen(port, '127.0.0.1');
      },
    });
    try {
      await waiting;
      expect(lines[0]).toMatch(
        new RegExp(`^cannot reach the Kafka broker at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\); retrying`),
      );
      expect(lines.at(-1)).toBe(`reached the Kafka broker at 127.0.0.1:${port}`);
    } finally {
      server.close();
    }
  }, 15_000);
});
