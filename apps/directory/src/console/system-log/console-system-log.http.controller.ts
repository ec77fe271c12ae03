import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { DomainError, PG_POOL } from '@lapse/shared';
import { html, type SafeHtml } from '@lapse/shared/http/page';
import type { Request, Response } from 'express';
import type { Pool } from 'pg';
import { type LogEvent, searchLog } from '../../audit/audit-log.http.controller';
import { ConsoleGate } from '../console-gate';
import { sendConsolePage, signInAgain } from '../console-response';
import { errorList, when } from '../console.pages';

const PAGE_SIZE = 50;

/** The event types Lapse records, for the filter's choices. */
export const EVENT_TYPES = [
  'user.lifecycle.create',
  'user.lifecycle.activate',
  'user.lifecycle.suspend',
  'user.lifecycle.unsuspend',
  'user.lifecycle.deactivate',
  'user.account.expire_password',
  'user.lifecycle.password_mass_expiry',
  'user.account.reset_password',
  'user.account.update_password',
  'user.account.update_profile',
  'user.account.lock',
  'user.account.unlock_by_admin',
  'user.account.unlock',
  'user.account.privilege.grant',
  'user.account.privilege.revoke',
  'user.session.start',
  'user.session.clear',
  'system.email.password_reset.sent_message',
  'system.temp_password.delivery',
  'system.api_token.create',
  'system.api_token.revoke',
  'policy.lifecycle.update',
] as const;

export interface LogQuery {
  readonly eventType: string;
  readonly actor: string;
  readonly target: string;
  readonly since: string;
  readonly until: string;
  readonly after: string;
}

const quoted = (value: string) => `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;

/** `2026-12-07T09:30` (a datetime-local field, read as UTC) as an ISO instant; '' when empty. */
function instantOf(local: string): string {
  if (!local) return '';
  const parsed = Date.parse(/Z$/.test(local) ? local : `${local}Z`);
  return Number.isNaN(parsed) ? local : new Date(parsed).toISOString();
}

export function logQueryOf(query: Record<string, unknown>): LogQuery {
  const text = (name: string, max: number) => {
    const value = query[name];
    return typeof value === 'string' ? value.trim().slice(0, max) : '';
  };
  const eventType = text('eventType', 64);
  const after = text('after', 20);
  return {
    eventType: (EVENT_TYPES as readonly string[]).includes(eventType) ? eventType : '',
    actor: text('actor', 200),
    target: text('target', 200),
    since: text('since', 30),
    until: text('until', 30),
    after: /^\d{1,19}$/.test(after) ? after : '',
  };
}

/** The page's fields as the API's `filter` (an actor or target is matched by id or by username). */
export function filterOf(query: LogQuery): string | undefined {
  const parts: string[] = [];
  if (query.eventType) parts.push(`eventType eq ${quoted(query.eventType)}`);
  if (query.actor)
    parts.push(`(actor.id eq ${quoted(query.actor)} or actor.alternateId eq ${quoted(query.actor)})`);
  if (query.target)
    parts.push(`(target.id eq ${quoted(query.target)} or target.alternateId eq ${quoted(query.target)})`);
  return parts.length > 0 ? parts.join(' and ') : undefined;
}

function logMain(
  query: LogQuery,
  events: readonly LogEvent[],
  nextAfter: string | null,
  errors: string[],
): SafeHtml {
  const keep = new URLSearchParams();
  for (const key of ['eventType', 'actor', 'target', 'since', 'until'] as const)
    if (query[key]) keep.set(key, query[key]);
  const next = nextAfter ? new URLSearchParams([...keep, ['after', nextAfter]]) : null;
  const rows = events.map(
    (
      event,
    ) => html`<tr><td>${when(event.published)}</td><td><code>${event.eventType}</code><br>${event.displayMessage}</td>
<td>${event.actor.alternateId ?? event.actor.id} <span class="muted">(${event.actor.type})</span></td>
<td>${event.target.map((target) => html`${target.alternateId ?? target.id} <span class="muted">(${target.type})</span>`)}</td>
<td>${event.outcome.result}${event.outcome.reason ? html`<br><span class="muted">${event.outcome.reason}</span>` : ''}</td></tr>`,
  );
  return html`<h1>System Log</h1>
${errorList(errors)}
<form method="get" action="/admin/logs" class="filters" role="search" aria-label="System Log">
<div><label for="eventType">Event type</label><select id="eventType" name="eventType"><option value="">Any event</option>${EVENT_TYPES.map(
    (type) =>
      html`<option value="${type}"${query.eventType === type ? html` selected` : ''}>${type}</option>`,
  )}</select></div>
<div><label for="actor">Actor (id or username)</label><input id="actor" name="actor" type="text" value="${query.actor}"></div>
<div><label for="target">Target (id or username)</label><input id="target" name="target" type="text" value="${query.target}"></div>
<div><label for="since">From (UTC)</label><input id="since" name="since" type="datetime-local" value="${query.since}"></div>
<div><label for="until">Until (UTC)</label><input id="until" name="until" type="datetime-local" value="${query.until}"></div>
<div><button type="submit">Filter</button></div>
</form>
<table><caption class="muted">${events.length === 0 ? 'No event matches (the default range is the last 7 days).' : 'Newest first.'}</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Actor</th><th scope="col">Target</th><th scope="col">Outcome</th></tr></thead>
<tbody>${rows}</tbody></table>
<nav class="pager" aria-label="Pages">${query.after ? html`<a href="/admin/logs?${keep.toString()}">Newest</a>` : ''}${next ? html`<a href="/admin/logs?${next.toString()}">Older events</a>` : ''}</nav>`;
}

/** The System Log (the API's search, newest first), filtered by event type, actor, target and time. */
@Controller('admin/logs')
export class ConsoleSystemLogHttpController {
  constructor(
    private readonly gate: ConsoleGate,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  @Get()
  async show(@Req() request: Request, @Res() response: Response): Promise<void> {
    const admin = await this.gate.admin(request);
    if (!admin) return signInAgain(request, response);
    const query = logQueryOf(request.query as Record<string, unknown>);
    let found: Awaited<ReturnType<typeof searchLog>> = { events: [], nextAfter: null };
    const errors: string[] = [];
    try {
      found = await searchLog(this.pool, {
        filter: filterOf(query),
        since: instantOf(query.since) || undefined,
        until: instantOf(query.until) || undefined,
        after: query.after || undefined,
        limit: PAGE_SIZE,
        sortOrder: 'DESCENDING',
      });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      errors.push('The time range is not valid: give a date and a time.');
    }
    sendConsolePage(
      response,
      this.gate,
      admin,
      { title: 'System Log', section: 'logs', main: logMain(query, found.events, found.nextAfter, errors) },
      errors.length > 0 ? 400 : 200,
    );
  }
}
