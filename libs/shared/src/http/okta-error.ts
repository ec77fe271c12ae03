import { randomBytes } from 'node:crypto';
import type { OktaErrorCode } from '../errors';

/** Okta's error envelope: every HTTP error Lapse returns has this shape. */
export interface OktaErrorBody {
  errorCode: string;
  errorSummary: string;
  errorLink: string;
  errorId: string;
  errorCauses: { errorSummary: string }[];
}

export const OKTA_ERRORS: Record<OktaErrorCode, { status: number; summary: string }> = {
  E0000001: { status: 400, summary: 'Api validation failed' },
  E0000003: { status: 400, summary: 'The request body was not well-formed.' },
  E0000004: { status: 401, summary: 'Authentication failed' },
  E0000005: { status: 403, summary: 'Invalid session' },
  E0000006: { status: 403, summary: 'You do not have permission to perform the requested action' },
  E0000007: { status: 404, summary: 'Not found: Resource not found' },
  E0000009: { status: 500, summary: 'Internal Server Error' },
  E0000011: { status: 401, summary: 'Invalid token provided' },
  E0000014: { status: 403, summary: 'Update of credentials failed' },
  E0000015: { status: 403, summary: 'You do not have permission to access the feature you are requesting' },
  E0000016: { status: 403, summary: 'Activation failed because the user is already active' },
  E0000021: {
    status: 400,
    summary: 'Bad request. Accept and/or Content-Type headers likely do not match supported values.',
  },
  E0000022: { status: 405, summary: 'The endpoint does not support the provided HTTP method' },
  E0000023: {
    status: 403,
    summary: 'Operation failed because user profile is mastered under another system',
  },
  E0000038: { status: 403, summary: "This operation is not allowed in the user's current status." },
  E0000047: { status: 429, summary: 'API call exceeded rate limit due to too many requests.' },
  E0000050: { status: 503, summary: 'Service unavailable' },
  E0000064: { status: 401, summary: 'Password is expired and must be changed.' },
  E0000079: { status: 403, summary: 'This operation is not allowed in the current authentication state.' },
  E0000080: {
    status: 403,
    summary: 'The password does not meet the complexity requirements of the current password policy.',
  },
  E0000090: { status: 409, summary: 'The role specified is already assigned to the user.' },
  E0000105: {
    status: 401,
    summary: 'You have accessed an account recovery link that has expired or been previously used.',
  },
  E0000124: {
    status: 400,
    summary:
      'Could not create user. To create a user and expire their password immediately, a password must be specified',
  },
  E0000125: {
    status: 400,
    summary:
      'Could not create user. To create a user and expire their password immediately, `activate` must be true',
  },
  E0000507: {
    status: 403,
    summary: 'Reset password is not allowed while the user is in one-time password mode.',
  },
  LAPSE0001: {
    status: 401,
    summary: 'The temporary password has expired. Ask an administrator for a new one.',
  },
  LAPSE0002: { status: 413, summary: 'Request entity too large' },
};

export function oktaErrorBody(code: string, summary: string, causes: readonly string[] = []): OktaErrorBody {
  return {
    errorCode: code,
    errorSummary: summary,
    errorLink: code,
    errorId: `oae${randomBytes(11).toString('base64url')}`,
    errorCauses: causes.map((errorSummary) => ({ errorSummary })),
  };
}
