import type { EnvReader, Logger } from '@lapse/shared';
import {
  createMicroservice,
  type MicroserviceDefinition,
  runMicroservice,
} from '@lapse/shared/nest/run-microservice';
import { readNotifierConfig } from './notifier.config';
import { notifierManifest } from './notifier.manifest';
import { NotifierModule } from './notifier.module';

export const notifierService: MicroserviceDefinition = {
  manifest: notifierManifest,
  defaultPort: 8083,
  module: (env, base) => NotifierModule.register(readNotifierConfig(env, base)),
};

/** The notifier service as its own app (microservices mode), for benchmarks and end-to-end tests. */
export const createNotifierService = (env?: EnvReader, logger?: Logger) =>
  createMicroservice(notifierService, env, logger);

/** `npm run start:notifier`: the notifier service alone. See README "Run modes". */
if (require.main === module) runMicroservice(notifierService);
