import {
  APP_SERVICES,
  appOf,
  type ComposeDocument,
  composeSchemaValidator,
  dockerfileEnv,
  dockerfileInstructions,
  loadCompose,
  nodeCommandOfScript,
  READ_OUTSIDE_CONFIG,
  readRepoFile,
  serviceEnvironment,
  unknownVariables,
  variablesReadBy,
} from './compose-file';

/**
 * docker-compose.yml, the Dockerfile and .dockerignore, checked without a Docker engine: the file is valid
 * Compose, every variable it gives an app is one that app reads (and accepts), and the containers start the
 * processes the test suites run (package.json's start scripts). README "Docker Compose" has the commands.
 */

/** What a person puts in `.env` (the README's example); tokens of at least 32 characters. */
const REQUIRED = {
  ADMIN_API_TOKEN: 'a'.repeat(40),
  SERVICE_API_TOKEN: 's'.repeat(40),
  DIRECTORY_DB_PASSWORD: 'directory0db0password',
  IDENTITY_DB_PASSWORD: 'identity0db0password',
  NOTIFIER_DB_PASSWORD: 'notifier0db0password',
};

const composeText = readRepoFile('docker-compose.yml');
const dockerfile = readRepoFile('Dockerfile');
const scripts: Record<string, string> = JSON.parse(readRepoFile('package.json')).scripts;
const compose = (variables: Record<string, string> = REQUIRED): ComposeDocument =>
  loadCompose(composeText, variables);

describe('docker-compose.yml', () => {
  describe('against the Compose specification', () => {
    const validate = composeSchemaValidator();

    it('is a valid Compose file', () => {
      const valid = validate(compose());
      expect(validate.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
    });

    it('refuses a file with a misspelt healthcheck key or an unknown depends_on condition', () => {
      const broken = compose();
      broken.services.gateway.depends_on = { directory: { condition: 'service_ready' } };
      broken.services.kafka.healthcheck = { test: ['CMD', 'true'], intervall: '5s' } as never;
      expect(validate(broken)).toBe(false);
      const paths = (validate.errors ?? []).map((error) => error.instancePath);
      expect(paths).toEqual(
        expect.arrayContaining([
          '/services/gateway/depends_on/directory/condition',
          '/services/kafka/healthcheck',
        ]),
      );
    });

    it('stops without each required secret, naming it', () => {
      for (const name of Object.keys(REQUIRED)) {
        const { [name as keyof typeof REQUIRED]: _, ...rest } = REQUIRED;
        expect(() => compose(rest)).toThrow(new RegExp(`required variable ${name} is missing`));
      }
    });

    it('keeps no password of its own: each database and its service share the required variable', () => {
      const file = compose();
      for (const app of APP_SERVICES) {
        const password = REQUIRED[`${app.toUpperCase()}_DB_PASSWORD` as keyof typeof REQUIRED];
        expect(serviceEnvironment(file.services[`${app}-db`]).POSTGRES_PASSWORD).toBe(password);
        const url = new URL(serviceEnvironment(file.services[app]).DATABASE_URL);
        expect([url.host, url.pathname, url.password]).toEqual([`${app}-db:5432`, `/${app}`, password]);
      }
    });
  });

  describe('start order and restarts', () => {
    const file = compose();

    it('gives every service a healthcheck and a restart policy', () => {
      for (const [name, service] of Object.entries(file.services)) {
        expect([name, service.healthcheck?.test]).toEqual([name, expect.anything()]);
        expect([name, service.restart]).toEqual([name, 'unless-stopped']);
      }
    });

    it('starts a service only once what it depends on is healthy', () => {
      for (const [name, service] of Object.entries(file.services)) {
        expect([name, Array.isArray(service.depends_on)]).toEqual([name, false]);
        const dependsOn = (service.depends_on ?? {}) as Record<string, { condition: string }>;
        for (const [dependency, { condition }] of Object.entries(dependsOn)) {
          expect([name, dependency, condition]).toEqual([name, dependency, 'service_healthy']);
          expect(file.services[dependency]).toBeDefined();
        }
      }
      expect(Object.keys(file.services.gateway.depends_on ?? {}).sort()).toEqual([...APP_SERVICES].sort());
    });
  });

  describe('the apps', () => {
    const file = compose();
    const apps = Object.entries(file.services).filter(([, service]) => appOf(service) !== undefined);

    it('runs each app once, from the image this repository builds', () => {
      expect(apps.map(([, service]) => appOf(service)).sort()).toEqual([...APP_SERVICES].sort());
      for (const [, service] of apps) expect([service.build, service.image]).toEqual(['.', 'lapse:local']);
    });

    it('sets only variables the app reads, with values its config readers accept', () => {
      for (const [name, service] of apps) {
        const app = appOf(service) as (typeof APP_SERVICES)[number];
        expect([name, unknownVariables(app, serviceEnvironment(service))]).toEqual([name, []]);
      }
    });

    it('reports a variable no config reader knows', () => {
      const environment = { ...serviceEnvironment(file.services.notifier), SMTP_REQUIRE_TSL: 'false' };
      expect(unknownVariables('notifier', environment)).toEqual(['SMTP_REQUIRE_TSL']);
    });

    it('lists only variables whose reader still reads them outside the config readers', () => {
      for (const [name, path] of Object.entries(READ_OUTSIDE_CONFIG)) {
        expect(readRepoFile(path)).toContain(`process.env.${name}`);
      }
    });

    it('listens on every interface of the container, not its loopback', () => {
      for (const [name, service] of apps) {
        expect([name, serviceEnvironment(service).HOST]).toEqual([name, '0.0.0.0']);
      }
      expect(dockerfileEnv(dockerfile).HOST).toBe('0.0.0.0');
    });

    it('starts each app with the entry point and V8 flags of its package.json start script', () => {
      for (const heap of [{}, { SERVICE_HEAP_MB: '256' }] as Record<string, string>[]) {
        const file = compose({ ...REQUIRED, ...heap });
        for (const app of APP_SERVICES) {
          const script = scripts[`start:${app}`];
          expect([app, file.services[app].command]).toEqual([app, nodeCommandOfScript(script, heap)]);
        }
      }
    });

    it('tells a command that differs from the start script apart', () => {
      const command = compose().services.identity.command?.filter(
        (part) => part !== '--max-semi-space-size=32',
      );
      expect(command).not.toEqual(nodeCommandOfScript(scripts['start:identity'], {}));
    });
  });

  describe('the notifier mail and keys', () => {
    const file = compose();

    it('sends mail to the development relay, which offers no STARTTLS', () => {
      const environment = serviceEnvironment(file.services.notifier);
      expect(environment.SMTP_URL).toBe('smtp://mail:1025');
      expect(environment.SMTP_REQUIRE_TLS).toBe('false');
      expect(file.services.mail.image).toMatch(/^maildev\/maildev:/);
    });

    it('requires STARTTLS again when a real relay is configured', () => {
      const relay = compose({ ...REQUIRED, SMTP_URL: 'smtp://relay.example:587', SMTP_REQUIRE_TLS: 'true' });
      const environment = serviceEnvironment(relay.services.notifier);
      expect([environment.SMTP_URL, environment.SMTP_REQUIRE_TLS]).toEqual([
        'smtp://relay.example:587',
        'true',
      ]);
    });

    it('keeps its keys on a volume mounted at its DATA_DIR, which the image creates for the node user', () => {
      const dataDir = serviceEnvironment(file.services.notifier).DATA_DIR;
      expect(file.services.notifier.volumes).toContain(`notifier-keys:${dataDir}`);
      expect(dockerfileEnv(dockerfile).DATA_DIR).toBe(dataDir);
      expect(dockerfileInstructions(dockerfile, 'RUN')).toContainEqual(
        expect.stringContaining(`chown node:node ${dataDir}`),
      );
      expect(dockerfileInstructions(dockerfile, 'USER')).toEqual(['node']);
    });
  });

  describe('Kafka', () => {
    it('advertises to the host the port it publishes there, next to the internal listener', () => {
      for (const port of ['29092', '39092']) {
        const kafka = compose({ ...REQUIRED, KAFKA_HOST_PORT: port }).services.kafka;
        const advertised = serviceEnvironment(kafka).KAFKA_ADVERTISED_LISTENERS.split(',');
        expect(advertised).toEqual(['INTERNAL://kafka:9092', `EXTERNAL://127.0.0.1:${port}`]);
        const external = serviceEnvironment(kafka)
          .KAFKA_LISTENERS.split(',')
          .find((listener) => listener.startsWith('EXTERNAL://'));
        expect(kafka.ports).toEqual([`127.0.0.1:${port}:${external?.split(':').pop()}`]);
      }
    });

    it('runs the broker version KAFKA_VERSION names, 3.9.1 by default (as scripts/kafka/kafka.sh)', () => {
      expect(compose().services.kafka.image).toBe('apache/kafka:3.9.1');
      expect(compose({ ...REQUIRED, KAFKA_VERSION: '4.1.0' }).services.kafka.image).toBe(
        'apache/kafka:4.1.0',
      );
      expect(readRepoFile('scripts/kafka/kafka.sh')).toMatch(
        /^KAFKA_VERSION="\$\{KAFKA_VERSION:-3\.9\.1\}"$/m,
      );
    });
  });
});

describe('the image', () => {
  it('starts all-in-one as npm start does', () => {
    const [cmd] = dockerfileInstructions(dockerfile, 'CMD');
    expect(JSON.parse(cmd)).toEqual(nodeCommandOfScript(scripts.start, {}));
  });

  it('sets only variables the apps read', () => {
    for (const name of Object.keys(dockerfileEnv(dockerfile))) {
      const readers = APP_SERVICES.filter((app) => variablesReadBy(app, composeEnvironment(app)).has(name));
      expect([name, readers]).toEqual([name, [...APP_SERVICES]]);
    }
  });

  it('leaves the host’s installs, builds, data and secrets out of the build context', () => {
    const ignored = readRepoFile('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect(ignored).toEqual(
      expect.arrayContaining(['.git', 'node_modules', 'dist', '.data', '.stack', 'bench-results', '.env']),
    );
  });
});

/** The environment compose gives an app: enough for its config readers to run. */
function composeEnvironment(app: (typeof APP_SERVICES)[number]): Record<string, string> {
  return serviceEnvironment(compose().services[app]);
}
