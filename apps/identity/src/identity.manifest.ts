import { type ServiceManifest, TOPICS } from '@lapse/shared';
import { IdentitySchema1700000004000 } from './database/migrations/1700000004000-identity-schema';
import { RecoveryTransactions1700000004001 } from './database/migrations/1700000004001-recovery-transactions';
import { CredentialsRoomForUpdates1700000004100 } from './database/migrations/1700000004100-credentials-room-for-updates';
import { NormalizedLogin1700000004300 } from './database/migrations/1700000004300-normalized-login';
import { PasswordAgeExemption1700000004600 } from './database/migrations/1700000004600-password-age-exemption';
import { GroupScopedCutoffs1700000004744 } from './database/migrations/1700000004744-group-scoped-cutoffs';
import { UserScopedCutoffs1740000000101 } from './database/migrations/1740000000101-user-scoped-cutoffs';
import { identityPublication } from './identity.publication';

/**
 * Identity consumes directory's topics (see credential-projection/) and publishes its sign-in attempts and
 * admins' session clears (audit-trail/) for directory's System Log.
 */
export const identityManifest: ServiceManifest = {
  name: 'identity',
  migrations: [
    IdentitySchema1700000004000,
    RecoveryTransactions1700000004001,
    CredentialsRoomForUpdates1700000004100,
    NormalizedLogin1700000004300,
    PasswordAgeExemption1700000004600,
    GroupScopedCutoffs1700000004744,
    UserScopedCutoffs1740000000101,
  ],
  publications: [identityPublication],
  publishedTopics: [TOPICS.identitySessions],
};
