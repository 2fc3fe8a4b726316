--[[
  Record a copy held in an MTA's hold queue with its campaign, bounded per campaign and host.

  Input:
    KEYS[1] the campaign's held copies on this host, a sorted set "<base>c:<id>:held:<host>" (queue id -> Unix ms)
    KEYS[2] the host's campaigns with held copies, a sorted set "<base>held:<host>" (campaign id -> first hold)
    KEYS[3] the host's count of held copies "<base>held:<host>:n"
    KEYS[4] the hosts that ever held copies, a set "<base>held-hosts"

    ARGV[1] queue id
    ARGV[2] now, Unix ms
    ARGV[3] copies kept per campaign and host at most
    ARGV[4] campaign id
    ARGV[5] host

  Output: 1 when recorded (or already was), 0 when the campaign has the most copies held on this host already.
]]
if redis.call("ZSCORE", KEYS[1], ARGV[1]) then
  return 1
end
if redis.call("ZCARD", KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call("ZADD", KEYS[1], ARGV[2], ARGV[1])
redis.call("ZADD", KEYS[2], "NX", ARGV[2], ARGV[4])
redis.call("INCR", KEYS[3])
redis.call("SADD", KEYS[4], ARGV[5])
return 1
