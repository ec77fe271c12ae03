import { escapeLiteral, type PoolClient } from 'pg';
import { commitWith, type Queryable } from '../database/pg';

/** Consumer checkpoints, written in the same transaction as the consumer's effects. */
export async function saveCheckpoint(
  db: Queryable,
  consumer: string,
  source: string,
  position: string,
): Promise<void> {
  await db.query(
    `INSERT INTO lapse_checkpoints (consumer, source, position, updated_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (consumer, source) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
    [consumer, source, position],
  );
}

/**
 * Records `positions` (source → position) in the transaction `tx`, written by the statement that goes with
 * its COMMIT (`commitWith`): the checkpoint still commits with the effects, in one round trip fewer.
 */
export function checkpointOnCommit(
  tx: PoolClient,
  consumer: string,
  positions: ReadonlyMap<string, string>,
): void {
  if (positions.size === 0) return;
  const rows = [...positions].map(
    ([source, position]) =>
      `(${escapeLiteral(consumer)}, ${escapeLiteral(source)}, ${escapeLiteral(position)}, now())`,
  );
  commitWith(
    tx,
    `INSERT INTO lapse_checkpoints (consumer, source, position, updated_at) VALUES ${rows.join(', ')}
     ON CONFLICT (consumer, source) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
  );
}

export async function loadCheckpoint(
  db: Queryable,
  consumer: string,
  source: string,
): Promise<string | null> {
  const { rows } = await db.query<{ position: string }>(
    'SELECT position FROM lapse_checkpoints WHERE consumer = $1 AND source = $2',
    [consumer, source],
  );
  return rows[0]?.position ?? null;
}

/** Every checkpoint of `consumer` whose source starts with `prefix` (a Kafka consumer's `kafka:`), by source. */
export async function loadCheckpoints(
  db: Queryable,
  consumer: string,
  prefix: string,
): Promise<Map<string, string>> {
  const { rows } = await db.query<{ source: string; position: string }>(
    'SELECT source, position FROM lapse_checkpoints WHERE consumer = $1 AND starts_with(source, $2)',
    [consumer, prefix],
  );
  return new Map(rows.map((row) => [row.source, row.position]));
}
