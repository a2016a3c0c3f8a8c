"""redis-py's own Sentinel client (Debian's python3-redis), as an application would configure it:
the sentinels from the watcher's GET /sentinels. Writes SET <prefix><n> in a loop and prints one
JSON line per outcome ({"event": "ack"|"error", ...}) for the test to read.
Usage: sentinel_writer.py <group> <host:port,...> <prefix> <seconds>"""
import json
import sys
import time

from redis.sentinel import Sentinel

name, addrs, prefix, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
sentinels = [(h, int(p)) for h, p in (a.rsplit(":", 1) for a in addrs.split(","))]
master = Sentinel(sentinels, socket_timeout=0.5).master_for(name, socket_timeout=0.5)
print(json.dumps({"event": "started"}), flush=True)
end = time.time() + seconds
i = 0
while time.time() < end:
    key = f"{prefix}{i}"
    i += 1
    try:
        master.set(key, "1")
        print(json.dumps({"event": "ack", "key": key, "at": time.time() * 1000}), flush=True)
    except Exception as e:  # every failure is an outcome to report, not a reason to stop
        print(json.dumps({"event": "error", "error": type(e).__name__, "at": time.time() * 1000}), flush=True)
    time.sleep(0.01)
