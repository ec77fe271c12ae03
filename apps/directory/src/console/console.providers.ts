import { ConsoleApiTokensHttpController } from './api-tokens/console-api-tokens.http.controller';
import { ConsoleBulkExpiryHttpController } from './bulk-expiry/console-bulk-expiry.http.controller';
import { ConsoleGate } from './console-gate';
import { ConsoleSetupService } from './console-setup.service';
import { ConsolePeopleHttpController } from './people/console-people.http.controller';
import { ConsolePolicyHttpController } from './policy/console-policy.http.controller';
import { ConsoleSignInHttpController } from './sign-in/console-sign-in.http.controller';
import { ConsoleSystemLogHttpController } from './system-log/console-system-log.http.controller';

/** The admin console's pages under `/admin/` (docs/console.md). */
// The bulk routes first: `people/expire-passwords` must not be read as a user id.
export const CONSOLE_CONTROLLERS = [
  ConsoleSignInHttpController,
  ConsoleBulkExpiryHttpController,
  ConsolePeopleHttpController,
  ConsolePolicyHttpController,
  ConsoleSystemLogHttpController,
  ConsoleApiTokensHttpController,
];
export const CONSOLE_PROVIDERS = [ConsoleGate, ConsoleSetupService];
