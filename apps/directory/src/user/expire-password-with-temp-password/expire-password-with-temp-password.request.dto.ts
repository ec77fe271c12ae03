import { IsIn, IsOptional, Matches } from 'class-validator';
import { BOOLEAN_TEXT } from '../../common/query';

export class ExpireWithTempPasswordQueryDto {
  @IsOptional() @IsIn(BOOLEAN_TEXT) revokeSessions?: string;
  /** Lapse: how the notifier delivers the temporary password; `none` = the admin hands it over. */
  @IsOptional() @IsIn(['auto', 'email', 'voice', 'none']) deliver?: 'auto' | 'email' | 'voice' | 'none';
  /**
   * Lapse: this temporary password's lifetime in minutes (default `TEMP_PASSWORD_LIFETIME_MINUTES`), from 1
   * to the org's maximum `TEMP_PASSWORD_MAX_LIFETIME_MINUTES`; the bound is checked by the handler, which
   * names it in the refusal.
   */
  @IsOptional()
  @Matches(/^[0-9]{1,9}$/, { message: 'tempPasswordLifetimeMinutes: must be a whole number of minutes' })
  tempPasswordLifetimeMinutes?: string;
}
