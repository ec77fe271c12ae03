import type { BaseConfig, EnvReader } from '@lapse/shared';

export interface NotifierConfig {
  readonly base: BaseConfig;
}

export function readNotifierConfig(_env: EnvReader, base: BaseConfig): NotifierConfig {
  return { base };
}
