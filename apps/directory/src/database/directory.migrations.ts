import type { MigrationClass } from '@lapse/shared';
import { Directory1710000000000 } from './1710000000000-directory';
import { BulkJobSlices1710000000001 } from './1710000000001-bulk-job-slices';
import { RecoveryLinkIndex1710000000002 } from './1710000000002-recovery-link-index';
import { BulkExpiryWithoutStateRewrite1710000000003 } from './1710000000003-bulk-expiry-without-state-rewrite';
import { BulkExpiredSideTable1710000000004 } from './1710000000004-bulk-expired-side-table';
import { NormalizedLogin1710000000005 } from './1710000000005-normalized-login';
import { SignInAudit1710000000010 } from './1710000000010-sign-in-audit';
import { PendingRecoveryLinkIndex1710000000210 } from './1710000000210-pending-recovery-link-index';
import { PasswordAgeIndex1710000000310 } from './1710000000310-password-age-index';
import { AdminRoles1720000000100 } from './1720000000100-admin-roles';
import { JobCounts1730000000400 } from './1730000000400-job-counts';
import { Groups1730000000401 } from './1730000000401-groups';
import { BulkJobGroupScope1730000000402 } from './1730000000402-bulk-job-group-scope';
import { BulkJobUserScope1740000000101 } from './1740000000101-bulk-job-user-scope';
import { BulkJobWaves1740000000102 } from './1740000000102-bulk-job-waves';
import { GroupPasswordPolicies1740000000201 } from './1740000000201-group-password-policies';
import { BulkExpiryUploads1740000000401 } from './1740000000401-bulk-expiry-uploads';
import { ConsoleSetupCodes1750000000101 } from './1750000000101-console-setup-codes';

export const DIRECTORY_MIGRATIONS: readonly MigrationClass[] = [
  Directory1710000000000,
  BulkJobSlices1710000000001,
  RecoveryLinkIndex1710000000002,
  BulkExpiryWithoutStateRewrite1710000000003,
  BulkExpiredSideTable1710000000004,
  NormalizedLogin1710000000005,
  SignInAudit1710000000010,
  PendingRecoveryLinkIndex1710000000210,
  PasswordAgeIndex1710000000310,
  AdminRoles1720000000100,
  JobCounts1730000000400,
  Groups1730000000401,
  BulkJobGroupScope1730000000402,
  BulkJobUserScope1740000000101,
  BulkJobWaves1740000000102,
  GroupPasswordPolicies1740000000201,
  BulkExpiryUploads1740000000401,
  ConsoleSetupCodes1750000000101,
];
