import { ApiSecurity } from '@nestjs/swagger';
import { ADMIN_API_SECURITY } from '@lapse/shared/http/openapi';
import { Body, Controller, HttpCode, Inject, Post, Query, Req, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  CLOCK,
  type Clock,
  DecideMany,
  EventStoreProvider,
  ID_SOURCE,
  type IdSource,
  isUniqueViolation,
  type StreamCommand,
  ValidationFailedError,
} from '@lapse/shared';
import {
  AdminAuthGuard,
  type AdminPrincipal,
  CurrentAdmin,
  RequireRole,
} from '@lapse/shared/http/admin-auth';
import type { Request } from 'express';
import { writeAudit } from '../../audit/audit-log';
import { adminCaller } from '../../common/caller';
import { flag } from '../../common/query';
import { unknownGroupIds } from '../../group/group.presenter';
import type { CreateUser } from '../domain/user.commands';
import { userDecider, userStreamId } from '../domain/user.decider';
import { LOGIN_CONSTRAINT, LOGIN_TAKEN } from '../read-models/directory-users.projection';
import { ImportUsersQueryDto, ImportUsersRequestDto } from './import-users.request.dto';
import { normalizeLogin } from '@lapse/shared/identity/login';
import { validatedInstant } from '@lapse/shared/http/iso-instant';

/**
 * `POST /api/v1/users/import?activate=true {users: [...]}` (Lapse): creates many users with imported
 * argon2id hashes (Okta's `credentials.password.hash`, plus `lastChanged`) in one transaction — the
 * migration and benchmark-seeding path. Each user still goes through the decider: the users are one
 * many-stream command on the CommandBus (one append, the read model in one statement), in the same
 * transaction as the System Log record; all or none are created.
 */
@Controller('api/v1/users')
@UseGuards(AdminAuthGuard)
@ApiSecurity(ADMIN_API_SECURITY)
export class ImportUsersHttpController {
  constructor(
    private readonly eventStore: EventStoreProvider,
    private readonly commandBus: CommandBus,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_SOURCE) private readonly ids: IdSource,
  ) {}

  @Post('import')
  @HttpCode(200)
  @RequireRole('SUPER_ADMIN', 'USER_ADMIN')
  async import(
    @Body() body: ImportUsersRequestDto,
    @Query() query: ImportUsersQueryDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ): Promise<{ imported: number; ids: string[] }> {
    const caller = adminCaller(admin, request);
    const at = this.clock.now().toISOString();
    const commands: StreamCommand<CreateUser>[] = [];
    const context = { actor: caller.actor, correlationId: caller.correlationId, occurredAt: at };
    const seen = new Set<string>();
    for (const [index, item] of body.users.entries()) {
      const login = normalizeLogin(item.profile.login);
      if (seen.has(login)) throw new ValidationFailedError([`users.${index}.profile.login: ${LOGIN_TAKEN}`]);
      seen.add(login);
      const password = item.credentials?.password;
      if (password?.lastChanged && validatedInstant(password.lastChanged).getTime() > Date.parse(at)) {
        throw new ValidationFailedError([
          `users.${index}.credentials.password.lastChanged: must not be in the future`,
        ]);
      }
      const type = item.credentials?.provider?.type ?? 'OKTA';
      const command: CreateUser = {
        type: 'CreateUser',
        userId: this.ids.next(),
        profile: {
          login: item.profile.login,
          email: item.profile.email ?? null,
          firstName: item.profile.firstName ?? null,
          lastName: item.profile.lastName ?? null,
          mobilePhone: item.profile.mobilePhone ?? null,
        },
        provider: { type, name: item.credentials?.provider?.name ?? type },
        password: password
          ? {
              hash: password.hash.value,
              changedAt: password.lastChanged ? validatedInstant(password.lastChanged).toISOString() : at,
              by: 'IMPORT',
            }
          : null,
        activate: flag(query.activate, true),
        expirePassword: false,
        ...(item.groupIds?.length ? { groupIds: item.groupIds.map((id) => id.toLowerCase()) } : {}),
        at,
      };
      commands.push({ streamId: userStreamId(command.userId), command, context });
    }
    const groupIds = [...new Set(commands.flatMap(({ command }) => command.groupIds ?? []))];
    const unknown = groupIds.length > 0 ? await unknownGroupIds(this.eventStore.pool, groupIds) : [];
    if (unknown.length > 0)
      throw new ValidationFailedError(unknown.map((id) => `users.groupIds: no group has the id ${id}`));
    try {
      await this.eventStore.transaction(async (tx) => {
        await this.commandBus.execute(new DecideMany(userDecider, commands, { tx, newStream: true }));
        await writeAudit(tx, [
          {
            eventType: 'user.lifecycle.create',
            actor: caller.audit,
            target: null,
            outcome: 'SUCCESS',
            reason: null,
            correlationId: caller.correlationId,
            displayMessage: `Import ${commands.length} users`,
            debugData: { imported: commands.length },
            published: at,
          },
        ]);
      });
    } catch (error) {
      if (isUniqueViolation(error, LOGIN_CONSTRAINT)) {
        throw new ValidationFailedError([`users.profile.login: ${LOGIN_TAKEN}`]);
      }
      throw error;
    }
    return { imported: commands.length, ids: commands.map(({ command }) => command.userId) };
  }
}
