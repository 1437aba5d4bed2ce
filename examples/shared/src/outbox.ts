/**
 * The dev outbox: every e-mail the app "sends" lands here and is listed on
 * /dev/outbox, so the reset and invitation flows work without an SMTP server.
 * A real app would hand the message to a mail queue instead.
 */
export interface Email {
  id: number;
  to: string;
  subject: string;
  text: string;
  /** Links in the message, rendered clickable on the outbox page. */
  links: string[];
  sentAt: number;
}

export class Outbox {
  private readonly emails: Email[] = [];
  private nextId = 1;

  constructor(
    private readonly limit = 50,
    private readonly log: (line: string) => void = () => {},
  ) {}

  send(message: Omit<Email, 'id' | 'sentAt' | 'links'>): Email {
    const email: Email = { ...message, id: this.nextId++, sentAt: Date.now(), links: message.text.match(/https?:\/\/\S+/g) ?? [] };
    this.emails.unshift(email);
    this.emails.length = Math.min(this.emails.length, this.limit);
    this.log(`outbox: "${email.subject}" to ${email.to}`);
    return email;
  }

  /** Newest first. */
  list(): readonly Email[] {
    return this.emails;
  }

  clear(): void {
    this.emails.length = 0;
  }
}
