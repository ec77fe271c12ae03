import { newSecretToken } from '@lapse/shared';
import { FormTokens } from '@lapse/shared/http/page';
import { newSetupCode } from './console-setup.service';
import { peopleQueryOf } from './people/people.query';
import { PendingPasswordChanges } from './sign-in/pending-password-changes';
import { filterOf, logQueryOf } from './system-log/console-system-log.http.controller';
import { progressText } from './bulk-expiry/bulk-expiry.pages';

describe('the console reading its query strings', () => {
  it('keeps only the statuses, providers and cursors the People page offers', () => {
    expect(
      peopleQueryOf({ search: '  ada ', status: 'SUSPENDED', provider: 'LDAP', after: 'not-an-id' }),
    ).toEqual({ search: 'ada', status: 'SUSPENDED', provider: 'LDAP', after: '' });
    expect(peopleQueryOf({ status: "ACTIVE' OR 1=1", provider: ['OKTA'] })).toMatchObject({
      status: '',
      provider: '',
    });
  });

  it("turns the System Log's fields into the API's filter, quoting what was typed", () => {
    const query = logQueryOf({
      eventType: 'user.lifecycle.suspend',
      actor: 'ada@example.com',
      target: 'x"y',
    });
    expect(filterOf(query)).toBe(
      'eventType eq "user.lifecycle.suspend" and (actor.id eq "ada@example.com" or actor.alternateId eq "ada@example.com") and (target.id eq "x\\"y" or target.alternateId eq "x\\"y")',
    );
    expect(filterOf(logQueryOf({ eventType: 'not.a.type' }))).toBeUndefined();
  });
});

describe('the setup code', () => {
  it('is three groups of four unambiguous characters, new each time', () => {
    const codes = new Set(Array.from({ length: 50 }, newSetupCode));
    expect(codes.size).toBe(50);
    for (const code of codes)
      expect(code).toMatch(/^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$/);
  });
});

describe('a pending forced password change', () => {
  it("binds the change form's CSRF token to the state token, without the token in the binding", () => {
    const forms = new FormTokens('console form key');
    const one = newSecretToken();
    const other = newSecretToken();
    const token = forms.issue(PendingPasswordChanges.binding(one));
    expect(forms.verify(PendingPasswordChanges.binding(one), token)).toBe(true);
    expect(forms.verify(PendingPasswordChanges.binding(other), token)).toBe(false);
    expect(PendingPasswordChanges.binding(one)).not.toContain(one);
  });
});

describe("a bulk expiry job's progress", () => {
  it('counts expired users against the total, skipped ones apart', () => {
    expect(progressText({ total: 29, expired: 12, skipped: 3 })).toBe('12 of 29 users expired, 3 skipped.');
    expect(progressText({ total: 1, expired: 1, skipped: 0 })).toBe('1 of 1 user expired, 0 skipped.');
    expect(progressText({ total: 0, expired: 0, skipped: 0 })).toBe('0 of 0 users expired, 0 skipped.');
  });
});
