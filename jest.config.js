// Jest projects: unit (pure logic, no I/O), int (real PostgreSQL started by global setup),
// kafka (real Apache Kafka broker + PostgreSQL), browser (Debian's Chromium + PostgreSQL), faults (services as
// processes that are killed and frozen, with a broker of their own that is stopped and frozen; `npm run test:faults`).
// `scripts/test.sh` decides which run.
const swc = [
  '@swc/jest',
  {
    swcrc: false,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];
const common = {
  // jose v6 is ESM-only: let swc turn it into CommonJS for jest (Node itself loads it with require(esm)).
  transform: { '^.+\\.ts$': swc, '^.+/node_modules/jose/.+\\.js$': swc },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@lapse/shared$': '<rootDir>/libs/shared/src',
    '^@lapse/shared/(.*)$': '<rootDir>/libs/shared/src/$1',
  },
  testEnvironment: 'node',
  rootDir: __dirname,
};
module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      // test/deploy: docker-compose.yml and the Dockerfile, checked without a Docker engine.
      testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts', '<rootDir>/test/deploy/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'int',
      testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts', '<rootDir>/{apps,libs,test}/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/libs/shared/src/testing/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/libs/shared/src/testing/io-test-timeout.ts'],
      globalTeardown: '<rootDir>/libs/shared/src/testing/global-teardown.ts',
    },
    {
      ...common,
      displayName: 'kafka',
      // The drop-ins the Kafka transport puts in place of kafkajs modules (its installer edits Node's module
      // cache, which jest does not use).
      resolver: '<rootDir>/libs/shared/src/testing/kafkajs-drop-ins.resolver.js',
      testMatch: ['<rootDir>/{apps,libs,test}/**/*.kafka-spec.ts'],
      globalSetup: '<rootDir>/libs/shared/src/testing/global-setup-kafka.ts',
      setupFilesAfterEnv: [
        '<rootDir>/libs/shared/src/testing/io-test-timeout.ts',
        '<rootDir>/libs/shared/src/testing/kafka-suite-isolation.ts',
      ],
      globalTeardown: '<rootDir>/libs/shared/src/testing/global-teardown.ts',
    },
    {
      ...common,
      displayName: 'faults',
      resolver: '<rootDir>/libs/shared/src/testing/kafkajs-drop-ins.resolver.js',
      testMatch: ['<rootDir>/test/**/*.faults-spec.ts'],
      globalSetup: '<rootDir>/libs/shared/src/testing/global-setup-faults.ts',
      setupFilesAfterEnv: ['<rootDir>/libs/shared/src/testing/io-test-timeout.ts'],
      globalTeardown: '<rootDir>/libs/shared/src/testing/global-teardown.ts',
    },
    {
      ...common,
      displayName: 'browser',
      testMatch: ['<rootDir>/{apps,libs,test}/**/*.browser-spec.ts'],
      globalSetup: '<rootDir>/libs/shared/src/testing/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/libs/shared/src/testing/io-test-timeout.ts'],
      globalTeardown: '<rootDir>/libs/shared/src/testing/global-teardown.ts',
    },
  ],
};
