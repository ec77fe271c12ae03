import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { EnvReader, silentLogger } from '@lapse/shared';
import { createDatabase } from '@lapse/shared/database/create-database';
import { freePort } from '@lapse/shared/database/free-port';
import { startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { createDirectoryService } from '../apps/directory/src/main';
import { createIdentityService } from '../apps/identity/src/main';
import { createNotifierService } from '../apps/notifier/src/main';

const PUBLISHED = join(__dirname, '..', 'docs', 'openapi.json');
const VALIDATOR = require.resolve('@seriousme/openapi-schema-validator/bin/validate-api-cli.js');

/**
 * The OpenAPI document the all-in-one app serves at /openapi.json: valid OpenAPI 3.1 (checked by
 * @seriousme/openapi-schema-validator, which is ESM-only and so runs in its own node process), the public API
 * only, and the same as the published docs/openapi.json. After a change to the routes, regenerate that file
 * with `UPDATE_OPENAPI=1 npx jest --selectProjects int -- test/openapi.e2e-spec.ts`.
 */
describe('the OpenAPI document', () => {
  let lapse: TestApp;
  let served: string;
  // biome-ignore lint/suspicious/noExplicitAny: the document is read as JSON
  let document: any;

  beforeAll(async () => {
    lapse = await startTestApp();
    const response = await fetch(`${lapse.url}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    served = `${await response.text()}\n`;
    document = JSON.parse(served);
    if (process.env.UPDATE_OPENAPI === '1') await writeFile(PUBLISHED, served);
  });
  afterAll(() => lapse?.close());

  it('is valid OpenAPI 3.1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lapse-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      await writeFile(file, served);
      const result = await promisify(execFile)(process.execPath, [VALIDATOR, file]).catch(
        (error: { stdout: string }) => ({ stdout: error.stdout }),
      );
      expect(JSON.parse(result.stdout)).toEqual({ valid: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(document.openapi).toBe('3.1.0');
  });

  it('describes the admin, sign-in and session APIs, and no internal route or HTML page', () => {
    const paths = Object.keys(document.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/v1/users',
        '/api/v1/users/{idOrLogin}',
        '/api/v1/authn',
        '/api/v1/sessions/me',
        '/api/v1/notifier/jwks',
      ]),
    );
    expect(
      paths.filter((path) => /^\/(internal|admin|signin|reset_password|notifier|metrics)\b/.test(path)),
    ).toEqual([]);
  });

  it("answers every error in Okta's envelope, and asks for an admin token on the admin API", () => {
    expect(document.components.schemas.OktaError.required).toEqual([
      'errorCode',
      'errorSummary',
      'errorLink',
      'errorId',
      'errorCauses',
    ]);
    const operations = Object.values(document.paths).flatMap((item) => Object.values(item as object));
    for (const operation of operations) {
      expect(operation.responses['4XX'].content['application/json'].schema).toEqual({
        $ref: '#/components/schemas/OktaError',
      });
    }
    expect(document.components.securitySchemes.SSWS).toMatchObject({ in: 'header', name: 'Authorization' });
    expect(document.paths['/api/v1/users'].get.security).toEqual([{ SSWS: [] }]);
    expect(document.paths['/api/v1/authn'].post.security).toBeUndefined();
    expect(document.paths['/api/v1/sessions/me'].get.security).toEqual([{ sid: [] }]);
  });

  it('declares the SSWS scheme on every operation that refuses a call without an admin token', async () => {
    const undeclared: string[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item as Record<string, { security?: unknown }>)) {
        const concrete = path.replace(/\{\w+\}/g, '00unosuchid00000000');
        const answer = await lapse.request(method.toUpperCase(), concrete, method === 'get' ? undefined : {});
        const needsAdmin = answer.status === 401 && answer.body.errorCode === 'E0000011';
        const declared = JSON.stringify(operation.security ?? []).includes('"SSWS"');
        if (needsAdmin !== declared) undeclared.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(undeclared).toEqual([]);
  });

  it('is the published docs/openapi.json (regenerate it with UPDATE_OPENAPI=1)', async () => {
    expect(JSON.parse(await readFile(PUBLISHED, 'utf8'))).toEqual(document);
  });

  it('is served by the app itself without a credential, and its errors are real', async () => {
    const missing = await lapse.request('GET', '/api/v1/users');
    expect(missing.status).toBe(401);
    expect(Object.keys(missing.body).sort()).toEqual(
      Object.keys(document.components.schemas.OktaError.properties).sort(),
    );
  });

  it("is, in each service alone, that service's part of the merged document", async () => {
    const adminUrl = process.env.LAPSE_TEST_ADMIN_URL as string;
    const owners: Record<string, string> = {};
    for (const [name, create] of [
      ['directory', createDirectoryService],
      ['identity', createIdentityService],
      ['notifier', createNotifierService],
    ] as const) {
      const database = `openapi_${name}_${randomBytes(4).toString('hex')}`;
      await createDatabase(adminUrl, database);
      const port = await freePort();
      const env = new EnvReader({
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        TRANSPORT: 'embedded',
        DATABASE_URL: Object.assign(new URL(adminUrl), { pathname: `/${database}` }).toString(),
        SERVICE_API_TOKEN: randomBytes(24).toString('hex'),
        ADMIN_API_TOKEN: lapse.adminToken,
        DATA_DIR: `/tmp/lapse-test-data/${database}`,
      });
      const service = await create(env, silentLogger);
      try {
        await service.app.listen(port, '127.0.0.1');
        const own = (await (await fetch(`http://127.0.0.1:${port}/openapi.json`)).json()) as {
          info: { title: string };
          paths: Record<string, object>;
        };
        expect(own.info.title).toBe(`Lapse ${name}`);
        for (const [path, item] of Object.entries(own.paths))
          for (const method of Object.keys(item as object)) {
            const operation = `${method} ${path}`;
            if (path.startsWith('/health/')) continue; // every service has its own probes
            expect({ operation, owner: owners[operation] }).toEqual({ operation, owner: undefined });
            owners[operation] = name;
            expect(document.paths[path]?.[method]).toEqual((item as Record<string, unknown>)[method]);
          }
      } finally {
        await service.stop();
      }
    }
    const merged = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item as object).map((method) => `${method} ${path}`),
    );
    expect(merged.filter((operation) => !operation.includes(' /health/') && !owners[operation])).toEqual([]);
  });
});
