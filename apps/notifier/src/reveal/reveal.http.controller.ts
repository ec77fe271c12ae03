import { Controller, Get, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { secretPageHeaders } from '@lapse/shared/http/secret-page';
import type { Response } from 'express';
import { type Page, revealPage } from './reveal.pages';
import { RevealTemporaryPassword } from './reveal-temporary-password';

/**
 * The page behind the emailed link. GET only shows a button (so link scanners burn nothing); POST
 * reveals the temporary password once and burns it.
 */
@Controller('notifier/reveal')
export class RevealHttpController {
  constructor(@Inject(RevealTemporaryPassword) private readonly reveals: RevealTemporaryPassword) {}

  @Get(':token')
  async show(@Param('token') token: string, @Res() response: Response): Promise<void> {
    send(response, revealPage(await this.reveals.check(token)));
  }

  @Post(':token')
  @HttpCode(200)
  async reveal(@Param('token') token: string, @Res() response: Response): Promise<void> {
    send(response, revealPage(await this.reveals.reveal(token)));
  }
}

function send(response: Response, page: Page): void {
  response
    .status(page.status)
    .set(
      secretPageHeaders(
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
      ),
    )
    .send(page.html);
}
