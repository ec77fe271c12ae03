import { IsIn, IsOptional } from 'class-validator';
import { BOOLEAN_TEXT } from '../../common/query';

export class ExpireWithTempPasswordQueryDto {
  @IsOptional() @IsIn(BOOLEAN_TEXT) revokeSessions?: string;
  /** Lapse: how the notifier delivers the temporary password; `none` = the admin hands it over. */
  @IsOptional() @IsIn(['auto', 'email', 'voice', 'none']) deliver?: 'auto' | 'email' | 'voice' | 'none';
}
