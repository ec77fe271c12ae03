import type { Request, Response } from 'express';
import { readIdentityConfig } from '../identity.config';
import { EnvReader, readBaseConfig } from '@lapse/shared';
import { PageForms } from './page-forms';

describe('the CSRF check of the hosted pages', () => {
  const env = new EnvReader({ PUBLIC_URL: 'https://id.example.com' });
  const forms = new PageForms(
    readIdentityConfig(env, readBaseConfig(env)),
    'a service token of the deployment',
  );
  const binding = 'pre:abcdefghijklmnopqrstuvwx';
  const token = forms.issue(binding);
  const post = (headers: Record<string, string>) => ({ headers }) as unknown as Request;

  it('accepts a form of this site with the token of its binding', () => {
    expect(forms.accepts(post({ origin: 'https://id.example.com' }), binding, token)).toBe(true);
    // The pages are no-referrer, so browsers post them with Origin: null and Sec-Fetch-Site.
    expect(forms.accepts(post({ origin: 'null', 'sec-fetch-site': 'same-origin' }), binding, token)).toBe(
      true,
    );
  });

  it('refuses another site, an opaque origin from elsewhere, and a token of another binding', () => {
    expect(forms.accepts(post({ origin: 'https://evil.example.net' }), binding, token)).toBe(false);
    expect(forms.accepts(post({ origin: 'null', 'sec-fetch-site': 'cross-site' }), binding, token)).toBe(
      false,
    );
    expect(forms.accepts(post({ origin: 'null' }), binding, token)).toBe(false);
    expect(
      forms.accepts(post({ origin: 'https://id.example.com' }), 'pre:another-binding-000000', token),
    ).toBe(false);
    expect(forms.accepts(post({ origin: 'https://id.example.com' }), binding, undefined)).toBe(false);
  });

  it('verifies a token another identity instance of the same deployment issued', () => {
    const other = new PageForms(
      readIdentityConfig(env, readBaseConfig(env)),
      'a service token of the deployment',
    );
    expect(other.accepts(post({ origin: 'https://id.example.com' }), binding, token)).toBe(true);
  });

  it('sets an HttpOnly binding cookie on /signin when the browser has none, and keeps one it has', () => {
    const cookies: { name: string; value: string; options: Record<string, unknown> }[] = [];
    const response = {
      cookie: (name: string, value: string, options: Record<string, unknown>) =>
        cookies.push({ name, value, options }),
    } as unknown as Response;
    const fresh = forms.preSessionBinding(post({}), response);
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({
      name: 'lapse_form',
      options: { httpOnly: true, path: '/signin', secure: true },
    });
    expect(fresh).toBe(`pre:${cookies[0].value}`);
    const kept = forms.preSessionBinding(post({ cookie: `lapse_form=${cookies[0].value}` }), response);
    expect(kept).toBe(fresh);
    expect(cookies).toHaveLength(1);
  });
});
