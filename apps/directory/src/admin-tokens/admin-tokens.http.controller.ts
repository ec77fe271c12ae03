import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Req,
  UseGuards,
} from '@nestjs/common';
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
import {
  ADMIN_TOKEN_VERIFIER,
  AdminAuthGuard,
  type AdminPrincipal,
  type AdminRole,
  type AdminTokenVerifier,
  CurrentAdmin,
  RequireRole,
} from '@lapse/shared/http/admin-auth';
import { ServiceAuthGuard } from '@lapse/shared/http/service-auth';
import { IsIn, IsString, Length, MaxLength } from 'class-validator';
import type { Request } from 'express';
import type { Pool } from 'pg';
import { writeAudit } from '../audit/audit-log';
import { adminCaller } from '../common/caller';
import { newAdminToken, tokenHash } from './admin-token.verifier';
import { ADMIN_TOKEN_STREAM, adminTokenDecider } from './domain/admin-token.decider';

const ROLES: readonly AdminRole[] = ['SUPER_ADMIN', 'USER_ADMIN', 'READ_ONLY_ADMIN'];

export class CreateApiTokenRequestDto {
  @IsString() @Length(1, 100) name: string;
  @IsIn(ROLES) role: AdminRole;
}

export class IntrospectRequestDto {
  @IsString() @MaxLength(512) token: string;
}

interface TokenRow {
  id: string;
  name: string;
  role: AdminRole;
  created_at: Date;
  created_by: string;
}

const present = (row: TokenRow) => ({
  id: row.id,
  name: row.name,
  role: row.role,
  created: row.created_at.toISOString(),
  createdBy: row.created_by,
});

/** Lapse admin API tokens: `POST /api/v1/api-tokens {name, role}` shows the token once; only its SHA-256 is kept. */
@Controller('api/v1/api-tokens')
@UseGuards(AdminAuthGuard)
@RequireRole('SUPER_ADMIN')
export class AdminTokensHttpController {
  constructor(
    private readonly eventStore: EventStoreProvider,
    private readonly commandBus: CommandBus,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_SOURCE) private readonly ids: IdSource,
  ) {}

  @Post()
  @HttpCode(201)
  async create(
    @Body() body: CreateApiTokenRequestDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ) {
    const caller = adminCaller(admin, request);
    const token = newAdminToken();
    const id = this.ids.next();
    const row = await this.eventStore.transaction(async (tx) => {
      const { rows } = await tx.query<TokenRow>(
        `INSERT INTO directory_admin_tokens (id, name, role, token_hash, created_by) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, name, role, created_at, created_by`,
        [id, body.name, body.role, tokenHash(token), caller.actor],
      );
      await writeAudit(tx, [
        {
          eventType: 'system.api_token.create',
          actor: caller.audit,
          target: { id, type: 'Token', alternateId: body.name },
          outcome: 'SUCCESS',
          reason: null,
          correlationId: caller.correlationId,
          displayMessage: `Create API token with role ${body.role}`,
          published: this.clock.now().toISOString(),
        },
      ]);
      return rows[0];
    });
    return { ...present(row), token };
  }

  @Get()
  async list() {
    const { rows } = await this.pool.query<TokenRow>(
      'SELECT id, name, role, created_at, created_by FROM directory_admin_tokens WHERE revoked_at IS NULL ORDER BY created_at, id',
    );
    return rows.map(present);
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ) {
    const caller = adminCaller(admin, request);
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

/** Other services check admin tokens here: `POST /internal/v1/admin-tokens/introspect {token}`. */
@Controller('internal/v1/admin-tokens')
@UseGuards(ServiceAuthGuard)
export class AdminTokenIntrospectionHttpController {
  constructor(@Inject(ADMIN_TOKEN_VERIFIER) private readonly verifier: AdminTokenVerifier) {}

  @Post('introspect')
  @HttpCode(200)
  async introspect(@Body() body: IntrospectRequestDto) {
    const principal = await this.verifier.verify(body.token);
    return principal ? { active: true, ...principal } : { active: false };
  }
}
