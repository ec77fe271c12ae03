import 'reflect-metadata';
import { createLogger, EnvReader } from '@lapse/shared';
import { exitOnStartFailure, listen, stopOnSignals } from '@lapse/shared/nest/run-service';
import { startTracing } from '@lapse/shared/tracing/tracing';
import { createAllInOne } from './all-in-one';

/** `npm start`: all-in-one mode on embedded PostgreSQL. See README "Run modes". */
async function main(): Promise<void> {
  // Before the app is built: its HTTP layer installs the request spans only while tracing is on.
  const tracing = startTracing('lapse');
  const logger = createLogger('lapse');
  const lapse = await createAllInOne(new EnvReader(process.env, { collect: true }), logger);
  const { config } = lapse;
  stopOnSignals(async () => {
    await lapse.stop();
    await tracing.shutdown();
  }, logger);
  await listen(lapse.app, config, logger, [
    `  Admin API:   ${config.publicUrl}/api/v1/users   (Authorization: SSWS <admin token>)`,
    `  Sign-in API: ${config.publicUrl}/api/v1/authn`,
    `  Console:     ${config.publicUrl}/admin/`,
    `  Health:      ${config.publicUrl}/health/ready`,
    ...lapse.lines,
  ]);
}

main().catch(exitOnStartFailure('lapse'));
