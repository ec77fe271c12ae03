import { FormTokens, newFormBinding } from './form-token';
import { html, trustedHtml } from './html';
import { layout } from './layout';
import { strictPagePolicy } from './page-response';

describe('html', () => {
  it('escapes interpolated text in text and attribute positions', () => {
    const name = `"><script>alert('x')</script>&`;
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</p>',
    );
  });

  it('passes nested html and trusted constants, joins arrays and drops empty values', () => {
    const items = ['a<b', 'c'].map((item) => html`<li>${item}</li>`);
    expect(html`<ul>${items}</ul>${null}${undefined}${false}${trustedHtml('<hr>')}`.value).toBe(
      '<ul><li>a&lt;b</li><li>c</li></ul><hr>',
    );
  });

  it('renders a document whose style carries the nonce and whose content is escaped', () => {
    const page = layout({ title: 'A & B', nonce: 'n0nce', main: html`<h1>${'<x>'}</h1>` }).value;
    expect(page).toContain('<title>A &amp; B</title>');
    expect(page).toContain('<style nonce="n0nce">');
    expect(page).toContain('<h1>&lt;x&gt;</h1>');
    expect(page).toContain('<main id="main"');
  });
});

describe('FormTokens', () => {
  const tokens = new FormTokens('a secret of the service');

  it('verifies a token for its own binding only', () => {
    const binding = newFormBinding();
    const token = tokens.issue(binding);
    expect(tokens.verify(binding, token)).toBe(true);
    expect(tokens.verify(newFormBinding(), token)).toBe(false);
    expect(new FormTokens('another secret').verify(binding, token)).toBe(false);
  });

  it('refuses a missing, tampered or malformed token', () => {
    const binding = newFormBinding();
    const [nonce, mac] = tokens.issue(binding).split('.');
    expect(tokens.verify(binding, undefined)).toBe(false);
    expect(tokens.verify(binding, '')).toBe(false);
    expect(tokens.verify(binding, `${nonce}x.${mac}`)).toBe(false);
    expect(tokens.verify(binding, `${nonce}.${mac}.extra`)).toBe(false);
    expect(tokens.verify('', tokens.issue(''))).toBe(false);
  });
});

describe('strictPagePolicy', () => {
  it('allows nothing from elsewhere and inline code only with the nonce', () => {
    const policy = strictPagePolicy('abc');
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'nonce-abc'");
    expect(policy).toContain("form-action 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toContain('unsafe-inline');
  });

  it('lets forms end on the origins it is given, and on no other', () => {
    const policy = strictPagePolicy('abc', { formActionOrigins: ['https://app.example.com'] });
    expect(policy).toContain("form-action 'self' https://app.example.com;");
  });
});
