import { type DynamicModule, Module } from '@nestjs/common';
import type { IdentityConfig } from './identity.config';

@Module({})
export class IdentityModule {
  static register(config: IdentityConfig): DynamicModule {
    return { module: IdentityModule, providers: [{ provide: 'IDENTITY_CONFIG', useValue: config }] };
  }
}
