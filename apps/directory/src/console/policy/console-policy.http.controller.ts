import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import { DomainError } from '@lapse/shared';
import { html, type SafeHtml } from '@lapse/shared/http/page';
import { oktaValidationPipe } from '@lapse/shared/http/validation';
import type { Request, Response } from 'express';
import type { PasswordPolicy } from '../../policy/domain/password-policy';
import { UpdatePasswordPolicyRequestDto } from '../../policy/password-policy.request.dto';
import { PasswordPolicyService } from '../../policy/password-policy.service';
import type { PasswordPolicyChange } from '../../policy/password-policy.store';
import { PasswordPolicyStore } from '../../policy/password-policy.store';
import { canManageOrg, ConsoleGate, consoleCaller, formField, superAdminOnlyReason } from '../console-gate';
import { sendConsolePage, signInAgain } from '../console-response';
import type { ConsoleAdmin } from '../console-session.store';
import { errorList } from '../console.pages';

type Group = 'complexity' | 'age' | 'lockout';

/** The policy's settings as the page edits them: Okta's `settings.password` fields. */
const NUMBERS: readonly { group: Group; name: string; label: string }[] = [
  { group: 'complexity', name: 'minLength', label: 'Minimum length' },
  { group: 'complexity', name: 'minLowerCase', label: 'Lowercase letters (at least)' },
  { group: 'complexity', name: 'minUpperCase', label: 'Uppercase letters (at least)' },
  { group: 'complexity', name: 'minNumber', label: 'Numbers (at least)' },
  { group: 'complexity', name: 'minSymbol', label: 'Symbols (at least)' },
  { group: 'age', name: 'maxAgeDays', label: 'Password expires after (days; 0: never)' },
  { group: 'age', name: 'expireWarnDays', label: 'Warn before it expires (days)' },
  { group: 'age', name: 'minAgeMinutes', label: 'Minimum age before a change (minutes)' },
  { group: 'age', name: 'historyCount', label: 'Earlier passwords that cannot be reused' },
  { group: 'lockout', name: 'maxAttempts', label: 'Lock out after failed sign-ins (0: never)' },
  {
    group: 'lockout',
    name: 'autoUnlockMinutes',
    label: 'Unlock by itself after (minutes; 0: an admin unlocks)',
  },
];
const FLAGS: readonly { group: Group; name: string; label: string }[] = [
  { group: 'complexity', name: 'excludeUsername', label: 'The password may not contain the username' },
  { group: 'lockout', name: 'showLockoutFailures', label: 'Tell users when they are locked out' },
];
const GROUP_TITLES: Record<Group, string> = {
  complexity: 'Complexity',
  age: 'Age',
  lockout: 'Lockout',
};

function policyMain(
  admin: ConsoleAdmin,
  values: Record<string, string | boolean>,
  csrf: string,
  notices: { saved?: boolean; errors?: readonly string[] },
): SafeHtml {
  const reason = superAdminOnlyReason(admin, 'change the policy');
  const groups = (Object.keys(GROUP_TITLES) as Group[]).map(
    (group) => html`<fieldset><legend>${GROUP_TITLES[group]}</legend>
${NUMBERS.filter((field) => field.group === group).map(
  (field) =>
    html`<label for="${field.name}">${field.label}</label><input id="${field.name}" name="${field.name}" type="number" inputmode="numeric" value="${String(values[field.name] ?? '')}"${reason ? html` readonly` : ''}>`,
)}
${FLAGS.filter((field) => field.group === group).map(
  (field) =>
    html`<p><input id="${field.name}" name="${field.name}" type="checkbox" value="true"${values[field.name] === true ? html` checked` : ''}${reason ? html` disabled` : ''}> <label for="${field.name}">${field.label}</label></p>`,
)}</fieldset>`,
  );
  return html`<h1>Password policy</h1>
${notices.saved ? html`<p class="notice" role="status">The password policy was saved.</p>` : ''}
${errorList(notices.errors ?? [])}
<form method="post" action="/admin/policy" novalidate>
<input type="hidden" name="csrf" value="${csrf}">
${groups}
<p><button type="submit" id="save"${reason ? html` disabled aria-describedby="save-reason"` : ''}>Save policy</button></p>
${reason ? html`<p class="reason" id="save-reason">${reason}</p>` : ''}
</form>`;
}

function valuesOf(policy: PasswordPolicy): Record<string, string | boolean> {
  const values: Record<string, string | boolean> = {};
  for (const field of NUMBERS)
    values[field.name] = String((policy[field.group] as unknown as Record<string, number>)[field.name]);
  for (const field of FLAGS)
    values[field.name] = (policy[field.group] as unknown as Record<string, boolean>)[field.name];
  return values;
}

/** The form as the API's body: whole numbers as numbers, anything else as typed (the validation names it). */
function changeOf(request: Request): {
  body: Record<Group, Record<string, unknown>>;
  values: Record<string, string | boolean>;
} {
  const body: Record<Group, Record<string, unknown>> = { complexity: {}, age: {}, lockout: {} };
  const values: Record<string, string | boolean> = {};
  for (const field of NUMBERS) {
    const text = formField(request, field.name, 20).trim();
    values[field.name] = text;
    body[field.group][field.name] = /^-?\d+$/.test(text) ? Number(text) : text;
  }
  for (const field of FLAGS) {
    const on = formField(request, field.name, 10) === 'true';
    values[field.name] = on;
    body[field.group][field.name] = on;
  }
  return { body, values };
}

/** Password policy: everyone with a role reads it; a super administrator changes it (the API's validation). */
@Controller('admin/policy')
export class ConsolePolicyHttpController {
  private readonly validation = oktaValidationPipe();

  constructor(
    private readonly gate: ConsoleGate,
    private readonly policies: PasswordPolicyStore,
    private readonly changes: PasswordPolicyService,
  ) {}

  @Get()
  async show(@Req() request: Request, @Res() response: Response): Promise<void> {
    const admin = await this.gate.admin(request);
    if (!admin) return signInAgain(request, response);
    const values = valuesOf(await this.policies.current());
    const saved = request.query.saved === '1';
    this.send(response, admin, policyMain(admin, values, this.gate.formToken(admin.sessionId), { saved }));
  }

  @Post()
  async save(@Req() request: Request, @Res() response: Response): Promise<void> {
    const admin = await this.gate.admin(request);
    if (!admin) return signInAgain(request, response);
    const { body, values } = changeOf(request);
    const refuse = (errors: string[], status: number) =>
      this.send(
        response,
        admin,
        policyMain(admin, values, this.gate.formToken(admin.sessionId), { errors }),
        status,
      );
    const problem = this.gate.formProblem(request, admin.sessionId);
    if (problem) return refuse([problem], 403);
    if (!canManageOrg(admin))
      return refuse(['Only a super administrator can change the password policy.'], 403);
    try {
      const change = await this.validation.transform(body, {
        type: 'body',
        metatype: UpdatePasswordPolicyRequestDto,
      });
      await this.changes.update(change as PasswordPolicyChange, consoleCaller(admin, request));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return refuse(error.causes.length > 0 ? [...error.causes] : [error.message], 400);
    }
    response.redirect(303, '/admin/policy?saved=1');
  }

  private send(response: Response, admin: ConsoleAdmin, main: SafeHtml, status = 200): void {
    sendConsolePage(
      response,
      this.gate,
      admin,
      { title: 'Password policy', section: 'policy', main },
      status,
    );
  }
}
