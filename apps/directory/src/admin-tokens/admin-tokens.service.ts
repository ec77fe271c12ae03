import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  CLOCK,
  type Clock,
  Decide,
  EventStoreProvider,
  ID_SOURCE,
  type IdSource,
  NotFoundError,
  PG_POOL,
} from '@lapse/shared';
import type { AdminRole } from '@lapse/shared/http/admin-auth';
import type { Pool } from 'pg';
import { writeAudit } from '../audit/audit-log';
import type { Caller } from '../common/caller';
import { newAdminToken, tokenHash } from './admin-token.verifier';
import { ADMIN_TOKEN_STREAM, adminTokenDecider } from './domain/admin-token.decider';

interface TokenRow {
  id: string;
  name: string;
  role: AdminRole;
  created_at: Date;
  created_by: string;
}

export interface ApiToken {
  readonly id: string;
  readonly name: string;
  readonly role: AdminRole;
  readonly created: string;
  readonly createdBy: string;
}

const present = (row: TokenRow): ApiToken => ({
  id: row.id,
  name: row.name,
  role: row.role,
  created: row.created_at.toISOString(),
  createdBy: row.created_by,
});

/** Lapse admin API tokens (only their SHA-256 is kept); the API routes and the admin console call this. */
@Injectable()
export class AdminTokensService {
  constructor(
    private readonly eventStore: EventStoreProvider,
    private readonly commandBus: CommandBus,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_SOURCE) private readonly ids: IdSource,
  ) {}

  /** A new token, shown once to the caller. */
  async create(name: string, role: AdminRole, caller: Caller): Promise<ApiToken & { token: string }> {
    const token = newAdminToken();
    const id = this.ids.next();
    const row = await this.eventStore.transaction(async (tx) => {
      const { rows } = await tx.query<TokenRow>(
        `INSERT INTO directory_admin_tokens (id, name, role, token_hash, created_by) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, name, role, created_at, created_by`,
        [id, name, role, tokenHash(token), caller.actor],
      );
      await writeAudit(tx, [
        {
          eventType: 'system.api_token.create',
          actor: caller.audit,
          target: { id, type: 'Token', alternateId: name },
          outcome: 'SUCCESS',
          reason: null,
          correlationId: caller.correlationId,
          displayMessage: `Create API token with role ${role}`,
          published: this.clock.now().toISOString(),
        },
      ]);
      return rows[0];
    });
    return { ...present(row), token };
  }

  async list(): Promise<ApiToken[]> {
    const { rows } = await this.pool.query<TokenRow>(
      'SELECT id, name, role, created_at, created_by FROM directory_admin_tokens WHERE revoked_at IS NULL ORDER BY created_at, id',
    );
    return rows.map(present);
  }

  /** Revokes a live token (404 E0000007 for an unknown or already revoked one). */
  async revoke(id: string, caller: Caller): Promise<void> {
    const revokedAt = this.clock.now().toISOString();
    // The AdminTokenRevoked event is appended in the same transaction as the revocation, so services that
    // cache introspection answers (identity) hear of it through the relay, never "append then send".
    await this.commandBus.execute(
      new Decide(
        adminTokenDecider,
        `${ADMIN_TOKEN_STREAM}${id}`,
        { type: 'RevokeAdminToken', tokenId: id, revokedAt },
        { actor: caller.actor, correlationId: caller.correlationId },
        {
          inTransaction: async (tx) => {
            const { rowCount } = await tx.query(
              'UPDATE directory_admin_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL',
              [id, revokedAt],
            );
            if (!rowCount) throw new NotFoundError('Token');
            await writeAudit(tx, [
              {
                eventType: 'system.api_token.revoke',
                actor: caller.audit,
                target: { id, type: 'Token', alternateId: null },
                outcome: 'SUCCESS',
                reason: null,
                correlationId: caller.correlationId,
                displayMessage: 'Revoke API token',
                published: revokedAt,
              },
            ]);
          },
        },
      ),
    );
  }
}
