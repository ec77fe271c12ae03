import { randomBytes } from 'node:crypto';
import type { Response } from 'express';
import type { SafeHtml } from './html';
import { secretPageHeaders } from '../secret-page';

/** A fresh nonce for one response's inline `<style>`/`<script>` (the CSP allows nothing else). */
export function pageNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * The strict Content-Security-Policy of every server-rendered page: nothing from elsewhere, inline style and
 * script only with this response's nonce, forms post only to this origin, never framed.
 */
export function strictPagePolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Sends a page with the strict policy, never cached or framed (the headers of `secretPageHeaders`). */
export function sendPage(response: Response, nonce: string, page: SafeHtml, status = 200): void {
  response
    .status(status)
    .set(secretPageHeaders(strictPagePolicy(nonce)))
    .send(page.value);
}
