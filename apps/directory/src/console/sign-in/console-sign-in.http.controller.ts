import { Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import { DomainError, PG_POOL } from '@lapse/shared';
import { clientAddressOf } from '@lapse/shared/http/client-address';
import { pageNonce, sendPage } from '@lapse/shared/http/page';
import type { Request, Response } from 'express';
import type { Pool } from 'pg';
import { adminRoleTypesOf } from '../../admin-roles/admin-roles.projection';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../../directory.config';
import { ConsoleGate, formField } from '../console-gate';
import { ConsoleSetupService } from '../console-setup.service';
import { changePasswordPage, messagePage, setupPage, signInPage } from '../console.pages';
import { IdentityAuthnClient, IdentityUnavailableError } from '../identity-authn.client';
import { PendingPasswordChanges } from './pending-password-changes';

const NO_ACCESS = 'You do not have access to the admin console';

/** Messages of the sign-in form, by identity's answer. */
const SIGN_IN_REFUSED = {
  FAILED:
    'Sign-in failed. Check your username and password. A suspended or deactivated account cannot sign in.',
  LOCKED_OUT: 'Your account is locked. Another administrator can unlock it, or wait until the lockout ends.',
  TEMPORARY_PASSWORD_EXPIRED: 'Your temporary password has expired. Ask another administrator for a new one.',
  RATE_LIMITED: 'Too many sign-in attempts. Wait a moment and try again.',
} as const;

/**
 * Console sign-in through identity's own sign-in (`POST /api/v1/authn`, server-side), the forced change of
 * an expired password, sign-out, and the first-start setup of the first super administrator.
 */
@Controller('admin')
export class ConsoleSignInHttpController {
  private readonly identity: IdentityAuthnClient;
  private readonly changes: PendingPasswordChanges;

  constructor(
    private readonly gate: ConsoleGate,
    private readonly setup: ConsoleSetupService,
    @Inject(DIRECTORY_CONFIG) config: DirectoryConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {
    this.identity = new IdentityAuthnClient(config.identityUrl);
    this.changes = new PendingPasswordChanges(config.base.publicUrl.startsWith('https:'));
  }

  @Get()
  async home(@Req() request: Request, @Res() response: Response): Promise<void> {
    const admin = await this.gate.admin(request);
    if (admin) return response.redirect(303, '/admin/people');
    response.redirect(303, (await this.setup.isOpen()) ? '/admin/setup' : '/admin/signin');
  }

  @Get('signin')
  async signInForm(@Req() request: Request, @Res() response: Response): Promise<void> {
    if (await this.gate.admin(request)) return response.redirect(303, '/admin/people');
    const nonce = pageNonce();
    const expired = request.query.ended === 'idle';
    sendPage(
      response,
      nonce,
      signInPage({
        nonce,
        csrf: this.gate.formToken(this.gate.preSession(request, response)),
        notice: expired ? 'Your session has ended. Sign in again.' : undefined,
      }),
    );
  }

  @Post('signin')
  async signIn(@Req() request: Request, @Res() response: Response): Promise<void> {
    const nonce = pageNonce();
    const binding = this.gate.preSessionBinding(request);
    const username = formField(request, 'username', 256).trim();
    const password = formField(request, 'password', 256);
    const again = (errors: string[], status: number) =>
      sendPage(
        response,
        nonce,
        signInPage({
          nonce,
          csrf: this.gate.formToken(this.gate.preSession(request, response)),
          username,
          errors,
        }),
        status,
      );
    const problem = this.gate.formProblem(request, binding);
    if (problem || !binding) return again([problem ?? 'Load the page again and retry.'], 403);
    if (!username || !password) return again(['Enter your username and password.'], 400);
    let answer: Awaited<ReturnType<IdentityAuthnClient['signIn']>>;
    try {
      answer = await this.identity.signIn(username, password, clientAddressOf(request));
    } catch (error) {
      if (!(error instanceof IdentityUnavailableError)) throw error;
      return again(['Sign-in is unavailable right now. Try again in a moment.'], 503);
    }
    switch (answer.kind) {
      case 'SUCCESS':
      case 'PASSWORD_EXPIRED': {
        if ((await adminRoleTypesOf(this.pool, answer.userId)).length === 0)
          return sendPage(response, nonce, messagePage(nonce, 'No access', NO_ACCESS), 403);
        if (answer.kind === 'PASSWORD_EXPIRED') {
          this.changes.keep(response, answer.stateToken, answer.expiresAt, this.gate.now());
          return response.redirect(303, '/admin/change-password');
        }
        await this.gate.startSession(response, answer.userId);
        return response.redirect(303, '/admin/people');
      }
      default:
        return again([SIGN_IN_REFUSED[answer.kind]], answer.kind === 'RATE_LIMITED' ? 429 : 401);
    }
  }

  @Get('change-password')
  changePasswordForm(@Req() request: Request, @Res() response: Response): void {
    const stateToken = this.changes.stateTokenOf(request);
    if (!stateToken) {
      response.redirect(303, '/admin/signin');
      return;
    }
    const nonce = pageNonce();
    const csrf = this.gate.formToken(PendingPasswordChanges.binding(stateToken));
    sendPage(response, nonce, changePasswordPage({ nonce, csrf }));
  }

  @Post('change-password')
  async changePassword(@Req() request: Request, @Res() response: Response): Promise<void> {
    const nonce = pageNonce();
    const stateToken = this.changes.stateTokenOf(request);
    if (!stateToken) return response.redirect(303, '/admin/signin');
    const binding = PendingPasswordChanges.binding(stateToken);
    const again = (errors: string[], status: number) =>
      sendPage(
        response,
        nonce,
        changePasswordPage({ nonce, csrf: this.gate.formToken(binding), errors }),
        status,
      );
    const problem = this.gate.formProblem(request, binding);
    if (problem) return again([problem], 403);
    const oldPassword = formField(request, 'oldPassword', 256);
    const newPassword = formField(request, 'newPassword', 256);
    if (!oldPassword || !newPassword) return again(['Enter your current password and a new one.'], 400);
    if (newPassword !== formField(request, 'confirmPassword', 256))
      return again(['The new passwords do not match.'], 400);
    let answer: Awaited<ReturnType<IdentityAuthnClient['changePassword']>>;
    try {
      answer = await this.identity.changePassword(stateToken, oldPassword, newPassword);
    } catch (error) {
      if (!(error instanceof IdentityUnavailableError)) throw error;
      return again(['Changing the password is unavailable right now. Try again in a moment.'], 503);
    }
    if (answer.kind === 'REFUSED') return again([...answer.messages], 403);
    this.changes.drop(response);
    if (answer.kind === 'EXPIRED') return response.redirect(303, '/admin/signin?ended=idle');
    if ((await adminRoleTypesOf(this.pool, answer.userId)).length === 0)
      return sendPage(response, nonce, messagePage(nonce, 'No access', NO_ACCESS), 403);
    await this.gate.startSession(response, answer.userId);
    response.redirect(303, '/admin/people');
  }

  @Post('signout')
  async signOut(@Req() request: Request, @Res() response: Response): Promise<void> {
    const admin = await this.gate.admin(request);
    if (admin && !this.gate.formProblem(request, admin.sessionId))
      await this.gate.endSession(request, response);
    response.redirect(303, '/admin/signin');
  }

  @Get('setup')
  async setupForm(@Req() request: Request, @Res() response: Response): Promise<void> {
    const nonce = pageNonce();
    if (!(await this.setup.isOpen())) return this.setupClosed(response, nonce);
    sendPage(
      response,
      nonce,
      setupPage({ nonce, csrf: this.gate.formToken(this.gate.preSession(request, response)) }),
    );
  }

  @Post('setup')
  async createFirstAdministrator(@Req() request: Request, @Res() response: Response): Promise<void> {
    const nonce = pageNonce();
    const binding = this.gate.preSessionBinding(request);
    const values = {
      login: formField(request, 'login', 100),
      email: formField(request, 'email', 100),
      firstName: formField(request, 'firstName', 50),
      lastName: formField(request, 'lastName', 50),
    };
    const again = (errors: string[], status: number) =>
      sendPage(
        response,
        nonce,
        setupPage({
          nonce,
          csrf: this.gate.formToken(this.gate.preSession(request, response)),
          values,
          errors,
        }),
        status,
      );
    const problem = this.gate.formProblem(request, binding);
    if (problem) return again([problem], 403);
    try {
      const outcome = await this.setup.createFirstAdministrator(formField(request, 'code', 40), {
        ...values,
        password: formField(request, 'password', 256),
      });
      if (outcome.kind === 'CLOSED') return this.setupClosed(response, nonce);
      if (outcome.kind === 'TAKEN')
        return sendPage(
          response,
          nonce,
          messagePage(
            nonce,
            'Setup already done',
            'Another administrator finished the setup first: the first super administrator exists, and no one else was created. Sign in with an account a super administrator gives you.',
            { href: '/admin/signin', label: 'Sign in to the admin console' },
          ),
          409,
        );
    } catch (error) {
      if (error instanceof DomainError)
        return again(error.causes.length ? [...error.causes] : [error.message], 400);
      throw error;
    }
    sendPage(
      response,
      nonce,
      messagePage(
        nonce,
        'Super administrator created',
        'The first super administrator was created. The setup codes no longer work.',
        {
          href: '/admin/signin',
          label: 'Sign in to the admin console',
        },
      ),
    );
  }

  private setupClosed(response: Response, nonce: string): void {
    sendPage(
      response,
      nonce,
      messagePage(
        nonce,
        'Setup is closed',
        'The admin console is already set up, or the setup code is no longer valid (restart directory while no super administrator exists for a new one).',
        { href: '/admin/signin', label: 'Sign in to the admin console' },
      ),
      404,
    );
  }
}
