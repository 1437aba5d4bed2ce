import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { CONSUME_LUA } from './consume.js';
import { HIT_LUA, INDEX_ADD_LUA } from './counters.js';
import { DELETE_LUA, PUT_LUA, UPDATE_LUA } from './records.js';
import { USE_LUA } from './use.js';

/** A script call: keys first, then arguments, as ioredis custom commands take them. */
export type ScriptCall = (...keysThenArgs: string[]) => Promise<unknown>;

/** The store's scripts, bound to one client. */
export interface Scripts {
  put: ScriptCall;
  update: ScriptCall;
  delete: ScriptCall;
  consume: ScriptCall;
  use: ScriptCall;
  hit: ScriptCall;
  indexAdd: ScriptCall;
}

/** One script's source: the number of keys it takes, its Lua text and that text's SHA-1. */
export interface ScriptSource {
  keys: number;
  lua: string;
  sha: string;
}

const DEFINITIONS: Record<keyof Scripts, { keys: number; lua: string }> = {
  put: { keys: 2, lua: PUT_LUA },
  update: { keys: 2, lua: UPDATE_LUA },
  delete: { keys: 3, lua: DELETE_LUA },
  consume: { keys: 3, lua: CONSUME_LUA },
  use: { keys: 3, lua: USE_LUA },
  hit: { keys: 1, lua: HIT_LUA },
  indexAdd: { keys: 1, lua: INDEX_ADD_LUA },
};

/**
 * The scripts' sources, for callers that send `EVALSHA`/`EVAL` themselves —
 * e.g. inside a pipeline that must run the script and a following command on
 * the same connection (ioredis' custom commands resend a `NOSCRIPT` miss
 * outside the pipeline, after the following command).
 */
export const SCRIPT_SOURCES: Readonly<Record<keyof Scripts, ScriptSource>> = Object.freeze(
  Object.fromEntries(
    Object.entries(DEFINITIONS).map(([name, { keys, lua }]) => [
      name,
      Object.freeze({ keys, lua, sha: createHash('sha1').update(lua).digest('hex') }),
    ]),
  ) as Record<keyof Scripts, ScriptSource>,
);

/**
 * Registers the scripts on a client with ioredis `defineCommand` (EVALSHA,
 * with ioredis' automatic EVAL fallback on `NOSCRIPT` — after a Redis restart,
 * `SCRIPT FLUSH` or a Cluster failover) and returns callers bound to it.
 * Command names carry a digest of the script, so several stores (or versions)
 * on one client never overwrite each other's definitions with different code.
 *
 * @param client - an ioredis `Redis` or `Cluster`
 * @returns one caller per script
 * @example
 * ```ts
 * const scripts = defineScripts(new Redis())
 * await scripts.hit('tokenkit:w:x:{k}', '60000', '1')
 * ```
 */
export function defineScripts(client: Redis | Cluster): Scripts {
  const callable = client as unknown as Record<string, ScriptCall>;
  const bind = (name: keyof Scripts): ScriptCall => {
    const { keys, lua } = DEFINITIONS[name];
    const command = `tokenkit_${name}_${createHash('sha1').update(lua).digest('hex').slice(0, 10)}`;
    if (typeof callable[command] !== 'function') client.defineCommand(command, { numberOfKeys: keys, lua });
    return (...args) => callable[command]!(...args);
  };
  return {
    put: bind('put'),
    update: bind('update'),
    delete: bind('delete'),
    consume: bind('consume'),
    use: bind('use'),
    hit: bind('hit'),
    indexAdd: bind('indexAdd'),
  };
}
