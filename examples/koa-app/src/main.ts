/** `pnpm start:koa`: the Koa example on port 3001 (PORT), in memory or on Redis (REDIS_URL). */
import { main } from 'example-shared';
import { createApp } from './app.js';

await main('Koa', 3001, (app) => createApp(app).callback());
