import { ApiCookieAuth, ApiSecurity } from '@nestjs/swagger';
import { ADMIN_API_SECURITY, SESSION_COOKIE_SECURITY } from '@lapse/shared/http/openapi';
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
import {
  AdminAuthGuard,
  type AdminPrincipal,
  CurrentAdmin,
  RequireRole,
} from '@lapse/shared/http/admin-auth';
import { clientAddressOf } from '@lapse/shared/http/client-address';
import { ServiceAuthGuard } from '@lapse/shared/http/service-auth';
import type { Request, Response } from 'express';
import { IdentityAuditTrail } from '../audit-trail/identity-audit-trail';
import type { IdentityConfig } from '../identity.config';
import { IDENTITY_CONFIG } from '../identity.tokens';
import { AuthnRateLimiter } from '../sign-in/per-username-rate-limit';
import { CreateSessionRequestDto, VerifySessionRequestDto } from './session.request.dto';
import { SameOriginGuard } from './same-origin.guard';
import { clearSessionCookie, cookieOf, SESSION_COOKIE, setSessionCookie } from './session-cookie';
import { type SessionView, SessionsService } from './sessions.service';

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
  @UseGuards(SameOriginGuard)
  async create(
    @Body() body: CreateSessionRequestDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SessionView> {
    const clientIp = clientAddressOf(request);
    if (body.sessionToken === undefined) {
      const now = this.clock.now().getTime();
      const headers = this.rateLimit.admit(
        body.username as string,
        clientIp,
        now,
        request.headers['x-request-start'],
      );
      for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    }
    const session =
      body.sessionToken !== undefined
        ? await this.sessions.fromSessionToken(body.sessionToken)
        : await this.sessions.fromPassword(body.username as string, body.password as string, clientIp);
    setSessionCookie(response, this.config, session.id, this.sessions.latestEnd(session));
    return this.sessions.view(session);
  }

  /** The browser's own session, from the `sid` cookie. */
  @Get('me')
  @ApiCookieAuth(SESSION_COOKIE_SECURITY)
  @UseGuards(SameOriginGuard)
  async me(@Req() request: Request): Promise<SessionView> {
    const id = cookieOf(request, SESSION_COOKIE);
    if (!id) throw new NotFoundError('Session');
    return this.sessions.view(await this.sessions.get(id));
  }

  @Delete('me')
  @ApiCookieAuth(SESSION_COOKIE_SECURITY)
  @HttpCode(204)
  @UseGuards(SameOriginGuard)
  async endMine(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    const id = cookieOf(request, SESSION_COOKIE);
    if (!id) throw new NotFoundError('Session');
    await this.sessions.end(id);
    clearSessionCookie(response, this.config);
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
@ApiSecurity(ADMIN_API_SECURITY)
export class UserSessionsHttpController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly trail: IdentityAuditTrail,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Ends them, then (after answering) records `user.session.clear` for directory's System Log. */
  @Delete(':userId/sessions')
  @HttpCode(204)
  @RequireRole('SUPER_ADMIN', 'USER_ADMIN')
  async endAll(
    @Param('userId') userId: string,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ): Promise<void> {
    const sessionsEnded = await this.sessions.endAllOf(userId, 'ADMIN_REVOKED');
    this.trail.sessionsCleared(
      {
        userId,
        sessionsEnded,
        clientIp: clientAddressOf(request),
        clearedAt: this.clock.now().toISOString(),
      },
      { actor: `admin:${admin.tokenId}` },
    );
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
