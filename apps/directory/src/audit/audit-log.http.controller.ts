import { ApiSecurity } from '@nestjs/swagger';
import { ADMIN_API_SECURITY } from '@lapse/shared/http/openapi';
import { Controller, Get, Inject, Query, Res, UseGuards } from '@nestjs/common';
import { PG_POOL, type Queryable } from '@lapse/shared';
import { AdminAuthGuard } from '@lapse/shared/http/admin-auth';
import { Type } from 'class-transformer';
import { IsIsoInstant, IsPositionCursor, validatedInstant } from '@lapse/shared/http/iso-instant';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { Response } from 'express';
import type { Pool } from 'pg';
import { compileFilter, type FilterField } from '../common/filter-expression';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../directory.config';

export class ListLogsQueryDto {
  @IsOptional() @IsString() @MaxLength(1000) filter?: string;
  /** Free-text match on event type and display message. */
  @IsOptional() @IsString() @MaxLength(100) q?: string;
  @IsOptional() @IsIsoInstant() since?: string;
  @IsOptional() @IsIsoInstant() until?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
  @IsOptional() @IsIn(['ASCENDING', 'DESCENDING']) sortOrder?: 'ASCENDING' | 'DESCENDING';
  /** The `seq` of the last entry of the previous page. */
  @IsOptional() @IsPositionCursor() after?: string;
}

const LOG_FIELDS: Record<string, FilterField> = {
  eventType: { column: 'event_type', kind: 'text' },
  'target.id': { column: 'target_id', kind: 'text' },
  'target.alternateId': { column: 'target_name', kind: 'ci-text' },
  'actor.alternateId': { column: 'actor_name', kind: 'ci-text' },
  'actor.id': { column: 'actor_id', kind: 'text' },
  'actor.type': { column: 'actor_type', kind: 'text' },
  'outcome.result': { column: 'outcome', kind: 'text' },
  'outcome.reason': { column: 'reason', kind: 'text' },
  'client.ipAddress': { column: 'client_ip', kind: 'text' },
  'transaction.id': { column: 'correlation_id', kind: 'text' },
  published: { column: 'published', kind: 'timestamp' },
};

interface LogRow {
  id: string;
  seq: string;
  published: Date;
  event_type: string;
  actor_id: string;
  actor_type: string;
  actor_name: string | null;
  target_id: string | null;
  target_type: string | null;
  target_name: string | null;
  outcome: string;
  reason: string | null;
  correlation_id: string;
  display_message: string;
  debug_data: Record<string, unknown>;
  client_ip: string | null;
}

function present(row: LogRow) {
  return {
    uuid: row.id,
    published: row.published.toISOString(),
    eventType: row.event_type,
    version: '0',
    severity: row.outcome === 'SUCCESS' ? 'INFO' : 'WARN',
    displayMessage: row.display_message,
    actor: {
      id: row.actor_id,
      type: row.actor_type,
      alternateId: row.actor_name,
      displayName: row.actor_name,
    },
    target: row.target_id
      ? [
          {
            id: row.target_id,
            type: row.target_type,
            alternateId: row.target_name,
            displayName: row.target_name,
          },
        ]
      : [],
    outcome: { result: row.outcome, reason: row.reason },
    client: { ipAddress: row.client_ip },
    transaction: { type: 'WEB', id: row.correlation_id, detail: {} },
    debugContext: { debugData: row.debug_data },
    legacyEventType: null,
  };
}

/** The validated instant as PostgreSQL reads it whatever its time zone (see `parseIsoInstant`). */
function instant(text: string | undefined): string | undefined {
  return text === undefined ? undefined : validatedInstant(text).toISOString();
}

export type LogEvent = ReturnType<typeof present>;

/**
 * The System Log search behind `GET /api/v1/logs` (and the console's System Log page): `since` defaults to 7
 * days ago; `filter` is Okta's expression over LOG_FIELDS (400 E0000001 when it is not one).
 */
export async function searchLog(
  db: Queryable,
  query: Pick<ListLogsQueryDto, 'since' | 'until' | 'filter' | 'q' | 'after' | 'limit' | 'sortOrder'>,
): Promise<{ events: LogEvent[]; nextAfter: string | null }> {
  const limit = query.limit ?? 100;
  const descending = query.sortOrder === 'DESCENDING';
  const params: unknown[] = [instant(query.since) ?? new Date(Date.now() - 7 * 24 * 3600_000).toISOString()];
  const where = ['published >= $1::timestamptz'];
  if (query.until) {
    params.push(instant(query.until));
    where.push(`published < $${params.length}::timestamptz`);
  }
  if (query.filter) {
    const compiled = compileFilter(query.filter, LOG_FIELDS, params.length + 1);
    params.push(...compiled.params);
    where.push(compiled.sql);
  }
  if (query.q) {
    params.push(`%${query.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`(lower(event_type) LIKE $${params.length} OR lower(display_message) LIKE $${params.length})`);
  }
  if (query.after) {
    params.push(query.after);
    where.push(`seq ${descending ? '<' : '>'} $${params.length}::bigint`);
  }
  params.push(limit + 1);
  const { rows } = await db.query<LogRow>(
    `SELECT * FROM directory_audit_log WHERE ${where.join(' AND ')}
      ORDER BY seq ${descending ? 'DESC' : 'ASC'} LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, limit);
  return { events: page.map(present), nextAfter: rows.length > limit ? page[page.length - 1].seq : null };
}

/** `GET /api/v1/logs?filter=&since=&until=&limit=&after=`: Okta System Log shape. `since` defaults to 7 days ago. */
@Controller('api/v1/logs')
@UseGuards(AdminAuthGuard)
@ApiSecurity(ADMIN_API_SECURITY)
export class AuditLogHttpController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
  ) {}

  @Get()
  async list(@Query() query: ListLogsQueryDto, @Res({ passthrough: true }) response: Response) {
    const limit = query.limit ?? 100;
    const { events, nextAfter } = await searchLog(this.pool, query);
    if (nextAfter) {
      const next = new URLSearchParams();
      for (const key of ['filter', 'q', 'since', 'until', 'sortOrder'] as const)
        if (query[key]) next.set(key, query[key] as string);
      next.set('limit', String(limit));
      next.set('after', nextAfter);
      response.setHeader('Link', `<${this.config.base.publicUrl}/api/v1/logs?${next}>; rel="next"`);
    }
    return events;
  }
}
