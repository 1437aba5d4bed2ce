import { randomBytes } from 'node:crypto';
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MemoryStore } from '@tokenkit/core';
import { pino } from 'pino';
import { createApp } from './app.js';
import { logEvents, traceVerifications } from './observability.js';

const logger = pino({ level: 'debug' });
// A real app registers its provider (and an OTLP exporter) once, e.g. with @opentelemetry/sdk-node.
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())] });
logEvents(logger);
traceVerifications(provider.getTracer('tokenkit-example'));

const { app, apiKeys } = createApp(new MemoryStore(), process.env.TOKENKIT_SECRET ?? randomBytes(32).toString('base64url'));
const { key } = await apiKeys.create({ ownerId: 'demo', scopes: ['read'] });
const port = Number(process.env.PORT ?? 3001);
app.listen(port, '127.0.0.1', () => {
  logger.info(`listening on http://127.0.0.1:${port}`);
  logger.info(`try: curl -H "Authorization: Bearer ${key}" http://127.0.0.1:${port}/api/me`);
});
