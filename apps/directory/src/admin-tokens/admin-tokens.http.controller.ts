import { ApiSecurity } from '@nestjs/swagger';
import { ADMIN_API_SECURITY } from '@lapse/shared/http/openapi';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Req,
  UseGuards,
} from '@nestjs/common';
import {
  ADMIN_TOKEN_VERIFIER,
  AdminAuthGuard,
  type AdminPrincipal,
  type AdminRole,
  type AdminTokenVerifier,
  CurrentAdmin,
  RequireRole,
} from '@lapse/shared/http/admin-auth';
import { ServiceAuthGuard } from '@lapse/shared/http/service-auth';
import { IsIn, IsString, Length, MaxLength } from 'class-validator';
import type { Request } from 'express';
import { adminCaller } from '../common/caller';
import { AdminTokensService } from './admin-tokens.service';

const ROLES: readonly AdminRole[] = ['SUPER_ADMIN', 'USER_ADMIN', 'READ_ONLY_ADMIN'];

export class CreateApiTokenRequestDto {
  @IsString() @Length(1, 100) name: string;
  @IsIn(ROLES) role: AdminRole;
}

export class IntrospectRequestDto {
  @IsString() @MaxLength(512) token: string;
}

/** Lapse admin API tokens: `POST /api/v1/api-tokens {name, role}` shows the token once; only its SHA-256 is kept. */
@Controller('api/v1/api-tokens')
@UseGuards(AdminAuthGuard)
@ApiSecurity(ADMIN_API_SECURITY)
@RequireRole('SUPER_ADMIN')
export class AdminTokensHttpController {
  constructor(private readonly tokens: AdminTokensService) {}

  @Post()
  @HttpCode(201)
  create(
    @Body() body: CreateApiTokenRequestDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ) {
    return this.tokens.create(body.name, body.role, adminCaller(admin, request));
  }

  @Get()
  list() {
    return this.tokens.list();
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ): Promise<void> {
    await this.tokens.revoke(id, adminCaller(admin, request));
  }
}

/** Other services check admin tokens here: `POST /internal/v1/admin-tokens/introspect {token}`. */
@Controller('internal/v1/admin-tokens')
@UseGuards(ServiceAuthGuard)
export class AdminTokenIntrospectionHttpController {
  constructor(@Inject(ADMIN_TOKEN_VERIFIER) private readonly verifier: AdminTokenVerifier) {}

  @Post('introspect')
  @HttpCode(200)
  async introspect(@Body() body: IntrospectRequestDto) {
    const principal = await this.verifier.verify(body.token);
    return principal ? { active: true, ...principal } : { active: false };
  }
}
