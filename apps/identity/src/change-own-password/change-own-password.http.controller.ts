import { ApiCookieAuth } from '@nestjs/swagger';
import { SESSION_COOKIE_SECURITY } from '@lapse/shared/http/openapi';
import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { SameOriginGuard } from '../sessions/same-origin.guard';
import { cookieOf, SESSION_COOKIE } from '../sessions/session-cookie';
import { ChangeOwnPasswordRequestDto } from './change-own-password.request.dto';
import { ChangeOwnPasswordService } from './change-own-password.service';

/**
 * `POST /api/v1/users/me/credentials/change_password` with the `sid` cookie (Okta's `me` form of the Users
 * API) → the user's credentials object; `revokeSessions: true` ends the user's other sessions. No or ended
 * session: 403 E0000005; wrong old password, a password
 * the policy or history refuses: 403 E0000014 with causes; a cross-site request: 403 E0000006.
 */
@Controller('api/v1/users/me')
export class ChangeOwnPasswordHttpController {
  constructor(private readonly passwords: ChangeOwnPasswordService) {}

  @Post('credentials/change_password')
  @HttpCode(200)
  @UseGuards(SameOriginGuard)
  @ApiCookieAuth(SESSION_COOKIE_SECURITY)
  async change(@Body() body: ChangeOwnPasswordRequestDto, @Req() request: Request) {
    await this.passwords.change(
      cookieOf(request, SESSION_COOKIE),
      body.oldPassword.value,
      body.newPassword.value,
      body.revokeSessions === true,
    );
    return { password: {}, provider: { type: 'OKTA', name: 'OKTA' } };
  }
}
