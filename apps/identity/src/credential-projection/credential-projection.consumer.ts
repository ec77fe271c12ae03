import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DIRECTORY_EVENT_TYPES, MessagingService, ReadinessChecks } from '@lapse/shared';
import { ADMIN_TOKEN_VERIFIER } from '@lapse/shared/http/admin-auth';
import { forgetAdminTokenWhenDirectoryRevokes } from '../directory-client/forget-admin-token-when-directory-revokes.handler';
import { IntrospectionAdminTokenVerifier } from '../directory-client/introspection-admin-token.verifier';
import type { IdentityConfig } from '../identity.config';
import { IDENTITY_CONFIG } from '../identity.tokens';
import { revokeSessionsWhenDirectoryRevokes } from '../sessions/revoke-sessions-when-directory-revokes.handler';
import { CREDENTIAL_PROJECTION_CONSUMER, credentialProjectionHandlers } from './credential.projection';
import { PROJECTION_TOPICS, ProjectionLagMonitor } from './projection-lag.monitor';

/** Registers identity's one consumer of directory's topics, and its lag as a readiness check. */
@Injectable()
export class CredentialProjectionConsumer implements OnModuleInit {
  constructor(
    private readonly messaging: MessagingService,
    private readonly readiness: ReadinessChecks,
    private readonly lag: ProjectionLagMonitor,
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
    @Inject(ADMIN_TOKEN_VERIFIER) private readonly adminTokens: IntrospectionAdminTokenVerifier,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.messaging.consume({
      name: CREDENTIAL_PROJECTION_CONSUMER,
      topics: PROJECTION_TOPICS,
      handlers: {
        ...credentialProjectionHandlers(),
        [DIRECTORY_EVENT_TYPES.SessionsRevoked]: revokeSessionsWhenDirectoryRevokes,
        [DIRECTORY_EVENT_TYPES.AdminTokenRevoked]: forgetAdminTokenWhenDirectoryRevokes(this.adminTokens),
      },
    });
    this.readiness.add('credentialProjection', async () => {
      // While the broker is unanswered the lag is unknown: say so rather than wait for a measurement.
      if (this.lag.sourceUnreachable()) return { ready: false, details: { source: 'unreachable' } };
      const lag = this.lag.current() ?? (await this.lag.measure());
      return {
        ready: lag.seconds * 1000 <= this.config.projectionReadyMaxLagMs,
        details: { lagEvents: lag.events, lagSeconds: lag.seconds },
      };
    });
  }
}
