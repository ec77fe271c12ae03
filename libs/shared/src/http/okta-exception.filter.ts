import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError } from '../errors';
import type { Logger } from '../logging/logger';
import { OKTA_ERRORS, oktaErrorBody } from './okta-error';

/** An HTTP-level refusal with an Okta code, for the edge (auth guards, rate limits). */
export class OktaHttpError extends HttpException {
  constructor(
    readonly code: keyof typeof OKTA_ERRORS,
    readonly causes: readonly string[] = [],
    readonly headers: Record<string, string> = {},
    summary?: string,
  ) {
    super(summary ?? OKTA_ERRORS[code].summary, OKTA_ERRORS[code].status);
  }
}

const STATUS_TO_CODE: Record<number, keyof typeof OKTA_ERRORS> = {
  400: 'E0000001',
  401: 'E0000011',
  403: 'E0000006',
  404: 'E0000007',
  405: 'E0000022',
  413: 'LAPSE0002',
  415: 'E0000021',
  429: 'E0000047',
  503: 'E0000050',
};

/** The one place that turns any error into Okta's error envelope. Never echoes request values. */
@Catch()
export class OktaExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    if (exception instanceof DomainError) {
      const known = OKTA_ERRORS[exception.code];
      this.send(response, known.status, exception.code, exception.message || known.summary, exception.causes);
      return;
    }
    if (exception instanceof OktaHttpError) {
      for (const [name, value] of Object.entries(exception.headers)) response.setHeader(name, value);
      this.send(response, exception.getStatus(), exception.code, exception.message, exception.causes);
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse() as { message?: string | string[] } | string;
      const code = STATUS_TO_CODE[status] ?? (status >= 500 ? 'E0000009' : 'E0000001');
      const causes = typeof body === 'object' && Array.isArray(body.message) ? body.message : [];
      const summary =
        status === 400 && isMalformedJson(exception)
          ? OKTA_ERRORS.E0000003.summary
          : status === 404
            ? OKTA_ERRORS.E0000007.summary
            : OKTA_ERRORS[code].summary;
      this.send(
        response,
        status,
        status === 400 && isMalformedJson(exception) ? 'E0000003' : code,
        summary,
        causes,
      );
      return;
    }
    const status = (exception as { status?: number; type?: string })?.status;
    if (status === 413 || (exception as { type?: string })?.type === 'entity.too.large') {
      this.send(response, 413, 'LAPSE0002', OKTA_ERRORS.LAPSE0002.summary);
      return;
    }
    if (status === 400 && (exception as { type?: string })?.type === 'entity.parse.failed') {
      this.send(response, 400, 'E0000003', OKTA_ERRORS.E0000003.summary);
      return;
    }
    this.logger.error(
      {
        err:
          exception instanceof Error ? { name: exception.name, stack: exception.stack } : String(exception),
      },
      'unhandled error',
    );
    this.send(response, 500, 'E0000009', OKTA_ERRORS.E0000009.summary);
  }

  private send(
    response: Response,
    status: number,
    code: string,
    summary: string,
    causes: readonly string[] = [],
  ): void {
    response.status(status).json(oktaErrorBody(code, summary, causes));
  }
}

function isMalformedJson(exception: HttpException): boolean {
  const cause = (exception as { cause?: { type?: string } }).cause;
  return cause?.type === 'entity.parse.failed' || /JSON/i.test(exception.message);
}
