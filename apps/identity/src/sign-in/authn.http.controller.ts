import { Body, Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { CLOCK, type Clock } from '@lapse/shared';
import { clientAddressOf } from '@lapse/shared/http/client-address';
import type { Request, Response } from 'express';
import type { AuthnTransaction } from './authn.responses';
import { AuthnRequestDto, AuthnChangePasswordRequestDto, StateTokenRequestDto } from './authn.request.dto';
import { AuthnService } from './authn.service';
import { AuthnRateLimiter } from './per-username-rate-limit';

/** Okta's Authentication API for end users and the apps that sign them in. */
@Controller('api/v1/authn')
export class AuthnHttpController {
  constructor(
    private readonly authn: AuthnService,
    private readonly rateLimit: AuthnRateLimiter,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @HttpCode(200)
  authenticate(
    @Body() body: AuthnRequestDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AuthnTransaction> {
    const clientIp = clientAddressOf(request);
    const headers = this.rateLimit.admit(
      body.username,
      clientIp,
      this.clock.now().getTime(),
      request.headers['x-request-start'],
    );
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    return this.authn.authenticate(
      body.username,
      body.password,
      body.options?.warnBeforePasswordExpired === true,
      clientIp,
    );
  }

  @Post('credentials/change_password')
  @HttpCode(200)
  changePassword(@Body() body: AuthnChangePasswordRequestDto): Promise<AuthnTransaction> {
    return this.authn.changePassword(body.stateToken, body.oldPassword, body.newPassword);
  }

  @Post('skip')
  @HttpCode(200)
  skip(@Body() body: StateTokenRequestDto): Promise<AuthnTransaction> {
    return this.authn.skip(body.stateToken);
  }

  @Post('cancel')
  @HttpCode(200)
  cancel(@Body() body: StateTokenRequestDto): Promise<Record<string, never>> {
    return this.authn.cancel(body.stateToken);
  }
}
