import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from '../logging/logger';
import { OktaExceptionFilter } from './okta-exception.filter';
import { StorableInputInterceptor } from './storable-input';
import { oktaValidationPipe } from './validation';

export const MAX_BODY_BYTES = '64kb';

/** HTTP settings shared by every Lapse process: body limits, validation, Okta errors. */
export function configureHttp(app: INestApplication, logger: Logger): void {
  const express = app as NestExpressApplication;
  express.useBodyParser('json', { limit: MAX_BODY_BYTES });
  express.useBodyParser('urlencoded', { limit: MAX_BODY_BYTES, extended: false });
  express.disable('x-powered-by');
  // API answers are not cached by validators: no SHA-1 of every body for an ETag nobody sends back.
  express.set('etag', false);
  express.set('trust proxy', 'loopback');
  // Text PostgreSQL cannot store and bodies nested too deep are refused before any pipe or handler.
  app.useGlobalInterceptors(new StorableInputInterceptor());
  app.useGlobalPipes(oktaValidationPipe());
  app.useGlobalFilters(new OktaExceptionFilter(logger));
}
