import type { ServiceManifest } from '@lapse/shared';
import { IdentitySchema1700000004000 } from './database/migrations/1700000004000-identity-schema';

/** Identity publishes nothing; it consumes directory's topics (see credential-projection/). */
export const identityManifest: ServiceManifest = {
  name: 'identity',
  migrations: [IdentitySchema1700000004000],
  publications: [],
  publishedTopics: [],
};
