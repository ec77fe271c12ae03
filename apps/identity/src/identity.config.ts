import type { BaseConfig, EnvReader } from '@lapse/shared';

export interface IdentityConfig {
  readonly base: BaseConfig;
}

export function readIdentityConfig(_env: EnvReader, base: BaseConfig): IdentityConfig {
  return { base };
}
