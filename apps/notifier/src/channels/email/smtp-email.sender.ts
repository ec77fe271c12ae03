import nodemailer, { type Transporter } from 'nodemailer';
import { SpanKind, withSpan } from '@lapse/shared/tracing/tracing';
import { SendFailure } from '../send-failure';
import type { EmailContent } from './email.templates';

export interface EmailSender {
  send(to: string, content: EmailContent): Promise<void>;
  close(): void;
}

/**
 * Email over SMTP (nodemailer, pooled). STARTTLS is required unless `requireTls` is false (for a local
 * capture server); a relay that cannot upgrade the connection gets nothing.
 */
export class SmtpEmailSender implements EmailSender {
  private readonly transporter: Transporter;

  constructor(options: { url: string; requireTls: boolean; from: string; maxConnections: number }) {
    this.from = options.from;
    // nodemailer replaces every other option when given `url`, so the URL is taken apart here.
    const relay = new URL(options.url);
    const secure = relay.protocol === 'smtps:';
    this.transporter = nodemailer.createTransport({
      host: relay.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: relay.port ? Number(relay.port) : secure ? 465 : 587,
      secure,
      auth: relay.username
        ? { user: decodeURIComponent(relay.username), pass: decodeURIComponent(relay.password) }
        : undefined,
      pool: true,
      maxConnections: options.maxConnections,
      requireTLS: options.requireTls,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      logger: false,
      debug: false,
    });
  }

  private readonly from: string;

  /** In a client span `email send` while tracing is on (no recipient, subject or content in it). */
  send(to: string, content: EmailContent): Promise<void> {
    return withSpan('email send', { kind: SpanKind.CLIENT }, async () => {
      try {
        await this.transporter.sendMail({
          from: this.from,
          to,
          subject: content.subject,
          text: content.text,
          html: content.html,
        });
      } catch (error) {
        throw new SendFailure(describeSmtpError(error));
      }
    });
  }

  close(): void {
    this.transporter.close();
  }
}

/** The SMTP error without the message content: code, server response code and the client's message. */
function describeSmtpError(error: unknown): string {
  const smtp = error as { code?: string; responseCode?: number; message?: string };
  const parts = [
    smtp.code,
    smtp.responseCode ? String(smtp.responseCode) : undefined,
    smtp.message?.split('\n')[0],
  ];
  return parts.filter(Boolean).join(' ').slice(0, 500) || 'SMTP send failed';
}
