import { Body, Controller, Get, Inject, Put, Req, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CLOCK, type Clock, Decide, EventStoreProvider } from '@lapse/shared';
import {
  AdminAuthGuard,
  type AdminPrincipal,
  CurrentAdmin,
  RequireRole,
} from '@lapse/shared/http/admin-auth';
import { ServiceAuthGuard } from '@lapse/shared/http/service-auth';
import type { Request } from 'express';
import { writeAudit } from '../audit/audit-log';
import { adminCaller } from '../common/caller';
import type { PasswordPolicy } from './domain/password-policy';
import { PASSWORD_POLICY_STREAM, passwordPolicyAgeDecider } from './domain/password-policy-age.decider';
import type { PasswordPolicyChange } from './password-policy.store';
import { PasswordPolicyStore } from './password-policy.store';
import { UpdatePasswordPolicyRequestDto } from './password-policy.request.dto';

/** Lapse's own admin endpoint for the org password policy (Okta's `settings.password` shape). */
@Controller('api/v1/policies/password')
@UseGuards(AdminAuthGuard)
export class PasswordPolicyHttpController {
  constructor(
    private readonly policies: PasswordPolicyStore,
    private readonly eventStore: EventStoreProvider,
    private readonly commandBus: CommandBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  read(): Promise<PasswordPolicy> {
    return this.policies.current();
  }

  @Put()
  @RequireRole('SUPER_ADMIN')
  update(
    @Body() body: UpdatePasswordPolicyRequestDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ): Promise<PasswordPolicy> {
    const caller = adminCaller(admin, request);
    return this.eventStore.transaction(async (tx) => {
      const policy = await this.policies.update(body as PasswordPolicyChange, caller.actor, tx);
      // Its age settings as a published fact (the notifier's reminders), in the same transaction.
      await this.commandBus.execute(
        new Decide(
          passwordPolicyAgeDecider,
          PASSWORD_POLICY_STREAM,
          {
            type: 'RecordPolicyAge',
            maxAgeDays: policy.age.maxAgeDays,
            expireWarnDays: policy.age.expireWarnDays,
            at: this.clock.now().toISOString(),
          },
          { actor: caller.actor, correlationId: caller.correlationId },
          { tx },
        ),
      );
      await writeAudit(tx, [
        {
          eventType: 'policy.lifecycle.update',
          actor: caller.audit,
          target: { id: 'password', type: 'PasswordPolicy', alternateId: null },
          outcome: 'SUCCESS',
          reason: null,
          correlationId: caller.correlationId,
          displayMessage: 'Update password policy',
          published: this.clock.now().toISOString(),
        },
      ]);
      return policy;
    });
  }
}

/** `GET /internal/v1/policies/password` for identity (complexity for the change-password step, lockout). */
@Controller('internal/v1/policies/password')
@UseGuards(ServiceAuthGuard)
export class PasswordPolicyInternalHttpController {
  constructor(private readonly policies: PasswordPolicyStore) {}

  @Get()
  read(): Promise<PasswordPolicy> {
    return this.policies.current();
  }
}
