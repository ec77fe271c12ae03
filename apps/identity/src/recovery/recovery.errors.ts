import { DomainError } from '@lapse/shared';

/** Unknown, spent, superseded or expired reset link: one answer for all. */
export const recoveryLinkInvalid = () =>
  new DomainError(
    'E0000105',
    'You have accessed an account recovery link that has expired or been previously used.',
  );

/** Okta's answer to a new password the policy refuses during a reset, with directory's causes. */
export const passwordPolicyViolated = (causes: readonly string[]) =>
  new DomainError(
    'E0000080',
    'The password does not meet the complexity requirements of the current password policy.',
    causes,
  );
