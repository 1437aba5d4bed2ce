/**
 * Wires tokenkit's two observability hooks to the tools an app already has:
 *
 * - every event (`apikey.verified`, `apikey.rejected`, `throttle.blocked`,
 *   `store.unavailable`…), published on the `tokenkit:event` diagnostics
 *   channel, becomes a pino log line;
 * - every API-key verification, traced on the `tokenkit:verify` tracing
 *   channel, becomes an OpenTelemetry span.
 *
 * Neither needs anything from the managers: subscribing is enough, and while
 * nobody subscribes tokenkit publishes nothing.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { type Span, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { EVENT_CHANNEL, type TokenkitEvent, VERIFY_TRACING_CHANNEL, type VerifyTraceContext } from '@tokenkit/core';
import type { Logger } from 'pino';

/** Log level per event type: outages are errors, blocks are warnings, rejections info, the rest debug. */
export function levelOf(event: TokenkitEvent): 'error' | 'warn' | 'info' | 'debug' {
  if (event.type === 'store.unavailable') return 'error';
  if (event.type === 'throttle.blocked') return 'warn';
  if (event.type.endsWith('.rejected')) return 'info';
  return 'debug';
}

/**
 * Logs every tokenkit event with pino. Events carry public ids, codes and a
 * keyed hash of a blocked client — never a credential or an IP — so they are
 * safe to ship to a log store as they are.
 *
 * @param logger - a pino logger
 * @returns unsubscribe
 */
export function logEvents(logger: Logger): () => void {
  const onEvent = (message: unknown) => {
    const event = message as TokenkitEvent;
    logger[levelOf(event)]({ tokenkit: event }, `tokenkit ${event.type}`);
  };
  diagnosticsChannel.subscribe(EVENT_CHANNEL, onEvent);
  return () => diagnosticsChannel.unsubscribe(EVENT_CHANNEL, onEvent);
}

/**
 * Turns `tokenkit:verify` into OpenTelemetry spans named `tokenkit.verify`:
 * started at `start`, ended at `end` when the store answered in the same
 * tick (`context.async === false`), else at `asyncEnd`. A rejected key is a
 * normal outcome (attribute `tokenkit.code`); a thrown error (store down)
 * marks the span as an error.
 *
 * @param tracer - an OpenTelemetry tracer
 * @returns unsubscribe
 */
export function traceVerifications(tracer: Tracer): () => void {
  const channel = diagnosticsChannel.tracingChannel<string, VerifyTraceContext>(VERIFY_TRACING_CHANNEL);
  const spans = new WeakMap<VerifyTraceContext, Span>();
  const finish = (context: VerifyTraceContext) => {
    const span = spans.get(context);
    if (!span) return;
    spans.delete(context);
    const result = context.result;
    if (result?.valid) span.setAttributes({ 'tokenkit.valid': true, 'tokenkit.key_id': result.id, 'enduser.id': result.ownerId });
    else if (result) span.setAttributes({ 'tokenkit.valid': false, 'tokenkit.code': result.code });
    span.end();
  };
  const handlers = {
    start(context: VerifyTraceContext) {
      spans.set(context, tracer.startSpan('tokenkit.verify', { attributes: { 'tokenkit.scopes': [...context.scopes] } }));
    },
    end(context: VerifyTraceContext) {
      if (!context.async) finish(context);
    },
    asyncStart() {},
    asyncEnd(context: VerifyTraceContext) {
      finish(context);
    },
    error(context: VerifyTraceContext) {
      const span = spans.get(context);
      const error = context.error;
      if (!span) return;
      if (error instanceof Error) span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    },
  };
  channel.subscribe(handlers);
  return () => channel.unsubscribe(handlers);
}
