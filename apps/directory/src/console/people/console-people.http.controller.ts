import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { DomainError, PG_POOL } from '@lapse/shared';
import { OKTA_ERRORS } from '@lapse/shared/http/okta-error';
import { html, type SafeHtml } from '@lapse/shared/http/page';
import type { Request, Response } from 'express';
import type { Pool } from 'pg';
import { adminRoleTypesOf } from '../../admin-roles/admin-roles.projection';
import { AdminRolesService } from '../../admin-roles/admin-roles.service';
import type { AdminRoleType } from '../../user/domain/user.state';
import type { ExistingUser } from '../../user/domain/user.state';
import {
  type DeliveryChoice,
  IssueTemporaryPasswordHandler,
} from '../../user/expire-password-with-temp-password/issue-temporary-password.handler';
import { ExpirePasswordHandler } from '../../user/expire-password/expire-password.handler';
import { GroupsService } from '../../group/groups.service';
import { LifecycleHandler, type LifecycleOperation } from '../../user/lifecycle/lifecycle.handler';
import { PasswordAgeExemptionHandler } from '../../user/password-age-exemption/password-age-exemption.handler';
import { isUserId } from '../../user/read-models/directory-users.projection';
import { ResetPasswordHandler } from '../../user/reset-password/reset-password.handler';
import { requireUser } from '../../user/user-lookup';
import { deliveryOf, lastLoginsOf } from '../../user/user.presenter';
import { sendConsolePage, signInAgain } from '../console-response';
import {
  canManageOrg,
  canManageUsers,
  ConsoleGate,
  consoleCaller,
  formField,
  superAdminOnlyReason,
} from '../console-gate';
import type { ConsoleAdmin } from '../console-session.store';
import {
  COPY_SCRIPT,
  displayName,
  peopleMain,
  temporaryPasswordMain,
  type UserPageFacts,
  userMain,
} from './people.pages';
import { findPeople, peopleQueryOf } from './people.query';

const LIFECYCLE: readonly LifecycleOperation[] = [
  'unlock',
  'suspend',
  'unsuspend',
  'deactivate',
  'activate',
  'clear-sessions',
];
const ROLE_TYPES: readonly AdminRoleType[] = ['SUPER_ADMIN', 'USER_ADMIN', 'READ_ONLY_ADMIN'];
const CHANNELS: readonly DeliveryChoice[] = ['email', 'voice', 'none'];

/** What a refused command says on the page: Okta's summary and its causes. */
export function refusalMessages(error: DomainError): string[] {
  return [error.message, ...error.causes];
}

/**
 * People, a user's page and the actions on it. Every action calls the same handler as its API route, so it
 * is validated and audited alike, with the signed-in administrator as the System Log's actor.
 */
@Controller('admin/people')
export class ConsolePeopleHttpController {
  constructor(
    private readonly gate: ConsoleGate,
    private readonly temporaryPasswords: IssueTemporaryPasswordHandler,
    private readonly expirer: ExpirePasswordHandler,
    private readonly lifecycle: LifecycleHandler,
    private readonly resets: ResetPasswordHandler,
    private readonly roles: AdminRolesService,
    private readonly exemptions: PasswordAgeExemptionHandler,
    private readonly groups: GroupsService,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  @Get()
  async people(@Req() request: Request, @Res() response: Response): Promise<void> {
    const admin = await this.gate.admin(request);
    if (!admin) return signInAgain(request, response);
    const query = peopleQueryOf(request.query as Record<string, unknown>);
    const page = await findPeople(this.pool, query);
    this.send(response, admin, 'People', peopleMain(admin, query, page));
  }

  @Get(':id')
  async user(@Param('id') id: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    const admin = await this.gate.admin(request);
    if (!admin) return signInAgain(request, response);
    const facts = await this.facts(id);
    if (!facts) return this.notFound(response, admin);
    const done = typeof request.query.done === 'string' ? request.query.done : undefined;
    this.send(response, admin, displayName(facts.user), userMain(admin, facts, { done }, this.csrf(admin)));
  }

  @Post(':id/reset-password/temporary')
  async temporaryPassword(@Param('id') id: string, @Req() request: Request, @Res() response: Response) {
    await this.act(id, request, response, async (admin, user) => {
      const choice = formField(request, 'deliver', 10);
      const deliver = CHANNELS.includes(choice as DeliveryChoice) ? (choice as DeliveryChoice) : 'email';
      const { tempPassword } = await this.temporaryPasswords.issue(
        user.userId,
        { revokeSessions: false, deliver },
        consoleCaller(admin, request),
      );
      const after = await this.facts(user.userId);
      this.send(
        response,
        admin,
        `Temporary password for ${displayName(user)}`,
        temporaryPasswordMain(after?.user ?? user, tempPassword, after?.delivery ?? null, deliver),
        COPY_SCRIPT,
      );
    });
  }

  @Post(':id/reset-password/link')
  async resetLink(@Param('id') id: string, @Req() request: Request, @Res() response: Response) {
    await this.act(id, request, response, async (admin, user) => {
      await this.resets.reset(
        user.userId,
        { sendEmail: true, revokeSessions: false },
        consoleCaller(admin, request),
      );
      response.redirect(303, `/admin/people/${user.userId}?done=reset-link`);
    });
  }

  @Post(':id/expire-password')
  async expirePassword(@Param('id') id: string, @Req() request: Request, @Res() response: Response) {
    await this.act(id, request, response, async (admin, user) => {
      await this.expirer.expire(user.userId, consoleCaller(admin, request));
      response.redirect(303, `/admin/people/${user.userId}?done=expired`);
    });
  }

  // Before `:id/:operation`, which would read `roles` as an operation.
  @Post(':id/roles')
  async assignRole(@Param('id') id: string, @Req() request: Request, @Res() response: Response) {
    await this.act(id, request, response, async (admin, user) => {
      if (!canManageOrg(admin))
        throw new DomainError('E0000006', 'Only a super administrator can change admin roles.');
      const type = formField(request, 'type', 20) as AdminRoleType;
      if (!ROLE_TYPES.includes(type)) throw new DomainError('E0000001', 'Choose a role to assign.');
      await this.roles.assign(user.userId, type, consoleCaller(admin, request));
      response.redirect(303, `/admin/people/${user.userId}?done=role-assigned`);
    });
  }

  @Post(':id/roles/:roleId/remove')
  async removeRole(
    @Param('id') id: string,
    @Param('roleId') roleId: string,
    @Req() request: Request,
    @Res() response: Response,
  ) {
    await this.act(id, request, response, async (admin, user) => {
      if (!canManageOrg(admin))
        throw new DomainError('E0000006', 'Only a super administrator can change admin roles.');
      await this.roles.remove(user.userId, roleId.slice(0, 64), consoleCaller(admin, request));
      response.redirect(303, `/admin/people/${user.userId}?done=role-removed`);
    });
  }

  // Before `:id/:operation` too.
  @Post(':id/password-age-exemption')
  async ageExemption(@Param('id') id: string, @Req() request: Request, @Res() response: Response) {
    await this.act(id, request, response, async (admin, user) => {
      const reason = superAdminOnlyReason(admin, 'change the exemption');
      if (reason) throw new DomainError('E0000006', reason);
      const exempt = formField(request, 'exempt', 5);
      if (exempt !== 'true' && exempt !== 'false')
        throw new DomainError('E0000001', 'Load the page again and retry.');
      const why = formField(request, 'reason', 255).trim() || null;
      await this.exemptions.set(user.userId, exempt === 'true', why, consoleCaller(admin, request));
      response.redirect(
        303,
        `/admin/people/${user.userId}?done=${exempt === 'true' ? 'exempted' : 'exemption-ended'}`,
      );
    });
  }

  @Post(':id/:operation')
  async changeStatus(
    @Param('id') id: string,
    @Param('operation') operation: string,
    @Req() request: Request,
    @Res() response: Response,
  ) {
    if (!LIFECYCLE.includes(operation as LifecycleOperation)) {
      const admin = await this.gate.admin(request);
      return admin ? this.notFound(response, admin) : signInAgain(request, response);
    }
    await this.act(id, request, response, async (admin, user) => {
      if (operation === 'deactivate' && user.userId === admin.userId)
        throw new DomainError('E0000001', 'You cannot deactivate yourself.');
      await this.lifecycle.apply(user.userId, operation as LifecycleOperation, consoleCaller(admin, request));
      response.redirect(303, `/admin/people/${user.userId}?done=${operation}`);
    });
  }

  /**
   * The frame of every action: a session, a good form (CSRF, Origin), the role (refused server-side too),
   * then the action; a refused command shows the user's page again with Okta's message.
   */
  private async act(
    id: string,
    request: Request,
    response: Response,
    action: (admin: ConsoleAdmin, user: ExistingUser) => Promise<void>,
  ): Promise<void> {
    const admin = await this.gate.admin(request);
    if (!admin) return signInAgain(request, response);
    const facts = await this.facts(id);
    if (!facts) return this.notFound(response, admin);
    const refuse = (errors: string[], status: number) =>
      this.send(
        response,
        admin,
        displayName(facts.user),
        userMain(admin, facts, { errors }, this.csrf(admin)),
        undefined,
        status,
      );
    const problem = this.gate.formProblem(request, admin.sessionId);
    if (problem) return refuse([problem], 403);
    if (!canManageUsers(admin)) return refuse(['Your role can view users but not change them.'], 403);
    try {
      await action(admin, facts.user);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const again = (await this.facts(id)) ?? facts;
      this.send(
        response,
        admin,
        displayName(again.user),
        userMain(admin, again, { errors: refusalMessages(error) }, this.csrf(admin)),
        undefined,
        OKTA_ERRORS[error.code]?.status ?? 400,
      );
    }
  }

  private async facts(id: string): Promise<UserPageFacts | null> {
    if (!isUserId(id)) return null;
    try {
      const { user } = await requireUser(this.pool, id);
      const [delivery, lastLogins, roles, groups] = await Promise.all([
        deliveryOf(this.pool, user),
        lastLoginsOf(this.pool, [user.userId]),
        adminRoleTypesOf(this.pool, user.userId),
        this.groups.groupsOf(user.userId),
      ]);
      return {
        user,
        delivery,
        lastLogin: lastLogins.get(user.userId) ?? null,
        roles,
        groups: groups.map((group) => ({ id: group.id, name: group.profile.name })),
      };
    } catch (error) {
      if (error instanceof DomainError && error.code === 'E0000007') return null;
      throw error;
    }
  }

  private csrf(admin: ConsoleAdmin): string {
    return this.gate.formToken(admin.sessionId);
  }

  private send(
    response: Response,
    admin: ConsoleAdmin,
    title: string,
    main: SafeHtml,
    script?: SafeHtml,
    status = 200,
  ): void {
    sendConsolePage(response, this.gate, admin, { title, section: 'people', main, script }, status);
  }

  private notFound(response: Response, admin: ConsoleAdmin): void {
    this.send(response, admin, 'Not found', trustedNotFound(), undefined, 404);
  }
}

function trustedNotFound(): SafeHtml {
  return html`<h1>Not found</h1><p>There is no such user. <a href="/admin/people">Back to People</a></p>`;
}
