import 'reflect-metadata';
import { createPool, EnvReader, readBaseConfig, withTransaction } from '@lapse/shared';
import { Kafka, logLevel } from '@lapse/shared/transport/kafkajs/client';
import { CREDENTIAL_PROJECTION_CONSUMER } from '../credential-projection/credential.projection';
import { PROJECTION_TOPICS } from '../credential-projection/projection-lag.monitor';

/**
 * `npm run identity:rebuild-projection` — rebuilds identity's credential-state projection by replay.
 * Run it with identity STOPPED, against identity's database (DATABASE_URL). It empties the projection
 * (credentials, bulk cutoffs), forgets the consumer's checkpoints and inbox rows, and on Kafka resets the
 * consumer group to the earliest offsets; at the next start the consumer replays every directory event.
 * Sessions, lockout counters and sign-in transactions are identity's own facts and are kept.
 */
export async function rebuildCredentialProjection(
  env = new EnvReader(),
): Promise<{ checkpoints: number; inbox: number }> {
  const base = readBaseConfig(env);
  if (!base.databaseUrl) throw new Error('DATABASE_URL is required: the identity database to rebuild');
  const pool = createPool(base.databaseUrl, 1);
  try {
    const result = await withTransaction(pool, async (tx) => {
      await tx.query(
        'TRUNCATE identity_credentials, identity_bulk_cutoffs, identity_group_members, identity_bulk_cutoff_users',
      );
      const checkpoints = await tx.query('DELETE FROM lapse_checkpoints WHERE consumer = $1', [
        CREDENTIAL_PROJECTION_CONSUMER,
      ]);
      const inbox = await tx.query('DELETE FROM lapse_inbox WHERE consumer = $1', [
        CREDENTIAL_PROJECTION_CONSUMER,
      ]);
      return { checkpoints: checkpoints.rowCount ?? 0, inbox: inbox.rowCount ?? 0 };
    });
    if (base.transport === 'kafka') {
      const admin = new Kafka({
        clientId: 'lapse-identity-rebuild',
        brokers: base.kafkaBrokers,
        logLevel: logLevel.NOTHING,
      }).admin();
      await admin.connect();
      try {
        for (const topic of PROJECTION_TOPICS) {
          await admin.resetOffsets({ groupId: CREDENTIAL_PROJECTION_CONSUMER, topic, earliest: true });
        }
      } finally {
        await admin.disconnect();
      }
    }
    return result;
  } finally {
    await pool.end();
  }
}

if (require.main === module) {
  rebuildCredentialProjection()
    .then(({ checkpoints, inbox }) => {
      process.stdout.write(
        `identity credential projection emptied (${checkpoints} checkpoints, ${inbox} inbox rows forgotten); ` +
          'start identity to replay directory events.\n',
      );
    })
    .catch((error: unknown) => {
      process.stderr.write(`rebuild failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
