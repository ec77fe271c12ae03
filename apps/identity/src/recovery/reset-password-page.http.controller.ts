import { randomBytes } from 'node:crypto';
import { Controller, Get, Res } from '@nestjs/common';
import { secretPageHeaders } from '@lapse/shared/http/secret-page';
import type { Response } from 'express';
import { resetPasswordPage } from './reset-password.page';

/**
 * `GET /reset_password/{token}`: the page the reset link opens (the `resetPasswordUrl` directory returns or
 * emails). The same page for every token — it never looks the token up nor writes it anywhere; its script
 * runs the authn recovery calls. Not cached, not framed, no referrer, nothing loaded from elsewhere.
 */
@Controller('reset_password')
export class ResetPasswordPageHttpController {
  @Get(':token')
  show(@Res() response: Response): void {
    const nonce = randomBytes(16).toString('base64');
    response
      .status(200)
      .set(
        secretPageHeaders(
          `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'`,
        ),
      )
      .send(resetPasswordPage(nonce));
  }
}
