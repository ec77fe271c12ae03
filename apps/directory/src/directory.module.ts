import { type DynamicModule, Module } from '@nestjs/common';
import type { DirectoryConfig } from './directory.config';

@Module({})
export class DirectoryModule {
  static register(config: DirectoryConfig): DynamicModule {
    return { module: DirectoryModule, providers: [{ provide: 'DIRECTORY_CONFIG', useValue: config }] };
  }
}
