/**
 * `Store.put`: the hash-record equivalent of `SET … PX … NX` — existence
 * check, replace and TTL in one step, so two writers of the same id cannot
 * both see "absent". A written record starts with an empty used-by set.
 *
 * KEYS[1] record, KEYS[2] its used-by set. ARGV[1] '1' = only if absent,
 * ARGV[2] TTL ms or '' (none), ARGV[3 ..] field / JSON value pairs.
 * Returns 1 when written, 0 when taken.
 */
export const PUT_LUA = `
if ARGV[1] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
if ARGV[2] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
`;

/**
 * `Store.update`: merge into an existing record only (HSET alone would
 * create one). Fields are independent hash fields, so concurrent updates of
 * different fields never lose each other; HSET keeps the TTL unless a new one
 * is given. With an expected hash it is a compare-and-set (an API-key
 * rotation): the record's `hash` must still be the one the caller read.
 *
 * KEYS[1] record, KEYS[2] its used-by set (takes the same new TTL).
 * ARGV[1] TTL: '' keep, 'persist' remove, else ms;
 * ARGV[2] expected hash as JSON text, or '' for none;
 * ARGV[3] n = fields to delete (patch values that are undefined);
 * ARGV[4 .. 3+n] their names; ARGV[4+n ..] field / JSON value pairs.
 * Returns the merged flat record, or nil when there is none (or the hash differs).
 */
export const UPDATE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if ARGV[2] ~= '' and redis.call('HGET', KEYS[1], 'hash') ~= ARGV[2] then return false end
local n = tonumber(ARGV[3])
if #ARGV > 3 + n then redis.call('HSET', KEYS[1], unpack(ARGV, 4 + n)) end
if n > 0 then redis.call('HDEL', KEYS[1], unpack(ARGV, 4, 3 + n)) end
local flat = redis.call('HGETALL', KEYS[1])
if ARGV[1] == 'persist' then
  redis.call('PERSIST', KEYS[1])
  redis.call('PERSIST', KEYS[2])
elseif ARGV[1] ~= '' then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  redis.call('PEXPIRE', KEYS[2], ARGV[1])
end
return flat
`;

/**
 * `Store.delete`: the record, its rate-limit counter and its used-by set;
 * reports whether the record existed.
 *
 * KEYS[1] record, KEYS[2] counter, KEYS[3] used-by set. Returns 1 or 0.
 */
export const DELETE_LUA = `
local n = redis.call('DEL', KEYS[1])
redis.call('DEL', KEYS[2], KEYS[3])
return n
`;
