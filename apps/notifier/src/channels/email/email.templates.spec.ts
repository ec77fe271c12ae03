import {
  daysUntil,
  inlinePasswordEmail,
  passwordExpiredNoticeEmail,
  passwordExpiryReminderEmail,
  passwordExpiryReminderSpeech,
  resetLinkEmail,
  revealLinkEmail,
} from './email.templates';

describe('email templates', () => {
  it('puts the one-time link, never a password, in a link email (text and HTML)', () => {
    const mail = revealLinkEmail({
      firstName: 'Ada',
      login: 'ada@example.com',
      link: 'https://lapse.example/notifier/reveal/abc',
      expiresAt: '2030-01-01T00:00:00Z',
    });
    expect(mail.text).toContain('https://lapse.example/notifier/reveal/abc');
    expect(mail.html).toContain('href="https://lapse.example/notifier/reveal/abc"');
    expect(mail.text).toContain('Hello Ada,');
  });

  it('escapes profile values in HTML', () => {
    const mail = revealLinkEmail({
      firstName: '<script>',
      login: null,
      link: 'https://x/y',
      expiresAt: '2030-01-01T00:00:00Z',
    });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;');
  });

  it('carries the password in inline mode, escaped in HTML', () => {
    const mail = inlinePasswordEmail({
      firstName: null,
      login: null,
      password: 'a<b&c',
      expiresAt: '2030-01-01T00:00:00Z',
    });
    expect(mail.text).toContain('a<b&c');
    expect(mail.html).toContain('a&lt;b&amp;c');
  });

  it('sends a notice that says the password expired and nothing secret', () => {
    const mail = passwordExpiredNoticeEmail({ firstName: 'Ada', login: 'ada@example.com' });
    expect(mail.subject).toBe('Your password has expired');
    expect(mail.text).toContain('choose a new password');
  });

  it('reminds before expiry with the days left, the date and the link to change the password', () => {
    const mail = passwordExpiryReminderEmail({
      firstName: 'Ada',
      login: 'ada@example.com',
      expiresAt: '2030-01-01T00:00:00Z',
      days: 1,
      changeUrl: 'https://lapse.example/signin?x=<b>',
    });
    expect(mail.subject).toBe('Your password expires in 1 day');
    expect(mail.text).toContain('expires in 1 day, on Tue, 01 Jan 2030 00:00:00 GMT');
    expect(mail.text).toContain('https://lapse.example/signin?x=<b>');
    expect(mail.html).toContain('href="https://lapse.example/signin?x=&lt;b&gt;"');
    expect(passwordExpiryReminderSpeech({ firstName: null, days: 3 })).toContain('expires in 3 days');
  });

  it('counts whole days left, at least one', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    expect(daysUntil('2030-01-03T12:00:00Z', now)).toBe(3);
    expect(daysUntil('2030-01-01T00:00:01Z', now)).toBe(1);
    expect(daysUntil('2029-12-31T00:00:00Z', now)).toBe(1);
  });

  it('sends the reset link with the name and expiry, and no temporary-password wording', () => {
    const mail = resetLinkEmail({
      firstName: 'Ada',
      login: 'ada@example.com',
      link: 'https://lapse.example/reset_password/abc',
      expiresAt: '2030-01-01T00:00:00Z',
    });
    expect(mail.subject).toBe('Reset your password');
    expect(mail.text).toContain('Hello Ada,');
    expect(mail.text).toContain('https://lapse.example/reset_password/abc');
    expect(mail.html).toContain('href="https://lapse.example/reset_password/abc"');
    expect(mail.text).toContain('Tue, 01 Jan 2030 00:00:00 GMT');
    expect(`${mail.text}${mail.html}`.toLowerCase()).not.toContain('temporary');
  });

  it('tells a user who asked for the link (forgot password) that the current password still works', () => {
    const input = {
      firstName: 'Ada',
      login: 'ada@example.com',
      link: 'https://lapse.example/reset_password/abc',
      expiresAt: '2030-01-01T00:00:00Z',
    };
    const own = resetLinkEmail({ ...input, selfService: true });
    expect(own.text).toContain('Someone, probably you, asked to reset the password for ada@example.com.');
    expect(own.html).toContain('If you did not ask, ignore this email: your password stays as it is.');
    expect(own.text).not.toContain('administrator');
    expect(resetLinkEmail(input).text).toContain('Until you choose a new password you cannot sign in.');
  });
});
