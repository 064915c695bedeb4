/**
 * Export mails through SES (v2 API), from the stack's `SenderEmail`. A
 * rejection that resending cannot fix (unverified address, suppressed
 * recipient, paused account) is a {@link PermanentExportError}; throttling and
 * outages, after the SDK's retries, an {@link ExportDependencyError} that the
 * state machine retries. Locally the client's endpoint is `AWS_ENDPOINT_URL_SESV2`.
 */
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { ExportDependencyError, type Mail, PermanentExportError } from '../core/exports.js';

/** SES errors that retrying will not fix. */
const PERMANENT = new Set([
  'MessageRejected', 'MailFromDomainNotVerifiedException', 'AccountSuspendedException', 'SendingPausedException',
  'BadRequestException', 'NotFoundException',
]);

/** What {@link createMailer} needs. */
export interface MailerConfig {
  readonly ses: SESv2Client;
  /** The verified sender (stack parameter SenderEmail). */
  readonly from: string;
}

/** Sends export mails. */
export interface Mailer {
  /** Sends `mail` to `to`; returns the SES message id. */
  sendMail(to: string, mail: Mail): Promise<string>;
}

/** A mailer sending as `from` through `ses`. */
export function createMailer({ ses, from }: MailerConfig): Mailer {
  return {
    async sendMail(to, mail) {
      try {
        const r = await ses.send(new SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: [to] },
          Content: {
            Simple: {
              Subject: { Data: mail.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: mail.text, Charset: 'UTF-8' }, Html: { Data: mail.html, Charset: 'UTF-8' } },
            },
          },
        }));
        return r.MessageId ?? '';
      } catch (err) {
        const name = (err as Error).name;
        const detail = (err as Error).message ? `: ${(err as Error).message}` : '';
        const message = `SES did not send the email to ${to} (${name}${detail}).`;
        throw PERMANENT.has(name) ? new PermanentExportError(message, { cause: err }) : new ExportDependencyError(message, { cause: err });
      }
    },
  };
}
