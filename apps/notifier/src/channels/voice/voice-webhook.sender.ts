import { createHmac } from 'node:crypto';
import { activeTraceparent, SpanKind, withSpan } from '@lapse/shared/tracing/tracing';
import { SendFailure } from '../send-failure';

export interface VoiceCall {
  readonly to: string;
  readonly text: string;
  readonly deliveryId: string;
}

export interface VoiceSender {
  call(call: VoiceCall, timestampSeconds: number): Promise<void>;
}

/** `sha256=<hex HMAC-SHA256 of the raw body>` for the `X-Lapse-Signature` header. */
export function signBody(secret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/**
 * Posts the text to speak to the voice provider's webhook, signed with HMAC. 5xx, 408, 429 and
 * timeouts/network errors are worth retrying; other refusals are permanent.
 */
export class VoiceWebhookSender implements VoiceSender {
  constructor(private readonly options: { url: string; secret: string; timeoutMs: number }) {}

  /**
   * In a client span `voice call` while tracing is on; the webhook request carries its `traceparent`, so a
   * provider that traces continues the trace (no number or text in the span).
   */
  call(call: VoiceCall, timestampSeconds: number): Promise<void> {
    return withSpan('voice call', { kind: SpanKind.CLIENT }, () => this.post(call, timestampSeconds));
  }

  private async post(call: VoiceCall, timestampSeconds: number): Promise<void> {
    const traceparent = activeTraceparent();
    const body = JSON.stringify({ to: call.to, text: call.text, deliveryId: call.deliveryId });
    let response: Response;
    try {
      response = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-lapse-timestamp': String(timestampSeconds),
          'x-lapse-signature': signBody(this.options.secret, body),
          ...(traceparent ? { traceparent } : {}),
        },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      throw new SendFailure(
        name === 'TimeoutError' ? 'voice webhook timed out' : `voice webhook unreachable (${name})`,
      );
    }
    await response.body?.cancel().catch(() => undefined);
    if (response.ok) return;
    const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
    throw new SendFailure(`voice webhook answered ${response.status}`, !retryable);
  }
}
