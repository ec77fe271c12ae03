import type { MigrationClass } from '@lapse/shared';
import { Directory1710000000000 } from './1710000000000-directory';
import { BulkJobSlices1710000000001 } from './1710000000001-bulk-job-slices';
import { BulkExpiryWithoutStateRewrite1710000000002 } from './1710000000002-bulk-expiry-without-state-rewrite';

export const DIRECTORY_MIGRATIONS: readonly MigrationClass[] = [
  Directory1710000000000,
  BulkJobSlices1710000000001,
  BulkExpiryWithoutStateRewrite1710000000002,
];
