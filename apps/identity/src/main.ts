import type { EnvReader, Logger } from '@lapse/shared';
import {
  createMicroservice,
  type MicroserviceDefinition,
  runMicroservice,
} from '@lapse/shared/nest/run-microservice';
import { readIdentityConfig } from './identity.config';
import { identityManifest } from './identity.manifest';
import { IdentityModule } from './identity.module';

export const identityService: MicroserviceDefinition = {
  manifest: identityManifest,
  defaultPort: 8082,
  module: (env, base) => IdentityModule.register(readIdentityConfig(env, base)),
};

/** The identity service as its own app (microservices mode), for benchmarks and end-to-end tests. */
export const createIdentityService = (env?: EnvReader, logger?: Logger) =>
  createMicroservice(identityService, env, logger);

/**
 * `npm run start:identity`: identity alone — its own database, directory's topics from Kafka
 * (`TRANSPORT=kafka`, `KAFKA_BROKERS`), directory's internal API at `DIRECTORY_URL` with `SERVICE_API_TOKEN`.
 */
if (require.main === module) runMicroservice(identityService);
