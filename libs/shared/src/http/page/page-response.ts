import { randomBytes } from 'node:crypto';
import type { Response } from 'express';
import type { SafeHtml } from './html';
import { secretPageHeaders } from '../secret-page';

/** A fresh nonce for one response's inline `<style>`/`<script>` (the CSP allows nothing else). */
export function pageNonce(): string {
  return randomBytes(16).toString('base64');
}

export interface PagePolicyOptions {
  /**
   * Origins besides this one a form on the page may end on. Browsers apply `form-action` to the redirects that
   * answer a form too, so a sign-in form that redirects to an allowed application names its origin here.
   */
  readonly formActionOrigins?: readonly string[];
}

/**
 * The strict Content-Security-Policy of every server-rendered page: nothing from elsewhere, inline style and
 * script only with this response's nonce, forms post only to this origin (and `formActionOrigins`), never
 * framed.
 */
export function strictPagePolicy(nonce: string, options: PagePolicyOptions = {}): string {
  const formAction = ["'self'", ...(options.formActionOrigins ?? [])].join(' ');
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "connect-src 'self'",
    `form-action ${formAction}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Sends a page with the strict policy, never cached or framed (the headers of `secretPageHeaders`). */
export function sendPage(
  response: Response,
  nonce: string,
  page: SafeHtml,
  status = 200,
  options: PagePolicyOptions = {},
): void {
  response
    .status(status)
    .set(secretPageHeaders(strictPagePolicy(nonce, options)))
    .send(page.value);
}
