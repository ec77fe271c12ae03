import { eventsAppended, type Queryable } from '@lapse/shared';

export interface AgeExpiryBatchRequest {
  /** Passwords changed at or before this instant are past the maximum age (`now - maxAgeDays`). */
  readonly cutoff: string;
  readonly maxAgeDays: number;
  /** When the events are recorded (metadata.occurredAt, `expiredAt`). */
  readonly now: string;
  readonly reason: string;
  readonly correlationId: string;
  readonly limit: number;
  /**
   * Whose policy this maximum age is (absent: everyone's, as when no group policy is active). A user is in
   * scope when they are a member of one of `groupIds` with a provider type among `providerTypes` (absent for
   * the default policy) and in none of `earlier` (the active group policies before this one, whose users
   * it does not govern): the same resolution as `effectivePasswordPolicy`, as a filter over the index range.
   */
  readonly scope?: {
    readonly match: PolicyMembership | null;
    readonly earlier: PolicyMembership;
  };
}

/** Group/provider-type pairs: a user matches when a member of a pair's group with the pair's provider type. */
export interface PolicyMembership {
  readonly groupIds: readonly string[];
  readonly providerTypes: readonly string[];
}

export interface AgeExpiryBatchResult {
  /** Users the index range gave (at most `limit`): when fewer than `limit`, the range is exhausted. */
  readonly candidates: number;
  /** Users expired by this statement (a candidate whose stream moved on meanwhile is left for the next sweep). */
  readonly expired: number;
}

/** The actor of the sweep's events and System Log records (`systemCaller`'s). */
const SYSTEM_ACTOR = 'system';

/**
 * The batch form of the user decider's `expireByAge` (`../domain/user.decider.ts`): the command for the next
 * `limit` users past the maximum age, decided and applied in one set-based statement over the read model,
 * as the bulk fan-out does (`../expire-in-bulk/expire-in-bulk.batch.ts`, which explains why). It holds no
 * rules of its own; each clause is one of the decider's, and `expire-by-age.int-spec.ts` folds every
 * expired user's stream with the decider and requires the read model's state:
 *
 * - eligibility, the `targets` CTE: `ageExpirySkipReason` returns null (ACTIVE; OKTA or IMPORT; not
 *   exempt; password changed at or before `now - maxAgeDays`). These are the predicate of the partial index
 *   `directory_users_password_age` (migration 1710000000310), written the same way so the planner reads the
 *   range `password_changed_at <= cutoff` of that index and nothing else. A user with a pending bulk expiry
 *   (a `directory_bulk_expired` row) is expired already;
 * - the event, the `appended` CTE: `expireByAge`'s `PasswordExpired` (cause POLICY, `credentialStatus`
 *   PASSWORD_EXPIRED, no credential snapshot: identity and `currentCredentialState` derive it, as for a
 *   bulk expiry);
 * - the new state, the `projected` CTE: `evolve` of that event on an ACTIVE user (status, expiry, the
 *   times), written into the user's row at the stream's new version;
 * - the System Log, the `audited` CTE: one `user.account.expire_password` record per user, by the system.
 *
 * A stream that moved on (a writer whose transaction committed after this statement began) makes its
 * insert a no-op (`ON CONFLICT DO NOTHING`) and the user is not projected: if still past the age, the next
 * sweep expires it from the row that writer left. The caller holds the sweep's advisory lock, so two
 * sweeps never run this statement at once.
 */
export async function expireByAgeFromReadModel(
  tx: Queryable,
  request: AgeExpiryBatchRequest,
): Promise<AgeExpiryBatchResult> {
  const { rows } = await tx.query<AgeExpiryBatchResult>(
    `WITH targets AS (
       SELECT u.id, u.version, u.state->'profile'->'login' AS login, u.state->'provider' AS provider,
              u.state->'activatedAt' AS activated_at, gen_random_uuid() AS event_id
         FROM directory_users u
        WHERE u.status = 'ACTIVE' AND u.provider_type IN ('OKTA', 'IMPORT') AND NOT (u.state ? 'passwordAgeExempt')
          AND u.password_changed_at <= $1::timestamptz
          AND NOT EXISTS (SELECT FROM directory_bulk_expired b WHERE b.user_id = u.id)
          AND ($7::text[] IS NULL OR EXISTS (
                SELECT FROM directory_group_members m JOIN unnest($7::text[], $8::text[]) AS p(g, pt) ON m.group_id::text = p.g
                 WHERE m.user_id = u.id AND u.provider_type = p.pt))
          AND NOT EXISTS (
                SELECT FROM directory_group_members m JOIN unnest($9::text[], $10::text[]) AS e(g, pt) ON m.group_id::text = e.g
                 WHERE m.user_id = u.id AND u.provider_type = e.pt)
        ORDER BY u.password_changed_at, u.id
        LIMIT $2
     ),
     appended AS (
       INSERT INTO lapse_events (stream_id, stream_type, version, event_id, type, schema_version, data, metadata)
       SELECT 'user-' || id, 'user', version + 1, event_id, 'PasswordExpired', 1,
              jsonb_build_object(
                'login', login, 'provider', provider, 'cause', 'POLICY', 'jobId', NULL::text, 'reason', $4::text,
                'expiredAt', $3::text, 'delegated', false, 'credentialStatus', 'PASSWORD_EXPIRED'),
              jsonb_build_object(
                'eventId', event_id, 'correlationId', $5::text, 'causationId', NULL::text,
                'actor', '${SYSTEM_ACTOR}', 'occurredAt', $3::text)
         FROM targets
       ON CONFLICT ON CONSTRAINT lapse_events_stream_version_key DO NOTHING
       RETURNING substr(stream_id, 6)::uuid AS id
     ),
     projected AS (
       UPDATE directory_users u
          SET status = 'PASSWORD_EXPIRED', last_updated = $3::timestamptz, version = t.version + 1,
              state = u.state || jsonb_build_object(
                'status', 'PASSWORD_EXPIRED',
                'expiry', jsonb_build_object(
                  'cause', 'POLICY', 'jobId', NULL::text, 'reason', $4::text, 'expiredAt', $3::text,
                  'temporary', NULL::text),
                'lastUpdatedAt', $3::text,
                'statusChangedAt', $3::text,
                'activatedAt', CASE WHEN jsonb_typeof(t.activated_at) = 'string' THEN t.activated_at
                                    ELSE to_jsonb($3::text) END)
         FROM targets t
        WHERE u.id = t.id AND t.id IN (SELECT id FROM appended)
       RETURNING u.id, t.login
     ),
     audited AS (
       INSERT INTO directory_audit_log (id, published, event_type, actor_id, actor_type, actor_name, target_id,
                                        target_type, target_name, outcome, reason, correlation_id,
                                        display_message, debug_data)
       SELECT gen_random_uuid(), $3::timestamptz, 'user.account.expire_password', '${SYSTEM_ACTOR}', 'System', 'Lapse',
              p.id::text, 'User', p.login #>> '{}', 'SUCCESS', $4::text, $5::text,
              'Expire password (maximum age)', jsonb_build_object('cause', 'POLICY', 'maxAgeDays', $6::int)
         FROM projected p
       RETURNING 1
     )
     SELECT (SELECT count(*)::int FROM targets) AS candidates,
            (SELECT count(*)::int FROM projected) AS expired,
            (SELECT count(*)::int FROM audited) AS audited`,
    [
      request.cutoff,
      request.limit,
      request.now,
      request.reason,
      request.correlationId,
      request.maxAgeDays,
      request.scope?.match?.groupIds ?? null,
      request.scope?.match?.providerTypes ?? null,
      request.scope?.earlier.groupIds ?? [],
      request.scope?.earlier.providerTypes ?? [],
    ],
  );
  const row = rows[0];
  if (row.expired > 0) eventsAppended(tx);
  return { candidates: row.candidates, expired: row.expired };
}
