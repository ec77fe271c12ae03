import { type DynamicModule, Module } from '@nestjs/common';
import { ADMIN_TOKEN_VERIFIER, AdminAuthGuard } from '@lapse/shared/http/admin-auth';
import { ServiceAuthGuard } from '@lapse/shared/http/service-auth';
import { ChangeOwnPasswordHttpController } from './change-own-password/change-own-password.http.controller';
import { ChangeOwnPasswordService } from './change-own-password/change-own-password.service';
import { HostedSignInHttpController } from './hosted-sign-in/hosted-sign-in.http.controller';
import { PageForms } from './hosted-sign-in/page-forms';
import { IdentityAuditTrail } from './audit-trail/identity-audit-trail';
import { CredentialProjectionConsumer } from './credential-projection/credential-projection.consumer';
import { ProjectionLagMonitor } from './credential-projection/projection-lag.monitor';
import { CredentialConfirmations } from './directory-client/credential-confirmations';
import { DirectoryClient } from './directory-client/directory.client';
import { IntrospectionAdminTokenVerifier } from './directory-client/introspection-admin-token.verifier';
import type { IdentityConfig } from './identity.config';
import { IDENTITY_CONFIG } from './identity.tokens';
import { IdentityMetrics } from './metrics/identity.metrics';
import { RecoveryHttpController } from './recovery/recovery.http.controller';
import { ResetPasswordPageHttpController } from './recovery/reset-password-page.http.controller';
import { RecoveryRateLimiter } from './recovery/recovery-rate-limit';
import { RecoveryService } from './recovery/recovery.service';
import {
  InternalSessionsHttpController,
  SessionsHttpController,
  UserSessionsHttpController,
} from './sessions/sessions.http.controller';
import { SameOriginGuard } from './sessions/same-origin.guard';
import { SessionsService } from './sessions/sessions.service';
import { AuthnHttpController } from './sign-in/authn.http.controller';
import { AuthnService } from './sign-in/authn.service';
import { CredentialGate } from './sign-in/credential-gate.service';
import { PasswordHashHints } from './sign-in/password-hash-hints';
import { PasswordPolicyCache } from './sign-in/password-policy.cache';
import { PasswordVerifier } from './sign-in/password-verifier';
import { AuthnRateLimiter } from './sign-in/per-username-rate-limit';

/** Identity: sign-in, sessions, and the credential-state projection that gates them on password expiry. */
@Module({})
export class IdentityModule {
  static register(config: IdentityConfig): DynamicModule {
    return {
      module: IdentityModule,
      controllers: [
        AuthnHttpController,
        SessionsHttpController,
        UserSessionsHttpController,
        InternalSessionsHttpController,
        RecoveryHttpController,
        ResetPasswordPageHttpController,
        HostedSignInHttpController,
        ChangeOwnPasswordHttpController,
      ],
      providers: [
        { provide: IDENTITY_CONFIG, useValue: config },
        {
          provide: AuthnRateLimiter,
          inject: [IdentityMetrics],
          useFactory: (metrics: IdentityMetrics) =>
            new AuthnRateLimiter(
              {
                perUsernamePerSecond: config.authnRequestsPerSecond,
                perClientPerMinute: config.authnRequestsPerClientPerMinute,
                globalPerMinute: config.authnRequestsGlobalPerMinute,
                maxQueueMs: config.signInMaxQueueMs,
              },
              () => metrics.count('lapse_identity_sign_ins_shed_total', { reason: 'QUEUE_TIME' }),
            ),
        },
        {
          provide: RecoveryRateLimiter,
          useFactory: () =>
            new RecoveryRateLimiter({
              perUserPerHour: config.recoveryRequestsPerUserPerHour,
              perClientPerHour: config.recoveryRequestsPerClientPerHour,
            }),
        },
        { provide: ADMIN_TOKEN_VERIFIER, useClass: IntrospectionAdminTokenVerifier },
        AdminAuthGuard,
        ServiceAuthGuard,
        SameOriginGuard,
        DirectoryClient,
        CredentialConfirmations,
        IdentityMetrics,
        IdentityAuditTrail,
        ProjectionLagMonitor,
        CredentialProjectionConsumer,
        PasswordVerifier,
        PasswordPolicyCache,
        PasswordHashHints,
        CredentialGate,
        AuthnService,
        SessionsService,
        RecoveryService,
        PageForms,
        ChangeOwnPasswordService,
      ],
    };
  }
}
