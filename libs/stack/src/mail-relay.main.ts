import { writeFile } from 'node:fs/promises';
import { MaildevCaptureServer } from '../../../apps/notifier/src/mail-capture/maildev-capture-server';

/**
 * The development mail relay of `npm run stack`: the capture server the all-in-one app embeds (maildev,
 * with the gaps it closes), as a process of its own, since the notifier of the microservices topology
 * needs an SMTP relay (`SMTP_URL`). SMTP on `MAIL_SMTP_PORT`, its page and JSON API on `MAIL_UI_PORT`;
 * their basic-auth credential (new at every start) is written, mode 0600, to `MAIL_CREDENTIAL_FILE` as
 * `user:password`. Stops on SIGTERM or SIGINT; maildev stops with it.
 */
async function main(): Promise<void> {
  const server = await MaildevCaptureServer.start({
    host: '127.0.0.1',
    smtpPort: Number(process.env.MAIL_SMTP_PORT),
    webPort: Number(process.env.MAIL_UI_PORT),
  });
  const { user, password } = server.credential;
  await writeFile(process.env.MAIL_CREDENTIAL_FILE as string, `${user}:${password}\n`, { mode: 0o600 });
  process.stdout.write(`mail relay: SMTP ${server.smtpUrl}, page and API ${server.webUrl}\n`);
  const stop = () => {
    server.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: Error) => {
  process.stderr.write(`mail relay: failed to start: ${error.message}\n`);
  process.exit(1);
});
