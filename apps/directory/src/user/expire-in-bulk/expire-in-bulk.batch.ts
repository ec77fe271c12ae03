import { eventsAppended, isUniqueViolation, type Queryable } from '@lapse/shared';

/** One batch of a slice: the job's facts, the slice's range and where it stopped. */
export interface BatchRequest {
  readonly jobId: string;
  readonly cutoff: string;
  readonly providers: readonly string[];
  /** The job's groups: only their members are candidates (absent or null: every user). */
  readonly groupIds?: readonly string[] | null;
  /** The job has an explicit user set (`directory_bulk_job_users`): only its users are candidates. */
  readonly userScoped?: boolean;
  /** With `userScoped`: only the users of this wave of a staged job (absent or null: the set's users). */
  readonly wave?: number | null;
  readonly reason: string | null;
  readonly actor: string;
  readonly correlationId: string;
  /** When the events are recorded (metadata.occurredAt). */
  readonly now: string;
  /** Exclusive lower bound (the checkpoint, or just below the slice's low end). */
  readonly after: string;
  /** Exclusive upper bound; null for the last slice. */
  readonly before: string | null;
  readonly limit: number;
}

export interface BatchResult {
  /**
   * Users of the batch the job counts (expired or skipped): of its providers, created before the cutoff, and
   * either eligible now or changed after the cutoff (`last_updated` or `password_changed_at` at or after
   * it). A user not eligible and unchanged since the cutoff was not eligible at the cutoff either: not a
   * target (`TARGET_SQL`), so not counted (e.g. one already expired before the job).
   */
  readonly examined: number;
  /** The last user id of the batch (any provider): the slice's next checkpoint; null when none is left. */
  readonly lastId: string | null;
  /** Users expired by this statement. */
  readonly expired: number;
  /** Targets whose stream moved past the read model's version meanwhile: for the per-user path. */
  readonly conflicted: readonly string[];
}

/**
 * The batch form of the user decider's `expireInBulk` (`../domain/user.decider.ts`): the same command for
 * many users at once, decided and applied in one set-based statement over the read model instead of load,
 * fold, decide and append per user. It is the one append outside the command handler, and it holds no
 * rules of its own: each clause below is a rule of the decider, named here so a change to one is a change
 * to the other, and `expire-in-bulk.property.int-spec.ts` drives random user histories through both and
 * requires the same events and the same state.
 *
 * - eligibility, the `targets` CTE: `bulkSkipReason` returns null (status in `BULK_TARGET_STATUSES`; not
 *   `MASTERED_ELSEWHERE`; created and password set before the cutoff; no expiry in force, which a user
 *   with a `directory_bulk_expired` row always has);
 * - the event, the `appended` CTE: `expireInBulk`'s `PasswordExpired` (cause BULK, `credentialStatus` from
 *   `statusWhenExpired`, `delegated` from `isDelegated`; no credential snapshot: identity derives it with
 *   `credentialStateAfterBulkExpiry`);
 * - the new state, the `projected` CTE: one narrow row in `directory_bulk_expired` (job, the stream's new
 *   version, `statusWhenExpired`), which the view applies as `evolve` does. The view's SQL is frozen in a
 *   migration; the definition in force is `directory_users_bulk_expired` of migration 1710000000005
 *   (`createViews`), which replaced 1710000000004's; that is the one place to read it, and the property
 *   spec checks it against `evolve`.
 *
 * Why a statement: the read model (written in the same transaction as every append to a user stream, so
 * its `version` is the stream's for every user without a pending bulk expiry, the only ones eligible)
 * picks the batch's users and their expected versions; for each eligible one it appends the bulk
 * `PasswordExpired` and projects the new state, without loading a stream or moving a document through
 * Node. Recording the state as a side row instead of rewriting the user's wide row (a new version of it
 * and an entry in each of its six indexes, on a random page) is what makes it cheap (ADR and measurements:
 * docs/directory.md). Only the few fields of `state` it needs go through the statement's CTEs (each is
 * materialised), not the whole document.
 *
 * A batch is the slice's next `limit` users by id created before the cutoff, of any provider (the job's
 * providers are filtered after), so the walk's only index condition is the lower end and the planner weighs
 * `limit` rows in key order against every user past the checkpoint; the slice's upper bound is applied
 * outside the walk, not in its index condition (with a bounded range and stale statistics, e.g. after an
 * import, the planner chose a bitmap scan of the whole rest of the slice plus a sort for every batch). The
 * walk may read past the slice's end in its last batch.
 *
 * A stream that moved on (a writer whose transaction committed after this statement began) makes its
 * insert a no-op (`ON CONFLICT DO NOTHING`): that user is returned in `conflicted`, for the per-user path
 * through the command handler. `expire-in-bulk.batch.e2e-spec.ts` checks the statement through the API.
 */
export async function expireBatchFromReadModel(tx: Queryable, request: BatchRequest): Promise<BatchResult> {
  const params = [
    request.providers,
    request.cutoff,
    request.after,
    request.before,
    request.limit,
    request.jobId,
    request.reason,
    request.cutoff,
    request.correlationId,
    request.actor,
    request.now,
    request.groupIds ?? null,
    request.userScoped === true,
    request.wave ?? null,
  ];
  // A plain INSERT (no speculative insertion per row) almost always succeeds, and then every target was
  // appended; when a stream moved on, the batch is rolled back to the savepoint and run again, skipping the
  // users whose stream moved on (only the appended ones are recorded as expired).
  await tx.query('SAVEPOINT expire_batch');
  let row: BatchRow;
  try {
    row = await runBatch(tx, '', params);
    await tx.query('RELEASE SAVEPOINT expire_batch');
  } catch (error) {
    if (!isUniqueViolation(error, STREAM_VERSION_CONSTRAINT)) throw error;
    await tx.query('ROLLBACK TO SAVEPOINT expire_batch');
    row = await runBatch(tx, `ON CONFLICT ON CONSTRAINT ${STREAM_VERSION_CONSTRAINT} DO NOTHING`, params);
  }
  if (row.appended !== row.expired)
    throw new Error(`bulk expiry: ${row.appended} appended, ${row.expired} recorded`);
  if (row.expired > 0) eventsAppended(tx);
  return {
    examined: row.examined,
    lastId: row.last_id,
    expired: row.expired,
    conflicted: row.conflicted ?? [],
  };
}

const STREAM_VERSION_CONSTRAINT = 'lapse_events_stream_version_key';

/**
 * What the batch's events share, computed once per statement:
 * - `head`, `base`: their ids, UUIDv7 (RFC 9562): the statement's time in milliseconds and 12 random bits,
 *   then the variant and a 59-bit random base plus the row's number (the spec's "monotonic random"
 *   counter), so the batch's entries in the unique `event_id` index land together at its right edge
 *   instead of on a random leaf page each (a page write, and after a checkpoint a full-page image in the
 *   WAL, per user). Two calls of `random()` per batch instead of `gen_random_uuid()` per user (a strong
 *   random number each, a tenth of the statement's CPU); event ids identify events, they are not secrets.
 * - `data`, `metadata`: the job's part of each payload and metadata, which each row extends with its own
 *   keys (about a fifth cheaper than building every object whole per row).
 */
const BATCH = `SELECT lpad(to_hex((extract(epoch FROM statement_timestamp()) * 1000)::bigint), 12, '0')
         || '7' || lpad(to_hex(floor(random() * 4096)::int), 3, '0') || '8' AS head,
         floor(random() * 2 ^ 59)::bigint AS base,
         jsonb_build_object('cause', 'BULK', 'jobId', $6::text, 'reason', $7::text, 'expiredAt', $8::text) AS data,
         jsonb_build_object('correlationId', $9::text, 'causationId', $6::text, 'actor', $10::text,
                            'occurredAt', $11::text) AS metadata`;

interface BatchRow {
  examined: number;
  last_id: string | null;
  expired: number;
  appended: number;
  conflicted: string[] | null;
}

async function runBatch(tx: Queryable, onConflict: string, params: unknown[]): Promise<BatchRow> {
  const { rows } = await tx.query<BatchRow>(
    `WITH next_users AS (
       SELECT * FROM (
         SELECT id, version, status, provider_type, password_changed_at,
                last_updated >= $2::timestamptz OR password_changed_at >= $2::timestamptz AS changed_since_cutoff,
                jsonb_typeof(state->'expiry') IS DISTINCT FROM 'object' AS no_expiry,
                state->'profile'->'login' AS login, state->'provider' AS provider
           FROM directory_users
          WHERE id > $3::uuid AND created_at < $2::timestamptz
          ORDER BY id LIMIT $5
       ) walk
        WHERE $4::uuid IS NULL OR id < $4::uuid
     ),
     candidates AS (
       SELECT * FROM next_users WHERE provider_type = ANY($1::text[])
          AND ($12::uuid[] IS NULL
               OR id IN (SELECT user_id FROM directory_group_members WHERE group_id = ANY($12::uuid[])))
          AND (NOT $13::boolean
               OR EXISTS (SELECT FROM directory_bulk_job_users s WHERE s.job_id = $6::uuid AND s.user_id = next_users.id
                         AND s.wave IS NOT DISTINCT FROM $14::int))
     ),
     batch AS (${BATCH}),
     targets AS (
       SELECT id, version, login, provider, provider_type,
              (head || lpad(to_hex(base + row_number() OVER ()), 15, '0'))::uuid AS event_id,
              CASE WHEN status IN ('LOCKED_OUT', 'SUSPENDED') THEN status ELSE 'PASSWORD_EXPIRED' END AS expired_status,
              provider_type IN ('ACTIVE_DIRECTORY', 'LDAP') AS delegated
         FROM candidates, batch
        WHERE status IN ('ACTIVE', 'RECOVERY', 'LOCKED_OUT', 'SUSPENDED')
          AND provider_type NOT IN ('FEDERATION', 'SOCIAL')
          AND (password_changed_at IS NULL OR password_changed_at < $2::timestamptz)
          AND (status = 'ACTIVE' OR no_expiry)
          AND NOT EXISTS (SELECT FROM directory_bulk_expired b WHERE b.user_id = candidates.id)
     ),
     appended AS (
       INSERT INTO lapse_events (stream_id, stream_type, version, event_id, type, schema_version, data, metadata)
       SELECT 'user-' || id, 'user', version + 1, event_id, 'PasswordExpired', 1,
              data || jsonb_build_object(
                'login', login, 'provider', provider, 'delegated', delegated, 'credentialStatus', expired_status),
              metadata || jsonb_build_object('eventId', event_id)
         FROM targets, batch
       ${onConflict} RETURNING ${onConflict ? 'substr(stream_id, 6)::uuid AS id' : 'version'}
     ),
     projected AS (
       INSERT INTO directory_bulk_expired (user_id, job_id, version, status, provider_type)
       SELECT id, $6::uuid, version + 1, expired_status, provider_type
         FROM targets ${onConflict ? 'WHERE id IN (SELECT id FROM appended)' : ''}
       RETURNING user_id AS id
     )
     SELECT (SELECT count(*)::int FROM candidates c
              WHERE c.changed_since_cutoff OR c.id IN (SELECT id FROM targets)) AS examined,
            (SELECT id FROM next_users ORDER BY id DESC LIMIT 1) AS last_id,
            (SELECT count(*)::int FROM projected) AS expired,
            (SELECT count(*)::int FROM appended) AS appended,
            (SELECT array_agg(t.id) FROM targets t WHERE t.id NOT IN (SELECT id FROM projected)) AS conflicted`,
    params,
  );
  return rows[0];
}
