import { type DynamicModule, Module } from '@nestjs/common';
import type { NotifierConfig } from './notifier.config';

@Module({})
export class NotifierModule {
  static register(config: NotifierConfig): DynamicModule {
    return { module: NotifierModule, providers: [{ provide: 'NOTIFIER_CONFIG', useValue: config }] };
  }
}
