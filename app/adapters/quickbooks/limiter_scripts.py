"""The Lua scripts RedisLimiter runs: each checks and changes one realm's keys atomically."""

# KEYS: requests, batch calls, in-flight leases, penalty. ARGV: lease id, batch (0/1),
# per_minute, per_second, max_concurrent, batch_per_minute, minute window, second window,
# lease seconds, concurrency poll. Returns 0 when reserved, else microseconds to wait.
# A request's score is when its answer was read (FINISH), and until then its lease's end,
# in the future, so it counts in every window while in flight; a window is full when its
# (n - limit)-th entry is younger than the window, and if that entry is still in flight it
# finishes no earlier than now, so the window cannot free before one window from now.
# Times are Redis's own (TIME), so workers with skewed clocks agree; scores are formatted
# with %.6f because Redis turns Lua numbers into 14-digit strings, losing the microseconds.
RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local function fmt(x) return string.format('%.6f', x) end
local lease, batch = ARGV[1], ARGV[2] == '1'
local minute, second = tonumber(ARGV[7]), tonumber(ARGV[8])
local lease_s, poll = tonumber(ARGV[9]), tonumber(ARGV[10])
local function wait_for(key, span, limit)
  local low = '(' .. fmt(now - span)
  local n = redis.call('ZCOUNT', key, low, '+inf')
  if n < limit then return 0 end
  local row = redis.call('ZRANGEBYSCORE', key, low, '+inf', 'WITHSCORES', 'LIMIT', n - limit, 1)
  local score = tonumber(row[2])
  if score > now then return span end
  return score + span - now
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', fmt(now - minute))
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', fmt(now - minute))
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', fmt(now))
local wait = math.max(0, tonumber(redis.call('GET', KEYS[4]) or 0) - now,
  wait_for(KEYS[1], minute, tonumber(ARGV[3])), wait_for(KEYS[1], second, tonumber(ARGV[4])))
if batch then wait = math.max(wait, wait_for(KEYS[2], minute, tonumber(ARGV[6]))) end
if wait == 0 and redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[5]) then wait = poll end
if wait > 0 then return math.ceil(wait * 1000000) end
local until_ms = math.ceil((lease_s + minute) * 1000)
redis.call('ZADD', KEYS[1], fmt(now + lease_s), lease)
redis.call('PEXPIRE', KEYS[1], until_ms)
if batch then
  redis.call('ZADD', KEYS[2], fmt(now + lease_s), lease)
  redis.call('PEXPIRE', KEYS[2], until_ms)
end
redis.call('ZADD', KEYS[3], fmt(now + lease_s), lease)
redis.call('PEXPIRE', KEYS[3], math.ceil(lease_s * 1000))
return 0
"""

# KEYS: requests, batch calls, in-flight leases. ARGV: lease id. The answer was read: the
# request counts from now on for one window (XX: a lease already gone stays gone).
FINISH = """
local t = redis.call('TIME')
local now = string.format('%.6f', tonumber(t[1]) + tonumber(t[2]) / 1000000)
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
redis.call('ZADD', KEYS[2], 'XX', now, ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return 0
"""

# KEYS: penalty. ARGV: seconds. Only ever extends the penalty, in Redis time.
PENALIZE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local seconds = tonumber(ARGV[1])
if now + seconds > tonumber(redis.call('GET', KEYS[1]) or 0) then
  redis.call('SET', KEYS[1], string.format('%.6f', now + seconds), 'PX', math.ceil(seconds * 1000))
end
return 0
"""
