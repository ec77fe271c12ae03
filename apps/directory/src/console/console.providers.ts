import { ConsoleGate } from './console-gate';
import { ConsoleSetupService } from './console-setup.service';
import { ConsolePeopleHttpController } from './people/console-people.http.controller';
import { ConsoleSignInHttpController } from './sign-in/console-sign-in.http.controller';

/** The admin console's pages under `/admin/` (docs/console.md). */
export const CONSOLE_CONTROLLERS = [ConsoleSignInHttpController, ConsolePeopleHttpController];
export const CONSOLE_PROVIDERS = [ConsoleGate, ConsoleSetupService];
