# Ruby's redis gem (Debian's ruby-redis) with the sentinels, as an application would configure
# it: the sentinels from the watcher's GET /sentinels, the master by its group name. Writes
# SET <prefix><n> then WAIT 1 500 in a loop and prints one JSON line per outcome
# ({"event": "ack"|"error", ...}); a write counts only when WAIT says a replica has it.
# Usage: sentinel_writer.rb <group> <host:port,...> <prefix> <seconds>
require 'json'
require 'redis'

name, addrs, prefix, seconds = ARGV[0], ARGV[1], ARGV[2], ARGV[3].to_f
sentinels = addrs.split(',').map { |a| h, p = a.split(':'); { host: h, port: p.to_i } }
redis = Redis.new(url: "redis://#{name}", sentinels: sentinels, role: :master, timeout: 0.5, reconnect_attempts: 0)
$stdout.sync = true
puts({ event: 'started' }.to_json)
finish = Time.now + seconds
i = 0
while Time.now < finish
  key = "#{prefix}#{i}"
  i += 1
  begin
    redis.set(key, '1')
    if redis.call('WAIT', '1', '500').to_i >= 1
      puts({ event: 'ack', key: key, at: Time.now.to_f * 1000 }.to_json)
    else
      puts({ event: 'error', error: 'WAIT 0', at: Time.now.to_f * 1000 }.to_json)
    end
  rescue StandardError => e # every failure is an outcome to report, not a reason to stop
    puts({ event: 'error', error: e.class.name, at: Time.now.to_f * 1000 }.to_json)
    redis.close
  end
  sleep 0.01
end
