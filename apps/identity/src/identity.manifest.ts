import type { ServiceManifest } from '@lapse/shared';

export const identityManifest: ServiceManifest = {
  name: 'identity',
  migrations: [],
  publications: [],
  publishedTopics: [],
};
