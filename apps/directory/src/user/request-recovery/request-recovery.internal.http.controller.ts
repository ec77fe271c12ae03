import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ServiceAuthGuard } from '@lapse/shared/http/service-auth';
import type { Request } from 'express';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { serviceCaller } from '../../common/caller';
import { RequestRecoveryHandler } from './request-recovery.handler';

export class RequestRecoveryRequestDto {
  @IsString() @IsNotEmpty() @MaxLength(1024) login: string;
}

/**
 * Identity's forgot-password step (service credential): `POST /internal/v1/recovery/password {login}` →
 * `{outcome}` (`EMAILED`, `NO_SUCH_USER`, `NO_EMAIL`, `NOT_ALLOWED`). Only identity sees the outcome; the
 * end user's answer never depends on it.
 */
@Controller('internal/v1/recovery')
@UseGuards(ServiceAuthGuard)
export class RequestRecoveryInternalHttpController {
  constructor(private readonly recovery: RequestRecoveryHandler) {}

  @Post('password')
  @HttpCode(200)
  async request(@Body() body: RequestRecoveryRequestDto, @Req() request: Request) {
    return { outcome: await this.recovery.request(body.login, serviceCaller(request)) };
  }
}
