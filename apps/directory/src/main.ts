import type { EnvReader, Logger } from '@lapse/shared';
import {
  createMicroservice,
  type MicroserviceDefinition,
  runMicroservice,
} from '@lapse/shared/nest/run-microservice';
import { readDirectoryConfig } from './directory.config';
import { directoryManifest } from './directory.manifest';
import { DirectoryModule } from './directory.module';

export const directoryService: MicroserviceDefinition = {
  manifest: directoryManifest,
  defaultPort: 8081,
  module: (env, base) => DirectoryModule.register(readDirectoryConfig(env, base)),
};

/** The directory service as its own app (microservices mode), for benchmarks and end-to-end tests. */
export const createDirectoryService = (env?: EnvReader, logger?: Logger) =>
  createMicroservice(directoryService, env, logger);

/** `npm run start:directory`: the directory service alone. See README "Run modes". */
if (require.main === module) runMicroservice(directoryService);
