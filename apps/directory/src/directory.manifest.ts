import type { ServiceManifest } from '@lapse/shared';

export const directoryManifest: ServiceManifest = {
  name: 'directory',
  migrations: [],
  publications: [],
  publishedTopics: [],
};
