import type { Invitation } from '@tokenkit/core';
import type { Example } from '../example.js';
import { formatTime } from '../html/format.js';
import type { User } from '../users.js';

/** The texts of the e-mails the app sends (to the dev outbox). */

export function sendResetEmail(app: Example, input: { user: User; url: string; expiresAt: number }): void {
  app.outbox.send({
    to: input.user.email,
    subject: 'Reset your password',
    text: `Hi ${input.user.name},

someone (hopefully you) asked to reset the password of your account.
Open this link to choose a new one:

${input.url}

The link works once and expires at ${formatTime(input.expiresAt)}.
If you did not ask for it, ignore this e-mail: your password stays as it is.`,
  });
}

export function sendInvitationEmail(app: Example, input: { to: string; inviter: User; link: string; invitation: Invitation }): void {
  app.outbox.send({
    to: input.to,
    subject: `${input.inviter.name} invited you to the tokenkit example`,
    text: `Hi,

${input.inviter.name} (${input.inviter.email}) invited you to join as "${input.invitation.role}".
Accept the invitation here:

${input.link}

The invitation expires at ${formatTime(input.invitation.expiresAt)}.`,
  });
}
