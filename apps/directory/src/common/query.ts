/** Okta query flags arrive as the strings "true"/"false"; DTOs restrict them with `@IsIn(BOOLEAN_TEXT)`. */
export const BOOLEAN_TEXT = ['true', 'false'] as const;

export function flag(value: string | undefined, fallback: boolean): boolean {
  return value === undefined ? fallback : value === 'true';
}
