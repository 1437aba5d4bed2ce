/** `pnpm start`: the Express example on port 3000 (PORT), in memory or on Redis (REDIS_URL). */
import { main } from 'example-shared';
import { createApp } from './app.js';

await main('Express', 3000, createApp);
