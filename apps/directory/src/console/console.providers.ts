import { ConsoleBulkExpiryHttpController } from './bulk-expiry/console-bulk-expiry.http.controller';
import { ConsoleGate } from './console-gate';
import { ConsoleSetupService } from './console-setup.service';
import { ConsolePeopleHttpController } from './people/console-people.http.controller';
import { ConsoleSignInHttpController } from './sign-in/console-sign-in.http.controller';

/** The admin console's pages under `/admin/` (docs/console.md). */
// The bulk routes first: `people/expire-passwords` must not be read as a user id.
export const CONSOLE_CONTROLLERS = [
  ConsoleSignInHttpController,
  ConsoleBulkExpiryHttpController,
  ConsolePeopleHttpController,
];
export const CONSOLE_PROVIDERS = [ConsoleGate, ConsoleSetupService];
