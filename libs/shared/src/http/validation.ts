import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { ValidationFailedError } from '../errors';

function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith('property ')
        ? `${path}: ${message.replace(/^property \S+ /, 'property ')}`
        : `${path}: ${message}`,
    );
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

/**
 * A request DTO on a hot route (sign-in) may declare `static accepts(body: unknown): boolean`, a plain check
 * of its commonest valid shape, so those bodies skip class-validator's per-request metadata walk. It must
 * accept only bodies class-validator accepts too (each DTO's spec checks it against class-validator);
 * whatever it does not accept is validated in full, so every error stays the same.
 */
interface AcceptsPlainly {
  accepts(body: unknown): boolean;
  new (): object;
}

/**
 * True when `body` is a plain object with exactly these fields, each a non-empty string no longer than its
 * limit (in UTF-16 units, never more lenient than class-validator's `MaxLength`).
 */
export function hasOnlyStrings(body: unknown, limits: Readonly<Record<string, number>>): boolean {
  if (typeof body !== 'object' || body === null || Object.getPrototypeOf(body) !== Object.prototype)
    return false;
  const keys = Object.keys(body);
  if (keys.length !== Object.keys(limits).length) return false;
  for (const key of keys) {
    const value = (body as Record<string, unknown>)[key];
    const limit = Object.hasOwn(limits, key) ? limits[key] : 0;
    if (typeof value !== 'string' || value.length === 0 || value.length > limit) return false;
  }
  return true;
}

class OktaValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const type = metadata.metatype as Partial<AcceptsPlainly> | undefined;
    if (metadata.type === 'body' && typeof type?.accepts === 'function' && type.accepts(value))
      return Object.assign(new (type as AcceptsPlainly)(), value);
    return super.transform(value, metadata);
  }
}

/** Validate only at the edge: unknown fields are refused, causes name the fields, values never echoed. */
export const OKTA_VALIDATION: ConstructorParameters<typeof ValidationPipe>[0] = {
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  validationError: { target: false, value: false },
  exceptionFactory: (errors) => new ValidationFailedError(flatten(errors)),
};

export function oktaValidationPipe(): ValidationPipe {
  memoizeValidationMetadata();
  return new OktaValidationPipe(OKTA_VALIDATION);
}

type MetadataLookup = (
  target: abstract new (...args: never[]) => unknown,
  schema: string | undefined,
  always: boolean,
  strictGroups: boolean,
  groups?: string[],
) => ValidationMetadata[];

let memoized = false;

/**
 * class-validator 0.14 resolves a class's rules anew for every object it validates, and to find inherited
 * rules it tests the class against every decorated class of the application (`getTargetValidationMetadatas`,
 * typestack/class-validator#2686, open). With this app's few hundred DTO classes that scan is most of the cost
 * of validating a body of many objects: an import of 1,000 users validates about 5,000 of them. A class's rules
 * are all registered when its module loads (decorators run at class definition; @nestjs/mapped-types copies
 * rules onto the new class it defines), before any object of it is validated, so each answer is kept, per
 * class and per option set. The library offers no such option; this wraps its one lookup, once per process.
 */
export function memoizeValidationMetadata(): void {
  if (memoized) return;
  memoized = true;
  const storage = getMetadataStorage() as unknown as { getTargetValidationMetadatas: MetadataLookup };
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  const answers = new WeakMap<object, Map<string, ValidationMetadata[]>>();
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    if (typeof target !== 'function') return lookup(target, schema, always, strictGroups, groups);
    const key = JSON.stringify([schema ?? null, always, strictGroups, groups ?? null]);
    let byOptions = answers.get(target);
    if (!byOptions) {
      byOptions = new Map();
      answers.set(target, byOptions);
    }
    let found = byOptions.get(key);
    if (!found) {
      found = lookup(target, schema, always, strictGroups, groups);
      byOptions.set(key, found);
    }
    return found;
  };
}
