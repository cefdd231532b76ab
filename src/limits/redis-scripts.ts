/**
 * Lua run atomically inside Redis, so N gateway instances share exact counters: every check of a
 * request is evaluated and committed in one script (one round trip), against Redis' own clock
 * (TIME), so clock skew between gateway hosts cannot widen a window.
 *
 * Per check, KEYS[i] is the counter and ARGV holds: kind (w|c|b), limit, amount, param
 * (windowMs | leaseMs | expireAt). A window keeps a sorted set (member = reservation id, score =
 * admission time) and a hash `<key>:a` with each reservation's amount and the running sum in
 * field `#`. Returns, flat: admitted, then used, remaining, resetMs, ok for each check.
 */
export const ADMIT_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id = ARGV[1]
local n = #KEYS
local out = {1}
local state = {}
for i = 1, n do
  local key = KEYS[i]
  local base = 1 + (i - 1) * 4
  local kind = ARGV[base + 1]
  local limit = tonumber(ARGV[base + 2])
  local amount = tonumber(ARGV[base + 3])
  local param = tonumber(ARGV[base + 4])
  local used, ok, reset = 0, 1, 0
  if kind == 'w' then
    local h = key .. ':a'
    local old = redis.call('ZRANGEBYSCORE', key, '-inf', now - param)
    if #old > 0 then
      local freed = 0
      for _, m in ipairs(old) do
        freed = freed + (tonumber(redis.call('HGET', h, m)) or 0)
        redis.call('HDEL', h, m)
      end
      redis.call('ZREMRANGEBYSCORE', key, '-inf', now - param)
      redis.call('HINCRBY', h, '#', -freed)
    end
    used = tonumber(redis.call('HGET', h, '#')) or 0
    if used + amount > limit then
      ok = 0
      reset = param
      if amount <= limit then
        local sum = used
        local entries = redis.call('ZRANGE', key, 0, 999, 'WITHSCORES')
        for j = 1, #entries, 2 do
          sum = sum - (tonumber(redis.call('HGET', h, entries[j])) or 0)
          if sum + amount <= limit then
            reset = math.max(1, tonumber(entries[j + 1]) + param - now)
            break
          end
        end
      end
    end
  elseif kind == 'c' then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
    used = redis.call('ZCARD', key)
    amount = 1
    if used >= limit then ok = 0; reset = 1000 end
  else
    used = tonumber(redis.call('GET', key)) or 0
    if used >= limit then ok = 0; reset = math.max(0, param - now) end
  end
  if ok == 0 then out[1] = 0 end
  state[i] = {used, limit, amount, ok, reset}
end
for i = 1, n do
  local s = state[i]
  local rem = s[2] - s[1]
  if out[1] == 1 then rem = rem - s[3] end
  if rem < 0 then rem = 0 end
  table.insert(out, s[1]); table.insert(out, rem); table.insert(out, s[5]); table.insert(out, s[4])
end
if out[1] == 0 then return out end
for i = 1, n do
  local key = KEYS[i]
  local base = 1 + (i - 1) * 4
  local kind = ARGV[base + 1]
  local amount = tonumber(ARGV[base + 3])
  local param = tonumber(ARGV[base + 4])
  if kind == 'w' then
    local h = key .. ':a'
    redis.call('ZADD', key, now, id)
    redis.call('HSET', h, id, amount)
    redis.call('HINCRBY', h, '#', amount)
    redis.call('PEXPIRE', key, param * 2)
    redis.call('PEXPIRE', h, param * 2)
  elseif kind == 'c' then
    redis.call('ZADD', key, now + param, id)
    redis.call('PEXPIRE', key, param * 2)
  else
    redis.call('INCRBY', key, amount)
    redis.call('PEXPIREAT', key, param + 86400000)
  end
end
return out
`;

/**
 * Corrections after the answer: per adjustment KEYS[i] and ARGV kind, delta. A window entry that
 * already left its window is not touched (it no longer counts); a budget key that expired is not
 * recreated.
 */
export const SETTLE_LUA = `
local id = ARGV[1]
for i = 1, #KEYS do
  local key = KEYS[i]
  local kind = ARGV[2 * i]
  local delta = tonumber(ARGV[2 * i + 1])
  if kind == 'w' then
    local h = key .. ':a'
    local cur = tonumber(redis.call('HGET', h, id))
    if cur and redis.call('ZSCORE', key, id) then
      local nxt = cur + delta
      if nxt < 0 then nxt = 0 end
      redis.call('HSET', h, id, nxt)
      redis.call('HINCRBY', h, '#', nxt - cur)
    end
  elseif kind == 'c' then
    redis.call('ZREM', key, id)
  else
    if redis.call('EXISTS', key) == 1 then
      local v = redis.call('INCRBY', key, delta)
      if v < 0 then redis.call('SET', key, 0, 'KEEPTTL') end
    end
  end
end
return 1
`;
