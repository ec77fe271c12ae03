import type { BaseConfig, EnvReader } from '@lapse/shared';

export interface DirectoryConfig {
  readonly base: BaseConfig;
}

export function readDirectoryConfig(_env: EnvReader, base: BaseConfig): DirectoryConfig {
  return { base };
}
