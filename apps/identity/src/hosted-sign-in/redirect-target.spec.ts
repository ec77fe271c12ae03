import { allowedRedirect } from './redirect-target';

describe('the sign-in redirect target', () => {
  const publicUrl = 'https://id.example.com';
  const allowed = ['https://id.example.com', 'https://app.example.com'];

  it('follows a fromURI on an allowed origin, absolute or a path of this site', () => {
    expect(allowedRedirect('https://app.example.com/home?x=1', publicUrl, allowed)).toBe(
      'https://app.example.com/home?x=1',
    );
    expect(allowedRedirect('/signin/done', publicUrl, allowed)).toBe('https://id.example.com/signin/done');
  });

  it('refuses other origins, however the URL is written', () => {
    for (const fromURI of [
      'https://evil.example.net/',
      '//evil.example.net/path',
      '/\\evil.example.net/path',
      'https://app.example.com.evil.example.net/',
      'https://app.example.com@evil.example.net/',
      'https://user:pass@app.example.com/',
      'http://app.example.com/',
      'javascript:alert(1)',
      'data:text/html,hi',
      'https://[bad',
      '',
      null,
      undefined,
    ]) {
      expect(allowedRedirect(fromURI, publicUrl, allowed)).toBeNull();
    }
  });
});
