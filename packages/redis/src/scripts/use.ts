import { VERSION_FIELD } from '../codec.js';
import { CONSTANT_TIME_LUA } from './constant-time.js';

/**
 * `Store.use` in one script, so an API-key verification is one round trip
 * and the check-then-count can never interleave with another caller's.
 *
 * KEYS[1] record hash, KEYS[2] its rate-limit counter, KEYS[3] its used-by
 * set (all three share the record's hash tag).
 * ARGV[1] now (epoch ms), ARGV[2] retainMs or '', ARGV[3] '' or '=' .. subject
 * (raw text: the set holds subjects as they are), ARGV[4] email as JSON or '',
 * ARGV[5] n = candidate count, ARGV[6 .. 5+n] candidate hashes as JSON,
 * ARGV[6+n ..] required scopes as JSON.
 *
 * Returns `{ reason }`, `{ 'RATE_LIMITED', pttl, limit, windowMs }` or
 * `{ 'OK', flat record }` — with `count, pttl` of the window appended when the
 * record has a rate limit (for the `RateLimit` headers).
 * Field values are JSON text written by Node; the script only reads the
 * guarded fields and rewrites `uses` as text, so nothing the app stored is
 * ever re-encoded by cjson (which would turn `[]` into `{}` and round numbers
 * to 14 digits); scope membership is a text search too (only the small
 * `rateLimit` object is decoded). Who redeemed the record lives in the set,
 * never in the record: one SISMEMBER and one SADD, the same cost at 10 uses
 * as at a million, and the record this script reads and returns stays the
 * same size. A record with neither `maxUses` nor a subject is not written at
 * all, and HSET keeps the key's TTL.
 */
export const USE_LUA = `${CONSTANT_TIME_LUA}
local flat = redis.call('HGETALL', KEYS[1])
if #flat == 0 then return { 'NOT_FOUND' } end
local at = {}
for i = 1, #flat, 2 do at[flat[i]] = i + 1 end
local function field(name)
  local i = at[name]
  if i == nil or flat[i] == 'null' then return nil end
  return flat[i]
end
local function set(name, value)
  local i = at[name]
  if i == nil then
    flat[#flat + 1] = name
    flat[#flat + 1] = value
    at[name] = #flat
  else
    flat[i] = value
  end
end

-- Is the JSON string literal ITEM an element of the JSON array text LIST
-- (both JSON.stringify output)? Walks the element literals, skipping escaped
-- characters, and compares whole literals: a plain substring search would be
-- fooled by contents like "r," followed by another element. Nothing is
-- decoded, so no cjson quirk (lone surrogates, number rounding) applies.
local QUOTE, BACKSLASH = 34, 92
local SPECIAL = '[' .. string.char(QUOTE, BACKSLASH) .. ']'
local function contains(list, item)
  local pos, len = 2, #list
  while pos <= len and byte(list, pos) == QUOTE do
    local j = pos + 1
    while true do
      local k = string.find(list, SPECIAL, j)
      if k == nil then return false end
      if byte(list, k) == BACKSLASH then
        j = k + 2
      else
        j = k
        break
      end
    end
    if string.sub(list, pos, j) == item then return true end
    pos = j + 2
  end
  return false
end

local n = tonumber(ARGV[5])
local stored = field('hash')
if stored == nil then return { 'NOT_FOUND' } end
local matched = matches_any(stored, 6, 5 + n)
-- A rotated-away credential (previousHash) is the same record until its
-- grace ends, then EXPIRED; both comparisons always run (constant time).
local previousExpired = false
local previous = field('previousHash')
if previous ~= nil then
  local old = matches_any(previous, 6, 5 + n)
  if not matched and old then
    local graceEnd = field('previousHashExpiresAt')
    if graceEnd ~= nil and tonumber(ARGV[1]) < tonumber(graceEnd) then matched = true else previousExpired = true end
  end
end
if not matched and not previousExpired then return { 'NOT_FOUND' } end
if field('revokedAt') ~= nil then return { 'REVOKED' } end
local expires = field('expiresAt')
if previousExpired or (expires ~= nil and tonumber(ARGV[1]) >= tonumber(expires)) then return { 'EXPIRED' } end

if #ARGV >= 6 + n then
  local scopes = field('scopes') or '[]'
  for i = 6 + n, #ARGV do
    if not contains(scopes, ARGV[i]) then return { 'INSUFFICIENT_SCOPE' } end
  end
end

local rule = field('rateLimit')
local rlCount = nil
local rlWindow = nil
if rule ~= nil then
  rule = cjson.decode(rule)
  local window = math.max(1, math.ceil(tonumber(rule.windowMs)))
  redis.call('SET', KEYS[2], 0, 'PX', window, 'NX')
  local count = redis.call('INCR', KEYS[2])
  if count > tonumber(rule.limit) then
    local ttl = redis.call('PTTL', KEYS[2])
    if ttl < 0 then
      redis.call('PEXPIRE', KEYS[2], window)
      ttl = window
    end
    return { 'RATE_LIMITED', ttl, math.floor(tonumber(rule.limit)), window }
  end
  rlCount = count
  rlWindow = window
end

local function ok()
  if rlCount == nil then return { 'OK', flat } end
  local ttl = redis.call('PTTL', KEYS[2])
  if ttl < 0 then ttl = rlWindow end
  return { 'OK', flat, rlCount, ttl }
end

local maxUses = field('maxUses')
if maxUses ~= nil then maxUses = tonumber(maxUses) end
local uses = tonumber(field('uses') or '0')
if maxUses ~= nil and uses >= maxUses then return { 'EXHAUSTED' } end

local subject = nil
if ARGV[3] ~= '' then subject = string.sub(ARGV[3], 2) end
if subject ~= nil and redis.call('SISMEMBER', KEYS[3], subject) == 1 then return { 'ALREADY_REDEEMED' } end

local email = field('email')
if email ~= nil and email ~= ARGV[4] then return { 'EMAIL_MISMATCH' } end

if maxUses == nil and subject == nil then return ok() end

-- A counted use changes the record: drop its version
-- so no server's cached copy of it is taken as current any more.
set('uses', tostring(uses + 1))
redis.call('HSET', KEYS[1], 'uses', flat[at['uses']])
redis.call('HDEL', KEYS[1], '${VERSION_FIELD}')
if maxUses ~= nil and uses + 1 >= maxUses and ARGV[2] ~= '' then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  -- The used-by set goes with its record, also when this last use names no subject.
  redis.call('PEXPIRE', KEYS[3], ARGV[2])
end
if subject ~= nil then
  redis.call('SADD', KEYS[3], subject)
  -- The set lives exactly as long as its record.
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[3], ttl) else redis.call('PERSIST', KEYS[3]) end
end
return ok()
`;
