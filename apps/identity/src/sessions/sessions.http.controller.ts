import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { CLOCK, type Clock, NotFoundError } from '@lapse/shared';
import { AdminAuthGuard, RequireRole } from '@lapse/shared/http/admin-auth';
import { ServiceAuthGuard } from '@lapse/shared/http/service-auth';
import type { Request, Response } from 'express';
import type { IdentityConfig } from '../identity.config';
import { IDENTITY_CONFIG } from '../identity.tokens';
import { AuthnRateLimiter } from '../sign-in/per-username-rate-limit';
import { CreateSessionRequestDto, VerifySessionRequestDto } from './session.request.dto';
import { type SessionView, SessionsService } from './sessions.service';

export const SESSION_COOKIE = 'sid';

function cookieOf(request: Request, name: string): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return null;
}

/** Okta's Sessions API. The session id is a 256-bit secret: holding it is what lets a caller read or end it. */
@Controller('api/v1/sessions')
export class SessionsHttpController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly rateLimit: AuthnRateLimiter,
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @HttpCode(200)
  async create(
    @Body() body: CreateSessionRequestDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SessionView> {
    if (body.sessionToken === undefined) {
      const headers = this.rateLimit.admit(body.username as string, this.clock.now().getTime());
      for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    }
    const session =
      body.sessionToken !== undefined
        ? await this.sessions.fromSessionToken(body.sessionToken)
        : await this.sessions.fromPassword(body.username as string, body.password as string);
    response.cookie(SESSION_COOKIE, session.id, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.config.sessionCookieSecure,
      path: '/',
      // The idle expiry moves with every use; only the maximum lifetime is fixed.
      expires: this.sessions.latestEnd(session),
    });
    return this.sessions.view(session);
  }

  /** The browser's own session, from the `sid` cookie. */
  @Get('me')
  async me(@Req() request: Request): Promise<SessionView> {
    const id = cookieOf(request, SESSION_COOKIE);
    if (!id) throw new NotFoundError('Session');
    return this.sessions.view(await this.sessions.get(id));
  }

  @Delete('me')
  @HttpCode(204)
  async endMine(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    const id = cookieOf(request, SESSION_COOKIE);
    if (!id) throw new NotFoundError('Session');
    await this.sessions.end(id);
    response.clearCookie(SESSION_COOKIE, { path: '/' });
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<SessionView> {
    return this.sessions.view(await this.sessions.get(id));
  }

  @Delete(':id')
  @HttpCode(204)
  async end(@Param('id') id: string): Promise<void> {
    await this.sessions.end(id);
  }

  @Post(':id/lifecycle/refresh')
  @HttpCode(200)
  async refresh(@Param('id') id: string): Promise<SessionView> {
    return this.sessions.view(await this.sessions.refresh(id));
  }
}

/** `DELETE /api/v1/users/{id}/sessions`: an administrator ends every session of a user. */
@Controller('api/v1/users')
@UseGuards(AdminAuthGuard)
export class UserSessionsHttpController {
  constructor(private readonly sessions: SessionsService) {}

  @Delete(':userId/sessions')
  @HttpCode(204)
  @RequireRole('SUPER_ADMIN', 'USER_ADMIN')
  async endAll(@Param('userId') userId: string): Promise<void> {
    await this.sessions.endAllOf(userId, 'ADMIN_REVOKED');
  }
}

/** The one call other services make to check a session: active or not, and whose. */
@Controller('internal/v1/sessions')
@UseGuards(ServiceAuthGuard)
export class InternalSessionsHttpController {
  constructor(private readonly sessions: SessionsService) {}

  @Post('verify')
  @HttpCode(200)
  async verify(@Body() body: VerifySessionRequestDto): Promise<{ active: boolean; session?: SessionView }> {
    try {
      const session = await this.sessions.get(body.sessionId);
      if (body.userId !== undefined && body.userId !== session.userId) return { active: false };
      return { active: true, session: this.sessions.view(session) };
    } catch (error) {
      if (error instanceof NotFoundError) return { active: false };
      throw error;
    }
  }
}
