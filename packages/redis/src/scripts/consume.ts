import { CONSTANT_TIME_LUA } from './constant-time.js';

/**
 * `Store.consume`: constant-time hash check, then read + DEL in the same
 * script, so of many concurrent callers exactly one gets the record. A wrong
 * hash returns before any write (the record stays usable); an expired record
 * is deleted and reported `EXPIRED`.
 *
 * KEYS[1] record, KEYS[2] its rate-limit counter, KEYS[3] its used-by set. ARGV[1] now, ARGV[2 ..] candidate hashes as JSON.
 * Returns `{ reason }` or `{ 'OK', flat record }`.
 */
export const CONSUME_LUA = `${CONSTANT_TIME_LUA}
local f = redis.call('HMGET', KEYS[1], 'hash', 'expiresAt')
if not f[1] or not matches_any(f[1], 2, #ARGV) then return { 'NOT_FOUND' } end
local flat = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
if f[2] and f[2] ~= 'null' and tonumber(ARGV[1]) >= tonumber(f[2]) then return { 'EXPIRED' } end
return { 'OK', flat }
`;
