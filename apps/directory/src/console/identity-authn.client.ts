/** What identity's authn API answered to the console's sign-in, in the console's terms. */
export type ConsoleSignIn =
  | { readonly kind: 'SUCCESS'; readonly userId: string }
  | {
      readonly kind: 'PASSWORD_EXPIRED';
      readonly userId: string;
      readonly stateToken: string;
      /** When identity's sign-in transaction ends (Okta's `expiresAt`), or null when it did not say. */
      readonly expiresAt: Date | null;
    }
  | { readonly kind: 'LOCKED_OUT' }
  | { readonly kind: 'FAILED' }
  | { readonly kind: 'TEMPORARY_PASSWORD_EXPIRED' }
  | { readonly kind: 'RATE_LIMITED' };

export type ConsolePasswordChange =
  | { readonly kind: 'SUCCESS'; readonly userId: string }
  | { readonly kind: 'REFUSED'; readonly messages: readonly string[] }
  | { readonly kind: 'EXPIRED' };

export class IdentityUnavailableError extends Error {
  constructor(detail: string) {
    super(`identity's sign-in API is unavailable: ${detail}`);
  }
}

interface OktaAnswer {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: Okta's JSON answers, read field by field
  readonly body: any;
}

const TIMEOUT_MS = 10_000;

/**
 * The console signs administrators in through identity's own sign-in (`POST /api/v1/authn`), server-side:
 * the password and the state token of a forced change never reach a page or a URL.
 */
export class IdentityAuthnClient {
  constructor(private readonly identityUrl: string) {}

  /**
   * `clientIp`, the administrator's address, goes as X-Forwarded-For: identity reads it (for its sign-in
   * limits and the System Log) only when it trusts directory as a proxy (`TRUST_PROXY`), else it ignores it.
   */
  async signIn(username: string, password: string, clientIp: string | null = null): Promise<ConsoleSignIn> {
    const { status, body } = await this.post(
      '/api/v1/authn',
      { username, password },
      clientIp ? { 'x-forwarded-for': clientIp } : {},
    );
    if (status === 200 && body.status === 'SUCCESS')
      return { kind: 'SUCCESS', userId: body._embedded.user.id };
    if (status === 200 && body.status === 'PASSWORD_WARN') {
      // The password still works: the console does not need identity's session, so the transaction ends here.
      await this.post('/api/v1/authn/cancel', { stateToken: body.stateToken }).catch(() => undefined);
      return { kind: 'SUCCESS', userId: body._embedded.user.id };
    }
    if (status === 200 && body.status === 'PASSWORD_EXPIRED')
      return {
        kind: 'PASSWORD_EXPIRED',
        userId: body._embedded.user.id,
        stateToken: body.stateToken,
        expiresAt: typeof body.expiresAt === 'string' ? new Date(body.expiresAt) : null,
      };
    if (status === 200 && body.status === 'LOCKED_OUT') return { kind: 'LOCKED_OUT' };
    if (status === 401 && body.errorCode === 'LAPSE0001') return { kind: 'TEMPORARY_PASSWORD_EXPIRED' };
    if (status === 401) return { kind: 'FAILED' };
    if (status === 429) return { kind: 'RATE_LIMITED' };
    if (status === 400) return { kind: 'FAILED' };
    throw new IdentityUnavailableError(`authn answered ${status}`);
  }

  async changePassword(
    stateToken: string,
    oldPassword: string,
    newPassword: string,
  ): Promise<ConsolePasswordChange> {
    const { status, body } = await this.post('/api/v1/authn/credentials/change_password', {
      stateToken,
      oldPassword,
      newPassword,
    });
    if (status === 200 && body.status === 'SUCCESS')
      return { kind: 'SUCCESS', userId: body._embedded.user.id };
    if (status === 401) return { kind: 'EXPIRED' };
    if (status === 400 || status === 403) {
      const causes: string[] = (body.errorCauses ?? []).map(
        (cause: { errorSummary: string }) => cause.errorSummary,
      );
      return { kind: 'REFUSED', messages: causes.length > 0 ? causes : [String(body.errorSummary)] };
    }
    throw new IdentityUnavailableError(`change_password answered ${status}`);
  }

  private async post(path: string, body: object, headers: Record<string, string> = {}): Promise<OktaAnswer> {
    let response: Response;
    try {
      response = await fetch(`${this.identityUrl}${path}`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new IdentityUnavailableError(error instanceof Error ? error.name : 'network error');
    }
    const text = await response.text();
    let json: unknown = {};
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new IdentityUnavailableError(`answer ${response.status} is not JSON`);
    }
    return { status: response.status, body: json };
  }
}
