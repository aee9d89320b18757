/**
 * The Redis store's bounded sign-ins in progress and request counters, as Lua scripts (atomic:
 * two instances can never both take the last slot; all three keys share the `{logins}` slot, see
 * redis-keys.ts). Each sign-in is a string with the sign-in's TTL; the counts are sorted sets of
 * the same states scored by their expiry (all sign-ins, and one set per client address): members that expired are
 * removed before counting, a set never holds more members than its bound, and every set expires
 * with its newest member. No SCAN, no counter that outlives what it counts.
 */

// KEYS: the sign-in's record, the total set, the client's set. ARGV: now ms, ttl ms, per-client bound,
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

// KEYS: the sign-in's record, the total set, its client's set (named in the record, which the
// store read first). ARGV: state, the record as read. Takes it only if it is still that record.
// Returns 1 when taken, 0 when another take came first.
export const TAKE_LOGIN = `
if redis.call('GET', KEYS[1]) ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return 1`;

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
