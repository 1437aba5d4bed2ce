import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from './config.js';
import { banner, type Demo, seedDemo } from './demo.js';
import { createExample, type Example } from './example.js';
import type { ScryptCost } from './password-hash.js';
import { type OpenedStore, openStore } from './store.js';

export interface StartOptions {
  /** 0 = any free port. */
  port: number;
  host?: string;
  /** Public origin for links; default `http://localhost:<port>`. */
  baseUrl?: string | null;
  store: OpenedStore;
  secret: string | readonly string[];
  demoPassword?: string | null;
  scryptCost?: ScryptCost;
  /** Serve the dev outbox page (default true). */
  devOutbox?: boolean;
  log?: (line: string) => void;
  /** Builds the framework app (Express or Koa) around the shared example state. */
  createHandler(app: Example): RequestListener | Promise<RequestListener>;
}

export interface StartedExample {
  url: string;
  example: Example;
  demo: Demo;
  server: Server;
  /** Stops accepting connections, waits briefly for requests in flight, closes the store. */
  close(): Promise<void>;
}

/**
 * Starts an example app: listen first (so a port of 0 resolves and the base
 * URL for e-mailed links is known), then build the app and seed demo data.
 * Used by `pnpm start` and, in-process, by the end-to-end tests.
 */
export async function startExample(options: StartOptions): Promise<StartedExample> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = options.baseUrl ? new URL(options.baseUrl).origin : `http://localhost:${port}`;
  const example = createExample({
    store: options.store.store,
    secret: options.secret,
    baseUrl: url,
    ...(options.log ? { log: options.log } : {}),
    ...(options.scryptCost ? { scryptCost: options.scryptCost } : {}),
    ...(options.devOutbox === undefined ? {} : { devOutbox: options.devOutbox }),
  });
  const demo = await seedDemo(example, options.demoPassword ?? null);
  server.on('request', await options.createHandler(example));
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Requests in flight get a moment to finish; then the remaining sockets are cut.
      const timer = setTimeout(() => server.closeAllConnections(), 3000);
      await closed;
      clearTimeout(timer);
      await options.store.close();
    })();
    return closing;
  };
  return { url, example, demo, server, close };
}

/**
 * `pnpm start` / `pnpm start:koa`: read the environment, start, print the
 * banner, and shut down cleanly on SIGINT/SIGTERM.
 */
export async function main(framework: string, defaultPort: number, createHandler: StartOptions['createHandler']): Promise<void> {
  try {
    const config = loadConfig(process.env, defaultPort);
    const store = await openStore({
      redisUrl: config.redisUrl,
      prefix: config.redisPrefix,
      databaseUrl: config.databaseUrl,
      schema: config.databaseSchema,
    });
    const started = await startExample({
      port: config.port,
      host: config.host === 'localhost' ? '127.0.0.1' : config.host,
      baseUrl: config.baseUrl,
      store,
      secret: config.secret,
      demoPassword: config.demoPassword,
      // The outbox shows reset links to anyone: never in production.
      devOutbox: process.env['NODE_ENV'] !== 'production',
      log: (line) => console.log(line),
      createHandler,
    });
    console.log(
      banner({
        framework,
        url: started.url,
        store: store.description,
        demo: started.demo,
        secretGenerated: config.secretSource === 'generated',
        outbox: started.example.devOutbox,
        pid: process.pid,
      }),
    );
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        console.log('Forced exit.');
        process.exit(1);
      }
      stopping = true;
      console.log(`\n${signal}: shutting down…`);
      started.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('shutdown failed:', error);
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown } | null)?.code;
    console.error(`Could not start the ${framework} example: ${code === 'EADDRINUSE' ? `port in use — set PORT to another one (${message})` : message}`);
    process.exit(1);
  }
}
