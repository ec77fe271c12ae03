import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import type { Request, Response } from 'express';

/** The security scheme of the admin API: `Authorization: SSWS <token>` (Okta's API token scheme). */
export const ADMIN_API_SECURITY = 'SSWS';
/** The security scheme of the routes a signed-in browser calls: the `sid` session cookie. */
export const SESSION_COOKIE_SECURITY = 'sid';

export const OPENAPI_PATH = '/openapi.json';

/**
 * Paths left out of the public document: service-to-service routes (`/internal/`, their own credential),
 * the Prometheus scrape, and the server-rendered HTML pages (hosted sign-in, reset and reveal pages, the admin
 * console), which are forms for browsers, not an API.
 */
const UNPUBLISHED = [
  /^\/internal\//,
  /^\/metrics$/,
  /^\/admin(\/|$)/,
  /^\/signin(\/|$)/,
  /^\/reset_password\//,
  /^\/notifier\//,
];

/** Okta's error envelope, the body of every 4xx and 5xx answer (libs/shared/src/http/okta-error.ts). */
const OKTA_ERROR_SCHEMA = {
  type: 'object',
  required: ['errorCode', 'errorSummary', 'errorLink', 'errorId', 'errorCauses'],
  properties: {
    errorCode: { type: 'string', examples: ['E0000007'] },
    errorSummary: { type: 'string', examples: ['Not found: Resource not found'] },
    errorLink: { type: 'string' },
    errorId: { type: 'string' },
    errorCauses: {
      type: 'array',
      items: {
        type: 'object',
        required: ['errorSummary'],
        properties: { errorSummary: { type: 'string' } },
      },
    },
  },
} as const;

type Operation = { responses?: Record<string, unknown>; security?: unknown[] };

/**
 * The OpenAPI 3.1 document of the routes `app` serves, read by `@nestjs/swagger` from the controllers and
 * their decorators. Every operation answers errors in Okta's envelope (`4XX`, `5XX`); operations marked with
 * `@ApiSecurity(ADMIN_API_SECURITY)` need an admin token. Deterministic: no server URL, no timestamps, so the
 * published copy (docs/openapi.json) can be compared with it.
 */
export function buildOpenApiDocument(app: INestApplication, title: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle(title)
    .setDescription(
      "Lapse speaks Okta's public Users, Authentication and Sessions APIs. Errors use Okta's envelope.",
    )
    .setVersion('1')
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'Authorization',
        description: 'An admin API token: `Authorization: SSWS <token>`.',
      },
      ADMIN_API_SECURITY,
    )
    .addCookieAuth(
      SESSION_COOKIE_SECURITY,
      { type: 'apiKey', in: 'cookie', name: 'sid' },
      SESSION_COOKIE_SECURITY,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller.replace(/HttpController$/, '')}_${method}`,
  });
  const paths: OpenAPIObject['paths'] = {};
  for (const path of Object.keys(document.paths).sort()) {
    if (UNPUBLISHED.some((pattern) => pattern.test(path))) continue;
    const item = document.paths[path] as Record<string, Operation>;
    for (const operation of Object.values(item)) {
      operation.responses = {
        ...operation.responses,
        '4XX': errorResponse("A refusal in Okta's error envelope."),
        '5XX': errorResponse("A failure in Okta's error envelope."),
      };
    }
    paths[path] = item;
  }
  document.paths = paths;
  const validatorSchemas = requestBodySchemas() as Record<string, never>;
  const schemas = { ...validatorSchemas, ...document.components?.schemas };
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
    // A DTO without @ApiProperty decorators: its class-validator rules describe it.
    const properties = (schema as { properties?: object }).properties ?? {};
    if (Object.keys(properties).length === 0 && validatorSchemas[name])
      schemas[name] = validatorSchemas[name];
  }
  document.components = {
    ...document.components,
    schemas: { ...usedSchemas(paths, schemas), OktaError: OKTA_ERROR_SCHEMA as never },
  };
  return document;
}

/**
 * JSON schemas of the request DTOs from their class-validator decorators (nested DTOs through
 * class-transformer's `@Type`), so the rules are written once, where the validation pipe reads them. Unknown
 * properties are refused (the pipe's `forbidNonWhitelisted`). Rules of custom validators (ISO instants,
 * argon2id hashes) are not expressed; the type is.
 */
function requestBodySchemas() {
  return validationMetadatasToSchemas({
    refPointerPrefix: '#/components/schemas/',
    classTransformerMetadataStorage: defaultMetadataStorage,
    forbidNonWhitelisted: true,
  });
}

/** The component schemas the published paths refer to, directly or through other schemas. */
function usedSchemas<T>(paths: object, schemas: Record<string, T>): Record<string, T> {
  const used = new Set<string>();
  const visit = (value: unknown) => {
    for (const [, name] of JSON.stringify(value).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      if (used.has(name) || !(name in schemas)) continue;
      used.add(name);
      visit(schemas[name]);
    }
  };
  visit(paths);
  return Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)));
}

function errorResponse(description: string) {
  return {
    description,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/OktaError' } } },
  };
}

/** Serves the document at `/openapi.json`, built once when first asked (after every route is registered). */
export function serveOpenApiDocument(app: INestApplication, title: string): void {
  let body: string | undefined;
  app.getHttpAdapter().get(OPENAPI_PATH, (_request: Request, response: Response) => {
    body ??= JSON.stringify(buildOpenApiDocument(app, title), null, 2);
    response.setHeader('Content-Type', 'application/json; charset=utf-8');
    response.send(body);
  });
}
