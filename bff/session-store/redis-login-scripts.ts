/**
 * The Redis store's bounded sign-ins in progress and request counters, as Lua scripts (atomic:
 * two instances can never both take the last slot). Each sign-in is a `login:<state>` string
 * with the sign-in's TTL; the counts are sorted sets of the same states scored by their expiry
 * (`logins` for all, `loginclient:<client>` per client address): members that expired are
 * removed before counting, a set never holds more members than its bound, and every set expires
 * with its newest member. No SCAN, no counter that outlives what it counts.
 */

// KEYS: login:<state>, logins, loginclient:<client>. ARGV: now ms, ttl ms, per-client bound,
// total bound, record JSON, state, '1' if a client is given.
// Returns {'stored', 0} or {'client'|'total', expiry ms of the slot that frees first}.
export const PUT_LOGIN = `
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local hasClient = ARGV[7] == '1'
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if hasClient then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[3]) then
    local oldest = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
    return {'client', tonumber(oldest[2])}
  end
end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {'total', tonumber(oldest[2])}
end
redis.call('SET', KEYS[1], ARGV[5], 'PX', ttl)
redis.call('ZADD', KEYS[2], now + ttl, ARGV[6])
redis.call('PEXPIRE', KEYS[2], ttl)
if hasClient then
  redis.call('ZADD', KEYS[3], now + ttl, ARGV[6])
  redis.call('PEXPIRE', KEYS[3], ttl)
end
return {'stored', 0}`;

// KEYS: login:<state>, logins. ARGV: state, key prefix. Returns the record JSON or false; the
// state leaves both counts (the client's set is named in the record).
export const TAKE_LOGIN = `
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
local ok, record = pcall(cjson.decode, raw)
if ok and type(record) == 'table' and type(record['_client']) == 'string' then
  redis.call('ZREM', ARGV[2] .. 'loginclient:' .. record['_client'], ARGV[1])
end
return raw`;

// KEYS: counter. ARGV: window ms. A fixed window that starts with the key's first request.
// Returns {count, ms until the window ends}.
export const COUNT_REQUEST = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;
