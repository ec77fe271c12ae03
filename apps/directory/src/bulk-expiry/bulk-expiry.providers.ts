import type { Provider, Type } from '@nestjs/common';
import { BulkExpiryUploads } from './bulk-expiry-uploads';
import { BulkExpiryHttpController } from './bulk-expiry.http.controller';
import { BulkExpiryService } from './bulk-expiry.service';
import { BulkExpiryWorker } from './bulk-expiry.worker';

export const BULK_EXPIRY_CONTROLLERS: Type[] = [BulkExpiryHttpController];
export const BULK_EXPIRY_PROVIDERS: Provider[] = [BulkExpiryWorker, BulkExpiryService, BulkExpiryUploads];
