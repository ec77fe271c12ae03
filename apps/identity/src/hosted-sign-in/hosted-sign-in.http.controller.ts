import { Body, Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { CLOCK, type Clock, DomainError, PG_POOL } from '@lapse/shared';
import { clientAddressOf } from '@lapse/shared/http/client-address';
import { OktaHttpError } from '@lapse/shared/http/okta-exception.filter';
import { pageNonce, type SafeHtml, sendPage } from '@lapse/shared/http/page';
import type { Request, Response } from 'express';
import type { Pool } from 'pg';
import { ChangeOwnPasswordService } from '../change-own-password/change-own-password.service';
import { gateFactsByUserId } from '../credential-projection/credential.store';
import type { IdentityConfig } from '../identity.config';
import { IDENTITY_CONFIG } from '../identity.tokens';
import type { SessionRecord } from '../sessions/session.repository';
import {
  clearSessionCookie,
  cookieOf,
  SESSION_COOKIE,
  secureCookies,
  setSessionCookie,
} from '../sessions/session-cookie';
import { RecoveryService } from '../recovery/recovery.service';
import { SessionsService } from '../sessions/sessions.service';
import type { AuthnTransaction } from '../sign-in/authn.responses';
import { AuthnService } from '../sign-in/authn.service';
import { PasswordPolicyCache } from '../sign-in/password-policy.cache';
import { AuthnRateLimiter } from '../sign-in/per-username-rate-limit';
import { findTransaction } from '../sign-in/sign-in-transaction.repository';
import { looksLikeSecretToken } from '../tokens/secret-token';
import { PageForms } from './page-forms';
import { allowedRedirect } from './redirect-target';
import {
  changePasswordPage,
  explainCauses,
  forgotPasswordPage,
  messagePage,
  type PageProblem,
  passwordWarnPage,
  policyRules,
  signedInPage,
  signInPage,
} from './sign-in.pages';

/** The sign-in transaction's state token: an HttpOnly cookie on `/signin`, never in a URL or the page. */
const STATE_COOKIE = 'lapse_signin_state';

type FormBody = Record<string, unknown>;

/** A text field of a posted form, or '' (the pages validate presence themselves, with a message per field). */
function field(body: FormBody | undefined, name: string, maxLength = 1024): string {
  const value = body?.[name];
  return typeof value === 'string' && value.length <= maxLength ? value : '';
}

function errorCodeOf(error: unknown): string | null {
  if (error instanceof DomainError || error instanceof OktaHttpError) return error.code;
  return null;
}

const SIGN_IN_FAILED =
  'We could not sign you in. Check your username and password and try again. If they are right and it still fails, your account may be suspended: contact your administrator.';
const TOO_MANY = 'Too many sign-in attempts. Wait a minute, then try again.';
const UNAVAILABLE = 'Sign-in is not available right now. Try again in a moment.';
const START_AGAIN = 'Your sign-in took too long or was interrupted. Sign in again.';
const FORM_EXPIRED = 'The form was out of date. Please try again.';

/**
 * The hosted sign-in (`/signin`): username and password run the same authn state machine as
 * `POST /api/v1/authn` (the service, not HTTP); an expired or temporary password leads to a change form
 * that lists the policy's rules and explains each one a refused password breaks; inside the warning window
 * the user may change now or later; success sets the `sid` session cookie and redirects to `fromURI` when
 * its origin is allowed (`SIGN_IN_REDIRECT_ORIGINS`), else to `/signin/done`. Forms carry a CSRF token and
 * are checked for Origin; pages carry a strict CSP and are never cached.
 */
@Controller('signin')
export class HostedSignInHttpController {
  constructor(
    private readonly authn: AuthnService,
    private readonly sessions: SessionsService,
    private readonly rateLimit: AuthnRateLimiter,
    private readonly forms: PageForms,
    private readonly policies: PasswordPolicyCache,
    private readonly ownPassword: ChangeOwnPasswordService,
    private readonly recovery: RecoveryService,
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  /** The form; a browser already signed in goes on at once, as after a sign-in. */
  @Get()
  async show(
    @Query('fromURI') fromURI: unknown,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const from = typeof fromURI === 'string' ? fromURI : null;
    if (await this.currentSession(request)) {
      const target = allowedRedirect(from, this.config.base.publicUrl, this.config.signInRedirectOrigins);
      return response.redirect(303, target ?? '/signin/done');
    }
    this.showSignIn(request, response, { fromURI: from });
  }

  @Post()
  async signIn(@Body() body: FormBody, @Req() request: Request, @Res() response: Response): Promise<void> {
    const fromURI = field(body, 'fromURI', 2048) || null;
    const username = field(body, 'username');
    const password = field(body, 'password');
    const binding = this.forms.preSessionBinding(request, response);
    if (!this.forms.accepts(request, binding, body?.csrfToken))
      return this.showSignIn(
        request,
        response,
        { fromURI, username, problems: [{ message: FORM_EXPIRED }] },
        403,
      );
    const missing: PageProblem[] = [];
    if (!username) missing.push({ message: 'Enter your username.', field: 'username' });
    if (!password) missing.push({ message: 'Enter your password.', field: 'password' });
    if (missing.length > 0)
      return this.showSignIn(request, response, { fromURI, username, problems: missing }, 400);
    const clientIp = clientAddressOf(request);
    let transaction: AuthnTransaction;
    try {
      this.rateLimit.admit(
        username,
        clientIp,
        this.clock.now().getTime(),
        request.headers['x-request-start'],
      );
      transaction = await this.authn.authenticate(username, password, true, clientIp);
    } catch (error) {
      return this.signInRefused(error, request, response, fromURI, username);
    }
    switch (transaction.status) {
      case 'SUCCESS':
        return this.openSession(transaction.sessionToken as string, fromURI, response);
      case 'PASSWORD_EXPIRED':
        this.keepState(response, transaction.stateToken as string);
        return this.showChange(response, 'EXPIRED', loginOf(transaction), fromURI, binding);
      case 'PASSWORD_WARN': {
        this.keepState(response, transaction.stateToken as string);
        const expiration = (transaction._embedded?.policy as { expiration?: { passwordExpireDays?: number } })
          ?.expiration;
        const nonce = pageNonce();
        return this.send(
          response,
          nonce,
          passwordWarnPage({
            nonce,
            formToken: this.forms.issue(binding),
            fromURI,
            days: expiration?.passwordExpireDays ?? 0,
          }),
        );
      }
      case 'LOCKED_OUT': {
        const { lockout } = await this.policies.forLogin(username);
        const unlock =
          lockout.autoUnlockMinutes > 0
            ? `It unlocks by itself after ${lockout.autoUnlockMinutes} minutes; or ask your administrator to unlock it.`
            : 'Ask your administrator to unlock it.';
        return this.message(response, 403, {
          title: 'Your account is locked',
          message: `Too many sign-ins failed, so your account is locked. ${unlock}`,
          links: [{ href: '/signin', text: 'Back to sign-in' }],
        });
      }
    }
  }

  /** The warning's "Change now": the change form, on the same sign-in transaction. */
  @Post('password/start')
  async startChange(
    @Body() body: FormBody,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const fromURI = field(body, 'fromURI', 2048) || null;
    const binding = this.forms.preSessionBinding(request, response);
    const pending = await this.pendingChange(request);
    if (!pending || !this.forms.accepts(request, binding, body?.csrfToken))
      return this.startAgain(request, response, fromURI);
    return this.showChange(response, pending.reason, pending.login, fromURI, binding);
  }

  /** The change of an expired (or temporary, or soon expiring) password during sign-in. */
  @Post('password')
  async changeDuringSignIn(
    @Body() body: FormBody,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const fromURI = field(body, 'fromURI', 2048) || null;
    const binding = this.forms.preSessionBinding(request, response);
    const pending = await this.pendingChange(request);
    if (!pending) return this.startAgain(request, response, fromURI);
    const again = (problems: PageProblem[], status = 400) =>
      this.showChange(response, pending.reason, pending.login, fromURI, binding, problems, status);
    if (!this.forms.accepts(request, binding, body?.csrfToken))
      return again([{ message: FORM_EXPIRED }], 403);
    const passwords = readPasswords(body);
    if (passwords.problems.length > 0) return again(passwords.problems);
    let transaction: AuthnTransaction;
    try {
      transaction = await this.authn.changePassword(
        pending.stateToken,
        passwords.oldPassword,
        passwords.newPassword,
      );
    } catch (error) {
      const code = errorCodeOf(error);
      if (code === 'E0000014' || code === 'E0000080')
        return again(explainCauses((error as DomainError).causes));
      if (code === 'LAPSE0001') return this.temporaryPasswordLapsed(response);
      if (code === 'E0000011' || code === 'E0000079') return this.startAgain(request, response, fromURI);
      if (code === 'E0000050') return again([{ message: UNAVAILABLE }], 503);
      throw error;
    }
    this.dropState(response);
    return this.openSession(transaction.sessionToken as string, fromURI, response);
  }

  /** The warning's "Later": signs in with the current password. */
  @Post('skip')
  async later(@Body() body: FormBody, @Req() request: Request, @Res() response: Response): Promise<void> {
    const fromURI = field(body, 'fromURI', 2048) || null;
    const binding = this.forms.preSessionBinding(request, response);
    const pending = await this.pendingChange(request);
    if (!pending || !this.forms.accepts(request, binding, body?.csrfToken))
      return this.startAgain(request, response, fromURI);
    let transaction: AuthnTransaction;
    try {
      transaction = await this.authn.skip(pending.stateToken);
    } catch (error) {
      if (errorCodeOf(error) === null) throw error;
      return this.startAgain(request, response, fromURI);
    }
    this.dropState(response);
    return this.openSession(transaction.sessionToken as string, fromURI, response);
  }

  /** Where a signed-in browser lands without an allowed `fromURI`. */
  @Get('done')
  async done(@Req() request: Request, @Res() response: Response): Promise<void> {
    const session = await this.currentSession(request);
    if (!session) return response.redirect(303, '/signin');
    const nonce = pageNonce();
    const formToken = this.forms.issue(this.forms.sessionBinding(session.id));
    return this.send(response, nonce, signedInPage({ nonce, formToken, login: session.login }));
  }

  @Post('signout')
  async signOut(@Body() body: FormBody, @Req() request: Request, @Res() response: Response): Promise<void> {
    const session = await this.currentSession(request);
    if (session && this.forms.accepts(request, this.forms.sessionBinding(session.id), body?.csrfToken)) {
      await this.sessions.end(session.id).catch(() => undefined);
      clearSessionCookie(response, this.config);
    }
    return response.redirect(303, '/signin');
  }

  /** The signed-in change of one's own password (the page for `users/me/credentials/change_password`). */
  @Get('change-password')
  async showOwnChange(@Req() request: Request, @Res() response: Response): Promise<void> {
    const session = await this.currentSession(request);
    if (!session)
      return response.redirect(303, `/signin?fromURI=${encodeURIComponent('/signin/change-password')}`);
    return this.showOwnChangeForm(response, session);
  }

  @Post('change-password')
  async changeOwn(@Body() body: FormBody, @Req() request: Request, @Res() response: Response): Promise<void> {
    const session = await this.currentSession(request);
    if (!session) return response.redirect(303, '/signin');
    if (!this.forms.accepts(request, this.forms.sessionBinding(session.id), body?.csrfToken))
      return this.showOwnChangeForm(response, session, [{ message: FORM_EXPIRED }], 403);
    const passwords = readPasswords(body);
    if (passwords.problems.length > 0)
      return this.showOwnChangeForm(response, session, passwords.problems, 400);
    try {
      await this.ownPassword.change(
        session.id,
        passwords.oldPassword,
        passwords.newPassword,
        field(body, 'revokeSessions') === 'true',
      );
    } catch (error) {
      const code = errorCodeOf(error);
      if (code === 'E0000014' || code === 'E0000080')
        return this.showOwnChangeForm(response, session, explainCauses((error as DomainError).causes), 400);
      if (code === 'E0000005') return response.redirect(303, '/signin');
      if (code === 'E0000050')
        return this.showOwnChangeForm(response, session, [{ message: UNAVAILABLE }], 503);
      if (code !== null)
        return this.showOwnChangeForm(response, session, [{ message: (error as Error).message }], 403);
      throw error;
    }
    const nonce = pageNonce();
    const formToken = this.forms.issue(this.forms.sessionBinding(session.id));
    return this.send(
      response,
      nonce,
      signedInPage({ nonce, formToken, login: session.login, notice: 'Your password has been changed.' }),
    );
  }

  @Get('forgot-password')
  showForgotPassword(@Req() request: Request, @Res() response: Response): void {
    const nonce = pageNonce();
    const formToken = this.forms.issue(this.forms.preSessionBinding(request, response));
    this.send(response, nonce, forgotPasswordPage({ nonce, formToken }));
  }

  /** Forgot password: the same page for every username, as the API gives the same answer. */
  @Post('forgot-password')
  forgotPassword(@Body() body: FormBody, @Req() request: Request, @Res() response: Response): void {
    const username = field(body, 'username');
    const binding = this.forms.preSessionBinding(request, response);
    const again = (problems: PageProblem[], status: number) => {
      const nonce = pageNonce();
      const formToken = this.forms.issue(binding);
      this.send(response, nonce, forgotPasswordPage({ nonce, formToken, username, problems }), status);
    };
    if (!this.forms.accepts(request, binding, body?.csrfToken)) {
      again([{ message: FORM_EXPIRED }], 403);
      return;
    }
    if (!username) {
      again([{ message: 'Enter your username.', field: 'username' }], 400);
      return;
    }
    try {
      this.recovery.requestPasswordRecovery(username, clientAddressOf(request));
    } catch (error) {
      if (errorCodeOf(error) !== 'E0000047') throw error;
      again([{ message: 'Too many reset requests. Wait an hour, then try again.' }], 429);
      return;
    }
    this.message(response, 200, {
      title: 'Check your email',
      message:
        'If this username belongs to an account that can reset its password here, an email with a link to choose a new password is on its way. The link works once and expires soon. If you were given a temporary password, or your account is locked, ask your administrator instead.',
      links: [{ href: '/signin', text: 'Back to sign-in' }],
    });
  }

  private showSignIn(
    request: Request,
    response: Response,
    options: { fromURI: string | null; username?: string; problems?: PageProblem[]; notice?: string },
    status = 200,
  ): void {
    const nonce = pageNonce();
    const formToken = this.forms.issue(this.forms.preSessionBinding(request, response));
    this.send(response, nonce, signInPage({ nonce, formToken, ...options }), status);
  }

  /** The page for a sign-in authn refused: one message per reason, never more than authn itself says. */
  private signInRefused(
    error: unknown,
    request: Request,
    response: Response,
    fromURI: string | null,
    username: string,
  ): void {
    const code = errorCodeOf(error);
    if (code === 'LAPSE0001') {
      this.temporaryPasswordLapsed(response);
      return;
    }
    const refusals: Record<string, [PageProblem, number]> = {
      E0000004: [{ message: SIGN_IN_FAILED, field: 'password' }, 401],
      E0000047: [{ message: TOO_MANY }, 429],
      E0000050: [{ message: UNAVAILABLE }, 503],
    };
    const refusal = code === null ? undefined : refusals[code];
    if (!refusal) throw error;
    this.showSignIn(request, response, { fromURI, username, problems: [refusal[0]] }, refusal[1]);
  }

  private temporaryPasswordLapsed(response: Response): void {
    this.dropState(response);
    this.message(response, 401, {
      title: 'Your temporary password has expired',
      message:
        'The temporary password you were given is no longer valid. Ask your administrator for a new temporary password, then sign in with it.',
      links: [{ href: '/signin', text: 'Back to sign-in' }],
    });
  }

  private startAgain(request: Request, response: Response, fromURI: string | null): void {
    this.dropState(response);
    this.showSignIn(request, response, { fromURI, notice: START_AGAIN }, 400);
  }

  private async showChange(
    response: Response,
    reason: 'EXPIRED' | 'WARN',
    login: string,
    fromURI: string | null,
    binding: string,
    problems: readonly PageProblem[] = [],
    status = 200,
  ): Promise<void> {
    const nonce = pageNonce();
    const page = changePasswordPage({
      nonce,
      formToken: this.forms.issue(binding),
      fromURI,
      reason,
      action: '/signin/password',
      login,
      rules: policyRules(await this.policies.forLogin(login)),
      problems,
    });
    this.send(response, nonce, page, status);
  }

  private async showOwnChangeForm(
    response: Response,
    session: SessionRecord,
    problems: readonly PageProblem[] = [],
    status = 200,
  ): Promise<void> {
    const nonce = pageNonce();
    const page = changePasswordPage({
      nonce,
      formToken: this.forms.issue(this.forms.sessionBinding(session.id)),
      fromURI: null,
      reason: 'SIGNED_IN',
      action: '/signin/change-password',
      login: session.login,
      rules: policyRules(await this.policies.forUser(session.userId)),
      problems,
    });
    this.send(response, nonce, page, status);
  }

  /** The sign-in transaction behind the state cookie, while it can still change the password. */
  private async pendingChange(
    request: Request,
  ): Promise<{ stateToken: string; reason: 'EXPIRED' | 'WARN'; login: string } | null> {
    const stateToken = cookieOf(request, STATE_COOKIE);
    if (!stateToken || !looksLikeSecretToken(stateToken)) return null;
    const transaction = await findTransaction(this.pool, stateToken);
    if (!transaction || transaction.expiresAt.getTime() <= this.clock.now().getTime()) return null;
    if (transaction.status !== 'PASSWORD_EXPIRED' && transaction.status !== 'PASSWORD_WARN') return null;
    const facts = await gateFactsByUserId(this.pool, transaction.userId);
    if (!facts) return null;
    return {
      stateToken,
      reason: transaction.status === 'PASSWORD_EXPIRED' ? 'EXPIRED' : 'WARN',
      login: facts.credential.login,
    };
  }

  private async currentSession(request: Request): Promise<SessionRecord | null> {
    try {
      return await this.ownPassword.sessionOf(cookieOf(request, SESSION_COOKIE));
    } catch (error) {
      if (errorCodeOf(error) === 'E0000005') return null;
      throw error;
    }
  }

  /** Spends the session token for a session, sets `sid`, and sends the browser on. */
  private async openSession(sessionToken: string, fromURI: string | null, response: Response): Promise<void> {
    const session = await this.sessions.fromSessionToken(sessionToken);
    setSessionCookie(response, this.config, session.id, this.sessions.latestEnd(session));
    const target = allowedRedirect(fromURI, this.config.base.publicUrl, this.config.signInRedirectOrigins);
    response.redirect(303, target ?? '/signin/done');
  }

  private keepState(response: Response, stateToken: string): void {
    response.cookie(STATE_COOKIE, stateToken, {
      httpOnly: true,
      sameSite: 'strict',
      secure: secureCookies(this.config),
      path: '/signin',
      maxAge: this.config.stateTokenLifetimeSeconds * 1000,
    });
  }

  private dropState(response: Response): void {
    response.clearCookie(STATE_COOKIE, {
      httpOnly: true,
      sameSite: 'strict',
      secure: secureCookies(this.config),
      path: '/signin',
    });
  }

  private message(
    response: Response,
    status: number,
    options: { title: string; message: string; links?: { href: string; text: string }[] },
  ): void {
    const nonce = pageNonce();
    this.send(response, nonce, messagePage({ nonce, ...options }), status);
  }

  /** Every hosted page: strict CSP whose form-action also names the origins a sign-in may end on. */
  private send(response: Response, nonce: string, page: SafeHtml, status = 200): void {
    sendPage(response, nonce, page, status, { formActionOrigins: this.config.signInRedirectOrigins });
  }
}

function loginOf(transaction: AuthnTransaction): string {
  const user = transaction._embedded?.user as { profile?: { login?: string } } | undefined;
  return user?.profile?.login ?? '';
}

/** The change form's three fields, with a message for each one missing or not matching. */
function readPasswords(body: FormBody | undefined) {
  const oldPassword = field(body, 'oldPassword');
  const newPassword = field(body, 'newPassword');
  const confirmPassword = field(body, 'confirmPassword');
  const problems: PageProblem[] = [];
  if (!oldPassword) problems.push({ message: 'Enter your current password.', field: 'oldPassword' });
  if (!newPassword) problems.push({ message: 'Enter a new password.', field: 'newPassword' });
  else if (newPassword !== confirmPassword)
    problems.push({ message: 'The two new passwords are not the same.', field: 'confirmPassword' });
  return { oldPassword, newPassword, problems };
}
