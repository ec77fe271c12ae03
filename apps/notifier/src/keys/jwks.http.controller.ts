import { Controller, Get, Header, Inject } from '@nestjs/common';
import { KeyRing, type PublicEncryptionJwk } from './key-ring';

/** The notifier's public encryption keys, newest first; directory seals temporary passwords with the first. */
@Controller('api/v1/notifier')
export class JwksHttpController {
  constructor(@Inject(KeyRing) private readonly keys: KeyRing) {}

  @Get('jwks')
  @Header('cache-control', 'public, max-age=300')
  jwks(): { keys: PublicEncryptionJwk[] } {
    return this.keys.jwks();
  }
}
