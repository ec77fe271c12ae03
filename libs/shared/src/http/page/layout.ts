import { html, type SafeHtml, trustedHtml } from './html';

/** The shared look of Lapse's pages: readable, high-contrast, visible focus, usable without a mouse. */
const STYLE = trustedHtml(`
:root{color-scheme:light;--ink:#1d1d1f;--muted:#555;--line:#c8c8cc;--accent:#0a5fb4;--danger:#a4001d;--ok:#0b6b2b}
*{box-sizing:border-box}body{font-family:system-ui,sans-serif;color:var(--ink);margin:0;line-height:1.5}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:2}
header.bar{display:flex;gap:1.5rem;align-items:center;padding:.75rem 1.5rem;border-bottom:1px solid var(--line)}
header.bar nav a{margin-right:1rem}main{max-width:72rem;margin:1.5rem auto;padding:0 1.5rem}
main.narrow{max-width:32rem}a{color:var(--accent)}:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input,select,textarea{font:inherit;padding:.45rem;border:1px solid #767676;border-radius:.3rem;max-width:100%}
input[type=text],input[type=email],input[type=password],input[type=search]{width:100%}
button,.button{font:inherit;padding:.5rem 1.1rem;border-radius:.35rem;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:#fff;color:var(--accent)}button.danger{background:var(--danger);border-color:var(--danger)}
button:disabled{background:#e4e4e7;color:#4a4a4f;border-color:#c8c8cc;cursor:not-allowed}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid var(--line)}
.error,.errors{color:var(--danger)}.notice{padding:.75rem 1rem;border-left:4px solid var(--accent);background:#f2f7fc}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:1rem;font-size:.85rem;border:1px solid currentColor}
.muted{color:var(--muted)}[hidden]{display:none}
`);

export interface LayoutOptions {
  readonly title: string;
  readonly nonce: string;
  readonly main: SafeHtml;
  /** Shown above the content (a product bar with navigation); omitted on sign-in pages. */
  readonly header?: SafeHtml;
  /** `narrow` for forms shown alone (sign-in, change password). */
  readonly width?: 'wide' | 'narrow';
  /** An inline script (runs with the page's nonce). Keep it small: the pages work without it where they can. */
  readonly script?: SafeHtml;
}

/** A whole document: language, title, a skip link to the main content, the shared style. */
export function layout(options: LayoutOptions): SafeHtml {
  const mainClass = options.width === 'narrow' ? 'narrow' : undefined;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow"><title>${options.title}</title>
<style nonce="${options.nonce}">${STYLE}</style></head>
<body><a class="skip" href="#main">Skip to main content</a>${options.header ?? ''}
<main id="main" class="${mainClass ?? ''}">${options.main}</main>${
    options.script ? html`<script nonce="${options.nonce}">${options.script}</script>` : ''
  }</body></html>`;
}
