import { type DynamicModule, Module } from '@nestjs/common';
import { BulkExpiryMetrics } from './bulk-expiry/bulk-expiry.metrics';
import { PG_POOL } from '@lapse/shared';
import { ADMIN_TOKEN_VERIFIER, AdminAuthGuard } from '@lapse/shared/http/admin-auth';
import { ServiceAuthGuard } from '@lapse/shared/http/service-auth';
import type { Pool } from 'pg';
import { DatabaseAdminTokenVerifier } from './admin-tokens/admin-token.verifier';
import {
  AdminTokenIntrospectionHttpController,
  AdminTokensHttpController,
} from './admin-tokens/admin-tokens.http.controller';
import { AdminRolesHttpController } from './admin-roles/admin-roles.http.controller';
import { AdminRolesService } from './admin-roles/admin-roles.service';
import { GroupInlineProjections } from './group/group.projections';
import { GroupsHttpController, UserGroupsHttpController } from './group/groups.http.controller';
import { PasswordAgeExemptionHandler } from './user/password-age-exemption/password-age-exemption.handler';
import { GroupsService } from './group/groups.service';
import { PoliciesHttpController, UserPasswordPolicyHttpController } from './policy/policies.http.controller';
import { PasswordPolicies } from './policy/password-policies.service';
import { commonPasswords } from './policy/common-passwords';
import { PasswordPolicyInlineProjections } from './policy/password-policies.projection';
import { AdminTokensService } from './admin-tokens/admin-tokens.service';
import { AuditLogHttpController } from './audit/audit-log.http.controller';
import { BULK_EXPIRY_CONTROLLERS, BULK_EXPIRY_PROVIDERS } from './bulk-expiry/bulk-expiry.providers';
import { CONSOLE_CONTROLLERS, CONSOLE_PROVIDERS } from './console/console.providers';
import { NOTIFIER_SEALER, NotifierSealer } from './credentials/notifier-sealer';
import { PASSWORD_HASHER, PasswordHasher } from './credentials/password-hasher';
import { RecordTempPasswordDeliveryOutcome } from './deliveries/record-temp-password-delivery-outcome.kafka-handler';
import { RecordSignIns } from './sign-ins/record-sign-ins.kafka-handler';
import { DIRECTORY_CONFIG, type DirectoryConfig } from './directory.config';
import {
  PasswordPolicyHttpController,
  PasswordPolicyInternalHttpController,
  PasswordPolicySetInternalHttpController,
} from './policy/password-policy.http.controller';
import { PasswordPolicyService } from './policy/password-policy.service';
import { COMMON_PASSWORDS, PasswordPolicyStore } from './policy/password-policy.store';
import { ChangePasswordHandler } from './user/change-password/change-password.handler';
import { CompleteRecoveryHandler } from './user/complete-recovery/complete-recovery.handler';
import { RequestRecoveryHandler } from './user/request-recovery/request-recovery.handler';
import { RequestRecoveryInternalHttpController } from './user/request-recovery/request-recovery.internal.http.controller';
import { CompleteRecoveryInternalHttpController } from './user/complete-recovery/complete-recovery.internal.http.controller';
import { ChangePasswordHttpController } from './user/change-password/change-password.http.controller';
import { ChangePasswordInternalHttpController } from './user/change-password/change-password.internal.http.controller';
import { CreateUserHttpController } from './user/create-user/create-user.http.controller';
import { ExpirePasswordHttpController } from './user/expire-password/expire-password.http.controller';
import { ExpirePasswordWithTempPasswordHttpController } from './user/expire-password-with-temp-password/expire-password-with-temp-password.http.controller';
import { IssueTemporaryPasswordHandler } from './user/expire-password-with-temp-password/issue-temporary-password.handler';
import { ImportUsersHttpController } from './user/import-users/import-users.http.controller';
import { GetUserHttpController } from './user/get-user/get-user.http.controller';
import { ExpirePasswordHandler } from './user/expire-password/expire-password.handler';
import { ResetPasswordHandler } from './user/reset-password/reset-password.handler';
import { LifecycleHandler } from './user/lifecycle/lifecycle.handler';
import { LifecycleHttpController } from './user/lifecycle/lifecycle.http.controller';
import { LockInternalHttpController } from './user/lifecycle/lock.internal.http.controller';
import { ListUsersHttpController } from './user/list-users/list-users.http.controller';
import { CredentialStateInternalHttpController } from './user/read-models/credential-state.internal.http.controller';
import { ResetPasswordHttpController } from './user/reset-password/reset-password.http.controller';
import { UnlockHttpController } from './user/unlock/unlock.http.controller';
import { UpdateUserHandler } from './user/update-user/update-user.handler';
import { UpdateUserHttpController } from './user/update-user/update-user.http.controller';
import { UserInlineProjections } from './user/read-models/user.inline-projections';
import { UserCommandService } from './user/user-commands.service';
import { PasswordAgeSweeper } from './user/expire-by-age/password-age.sweeper';
import { PasswordAgeExemptionHttpController } from './user/password-age-exemption/password-age-exemption.http.controller';

/** The directory service: users and credentials (event-sourced), policy, bulk expiry, admin tokens, audit log. */
@Module({})
export class DirectoryModule {
  static register(config: DirectoryConfig): DynamicModule {
    return {
      module: DirectoryModule,
      controllers: [
        // Bulk routes first: `users/lifecycle/expire_passwords` must not be read as a user id.
        ...BULK_EXPIRY_CONTROLLERS,
        ListUsersHttpController,
        ImportUsersHttpController,
        CreateUserHttpController,
        GetUserHttpController,
        UpdateUserHttpController,
        ExpirePasswordHttpController,
        ExpirePasswordWithTempPasswordHttpController,
        PasswordAgeExemptionHttpController,
        ResetPasswordHttpController,
        UnlockHttpController,
        LifecycleHttpController,
        ChangePasswordHttpController,
        ChangePasswordInternalHttpController,
        CompleteRecoveryInternalHttpController,
        RequestRecoveryInternalHttpController,
        LockInternalHttpController,
        CredentialStateInternalHttpController,
        PasswordPolicyHttpController,
        PasswordPolicyInternalHttpController,
        // After the alias `policies/password`, which must not be read as a policy id.
        PoliciesHttpController,
        UserPasswordPolicyHttpController,
        PasswordPolicySetInternalHttpController,
        AdminTokensHttpController,
        AdminTokenIntrospectionHttpController,
        AuditLogHttpController,
        AdminRolesHttpController,
        GroupsHttpController,
        UserGroupsHttpController,
        ...CONSOLE_CONTROLLERS,
      ],
      providers: [
        BulkExpiryMetrics,
        { provide: DIRECTORY_CONFIG, useValue: config },
        { provide: PASSWORD_HASHER, useValue: new PasswordHasher(config.passwordHash) },
        { provide: NOTIFIER_SEALER, useValue: new NotifierSealer(config.notifierJwksUrl) },
        {
          provide: ADMIN_TOKEN_VERIFIER,
          inject: [PG_POOL],
          useFactory: (pool: Pool) => new DatabaseAdminTokenVerifier(pool, config.adminApiToken),
        },
        AdminAuthGuard,
        ServiceAuthGuard,
        UserCommandService,
        AdminRolesService,
        AdminTokensService,
        ExpirePasswordHandler,
        LifecycleHandler,
        PasswordAgeExemptionHandler,
        ResetPasswordHandler,
        UserInlineProjections,
        PasswordPolicyStore,
        PasswordPolicyService,
        PasswordPolicies,
        {
          provide: COMMON_PASSWORDS,
          useFactory: (config: DirectoryConfig) => commonPasswords(config.commonPasswordListSize),
          inject: [DIRECTORY_CONFIG],
        },
        ChangePasswordHandler,
        UpdateUserHandler,
        CompleteRecoveryHandler,
        RequestRecoveryHandler,
        IssueTemporaryPasswordHandler,
        RecordTempPasswordDeliveryOutcome,
        RecordSignIns,
        PasswordAgeSweeper,
        GroupsService,
        GroupInlineProjections,
        PasswordPolicyInlineProjections,
        ...BULK_EXPIRY_PROVIDERS,
        ...CONSOLE_PROVIDERS,
      ],
      exports: [ADMIN_TOKEN_VERIFIER],
    };
  }
}
