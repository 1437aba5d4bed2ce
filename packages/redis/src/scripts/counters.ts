/**
 * `Store.hit`: fixed window — start it with `SET NX PX`, add with `INCRBY`,
 * report `PTTL`, all in one step so the window can never lose its TTL.
 *
 * KEYS[1] counter. ARGV[1] window ms, ARGV[2] cost. Returns `{ count, pttl }`.
 */
export const HIT_LUA = `
redis.call('SET', KEYS[1], 0, 'PX', ARGV[1], 'NX')
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }
`;

/**
 * `Store.indexAdd`: SADD and make the set live at least `ttl` — extend a
 * shorter TTL, never shorten one, and a forever set stays forever.
 *
 * KEYS[1] set. ARGV[1] member, ARGV[2] TTL ms or '' (forever).
 */
export const INDEX_ADD_LUA = `
local before = redis.call('PTTL', KEYS[1])
redis.call('SADD', KEYS[1], ARGV[1])
if ARGV[2] == '' then
  if before >= 0 then redis.call('PERSIST', KEYS[1]) end
elseif before == -2 or (before >= 0 and before < tonumber(ARGV[2])) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
`;
