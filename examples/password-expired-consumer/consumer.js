// @ts-check
'use strict';
/**
 * One consumer of Lapse's `PasswordExpired`, written as your own service would write it: plain kafkajs, no
 * Lapse code, only what docs/asyncapi.yaml documents.
 *
 * - Topic `lapse.directory.users.v1` (public) carries every user fact; the `event-type` header says which,
 *   so other facts are skipped without parsing them.
 * - The `schema-version` header says which version of the payload follows. Version 1 is read here; a later
 *   version of the same contract only adds fields, so unknown fields are ignored, and a version this service
 *   does not know is logged and skipped rather than guessed at.
 * - Delivery is at least once (a redelivery after a rebalance or a crash is normal): the `event-id` header
 *   identifies the event, and an event already handled is not handled again.
 *
 *   KAFKA_BROKERS=localhost:9092 node examples/password-expired-consumer/consumer.js
 */
const { Kafka, logLevel } = require('kafkajs');

const TOPIC = 'lapse.directory.users.v1';

/**
 * @typedef {object} PasswordExpired  PasswordExpired v1 (docs/asyncapi.yaml, PasswordExpiredV1): the fields used.
 * @property {string} userId
 * @property {string} login
 * @property {'ADMIN' | 'ADMIN_TEMP_PASSWORD' | 'BULK' | 'POLICY'} cause
 * @property {string} expiredAt
 * @property {string} [jobId] the bulk job (cause BULK)
 *
 * @typedef {object} Envelope  What the headers say about the event.
 * @property {string} eventId
 * @property {string | undefined} correlationId
 * @property {string | undefined} occurredAt
 *
 * @typedef {object} ProcessedEvents  Event ids already handled.
 * @property {(eventId: string) => Promise<boolean>} has
 * @property {(eventId: string) => Promise<void>} add
 */

/**
 * Header values arrive as Buffers (an array when a header is repeated: the first one counts).
 * @param {import('kafkajs').IHeaders | undefined} headers @param {string} name
 */
function header(headers, name) {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/**
 * The payload as this service uses it, or an error saying what is missing.
 * @param {unknown} payload @returns {PasswordExpired}
 */
function readPasswordExpiredV1(payload) {
  const p = /** @type {Record<string, unknown>} */ (payload ?? {});
  for (const field of ['userId', 'login', 'cause', 'expiredAt']) {
    if (typeof p[field] !== 'string') throw new Error(`PasswordExpired v1 without ${field}`);
  }
  return /** @type {PasswordExpired} */ ({
    userId: p.userId,
    login: p.login,
    cause: p.cause,
    expiredAt: p.expiredAt,
    ...(typeof p.jobId === 'string' ? { jobId: p.jobId } : {}),
  });
}

/**
 * Remembered in memory, which is enough for an example. A real service keeps them in its own database and
 * writes the id in the same transaction as the effect (a table with the event id as primary key), so that
 * a crash between the two cannot repeat the effect.
 * @returns {ProcessedEvents}
 */
function inMemoryProcessedEvents() {
  const seen = new Set();
  return {
    has: async (eventId) => seen.has(eventId),
    add: async (eventId) => {
      seen.add(eventId);
    },
  };
}

/**
 * Starts consuming; `onPasswordExpired` is called once per event, in order per user (the record key is the
 * user id, so one user's events stay on one partition).
 * @param {{
 *   brokers: string[];
 *   groupId: string;
 *   onPasswordExpired: (event: PasswordExpired, envelope: Envelope) => Promise<void>;
 *   processed?: ProcessedEvents;
 *   log?: (line: string) => void;
 * }} options
 */
async function startPasswordExpiredConsumer(options) {
  const processed = options.processed ?? inMemoryProcessedEvents();
  const log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  const kafka = new Kafka({ clientId: options.groupId, brokers: options.brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: options.groupId });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (header(message.headers, 'event-type') !== 'PasswordExpired') return;
      const eventId = header(message.headers, 'event-id');
      const version = header(message.headers, 'schema-version');
      if (!eventId) {
        log('skipped a PasswordExpired without an event-id header');
        return;
      }
      if (version !== '1') {
        log(`skipped PasswordExpired ${eventId}: schema version ${version}, this service reads 1`);
        return;
      }
      if (await processed.has(eventId)) return;
      const event = readPasswordExpiredV1(JSON.parse(message.value?.toString() ?? 'null'));
      await options.onPasswordExpired(event, {
        eventId,
        correlationId: header(message.headers, 'correlation-id'),
        occurredAt: header(message.headers, 'occurred-at'),
      });
      await processed.add(eventId);
    },
  });
  return { stop: () => consumer.disconnect() };
}

module.exports = { TOPIC, startPasswordExpiredConsumer, readPasswordExpiredV1, inMemoryProcessedEvents };

if (require.main === module) {
  startPasswordExpiredConsumer({
    brokers: (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(','),
    groupId: process.env.GROUP_ID ?? 'example.password-expired',
    onPasswordExpired: async (event) => {
      process.stdout.write(`password expired: ${event.login} (${event.cause}) at ${event.expiredAt}\n`);
    },
  }).then(
    (running) => {
      for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
        process.once(signal, () => running.stop().then(() => process.exit(0)));
      }
    },
    (error) => {
      process.stderr.write(`cannot start: ${error.message}\n`);
      process.exit(1);
    },
  );
}
