import diagnosticsChannel from 'node:diagnostics_channel';

/** Every event type a manager emits. */
export type TokenkitEventType =
  | 'apikey.verified'
  | 'apikey.rejected'
  | 'apikey.created'
  | 'apikey.revoked'
  | 'reset.issued'
  | 'reset.consumed'
  | 'reset.rejected'
  | 'invite.created'
  | 'invite.redeemed'
  | 'invite.rejected'
  | 'invite.revoked';

/**
 * What happened, to which record. Carries public ids only — never a credential,
 * a secret or a hash.
 */
export interface TokenkitEvent {
  type: TokenkitEventType;
  /** The credential's public id, when known. */
  id?: string;
  /** Owner / user / creator id the record belongs to, when known. */
  subject?: string;
  /** The rejection code for `*.rejected` events. */
  code?: string;
  /** Epoch milliseconds. */
  at: number;
}

/** Name of the `node:diagnostics_channel` channel every event is published on. */
export const EVENT_CHANNEL = 'tokenkit:event';

const channel = diagnosticsChannel.channel(EVENT_CHANNEL);

/**
 * @returns true while something subscribes to the `tokenkit:event` diagnostics channel
 */
export function eventChannelObserved(): boolean {
  return channel.hasSubscribers;
}

/** Callback that receives events; exceptions it throws are swallowed. */
export type EventListener = (event: TokenkitEvent) => void;

/**
 * Builds the emitter managers use: calls `onEvent` and publishes on the
 * diagnostics channel. A throwing listener never breaks a verification.
 *
 * @param onEvent - the user's listener, if any
 * @returns a function that emits one event
 */
export function createEmitter(onEvent: EventListener | undefined): (event: TokenkitEvent) => void {
  return (event) => {
    if (onEvent) {
      try {
        onEvent(event);
      } catch {
        // An observer must never change the outcome of a security decision.
      }
    }
    if (channel.hasSubscribers) channel.publish(event);
  };
}
