import { DomainError, OktaHttpError } from '@lapse/shared';

/** Wrong password, unknown user, or a user who cannot sign in with a password: all look the same. */
export const authenticationFailed = () => new DomainError('E0000004', 'Authentication failed');
/** Legacy `POST /api/v1/sessions {username, password}` with the right password, but expired. */
export const passwordExpired = () => new DomainError('E0000064', 'Password is expired and must be changed.');
/** The right temporary password, past its lifetime (Lapse's own code, documented in docs/identity.md). */
export const temporaryPasswordExpired = () =>
  new DomainError('LAPSE0001', 'The temporary password has expired. Ask an administrator for a new one.', [
    'Your temporary password was valid for a limited time only. Ask your administrator to issue a new temporary password; it cannot be reset from the sign-in page while one is set.',
  ]);
/** Forged, replayed, spent or expired stateToken / sessionToken. */
export const invalidToken = () => new DomainError('E0000011', 'Invalid token provided');
export const wrongTransactionState = () =>
  new DomainError('E0000079', 'This operation is not allowed in the current authentication state.');
/** The projection is stale and directory cannot confirm the credential: fail closed. */
export const credentialUnconfirmed = () => new DomainError('E0000050', 'Service unavailable');
/** More sign-ins in flight than `SIGN_IN_MAX_IN_FLIGHT`: Okta's rate-limit answer, to retry in a second. */
export const overloaded = () => new OktaHttpError('E0000047', [], { 'Retry-After': '1' });
