import type { Logger } from '@lapse/shared';
import { type EmailSender, SmtpEmailSender } from '../channels/email/smtp-email.sender';
import type { NotifierConfig } from '../notifier.config';
import { MaildevCaptureServer, portIsFree } from './maildev-capture-server';

export interface MailChannel {
  readonly sender: EmailSender;
  /** The embedded capture server, in all-in-one mode without SMTP_URL. */
  readonly capture: MaildevCaptureServer | null;
  /** What to print at start (where the captured mail can be read). */
  readonly lines: readonly string[];
  close(): Promise<void>;
}

/** The configured relay, or an embedded maildev whose web page and API listen on MAIL_UI_PORT. */
export async function openMailChannel(config: NotifierConfig, logger: Logger): Promise<MailChannel> {
  const maxConnections = config.delivery.concurrency;
  if (config.smtp.kind === 'relay') {
    const sender = new SmtpEmailSender({
      url: config.smtp.url,
      requireTls: config.smtp.requireTls,
      from: config.mailFrom,
      maxConnections,
    });
    const relay = new URL(config.smtp.url);
    logger.info(
      { smtpHost: relay.hostname, smtpPort: relay.port, requireTls: config.smtp.requireTls },
      'mail relay configured',
    );
    return { sender, capture: null, lines: [], close: async () => sender.close() };
  }
  const { uiPort, uiPortExplicit } = config.smtp;
  const host = config.base.host;
  const webPort = uiPort !== 0 && (uiPortExplicit || (await portIsFree(host, uiPort))) ? uiPort : 0;
  const capture = await MaildevCaptureServer.launch({ host, webPort });
  capture.ready.then(
    () => logger.info({ mailUi: capture.webUrl }, 'embedded mail capture server ready'),
    (error: unknown) =>
      logger.error(
        { err: error instanceof Error ? error.message : String(error) },
        'embedded mail capture server failed',
      ),
  );
  const sender = new SmtpEmailSender({
    url: capture.smtpUrl,
    requireTls: false,
    from: config.mailFrom,
    maxConnections,
  });
  logger.info(
    { mailUi: capture.webUrl, smtpPort: capture.smtpPort },
    'embedded mail capture server (maildev) starting',
  );
  return {
    sender,
    capture,
    lines: [
      `  Mail (maildev): ${capture.webUrl}   (JSON API ${capture.webUrl}/email, SMTP ${capture.smtpUrl})`,
      `  Mail login:      user ${capture.credential.user}, password ${capture.credential.password}   (new at every start)`,
    ],
    close: async () => {
      sender.close();
      await capture.stop();
    },
  };
}
