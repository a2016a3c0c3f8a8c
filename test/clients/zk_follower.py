"""A client that follows a group's master through ZooKeeper as docs/ says an application should
(Debian's python3-kazoo and python3-redis): a watch on the record, and before using a value,
the address must be a live node of the group (a child of the nodes directory) and answer ROLE as
master, and a value that fails a check is checked again 200 ms later while the record still names
it. Writes SET <prefix><n> to the master it follows and prints one JSON line per outcome.
Usage: zk_follower.py <zk hosts with chroot> <record path> <nodes dir> <prefix> <seconds>"""
import json
import sys
import threading
import time

import redis
from kazoo.client import KazooClient
from kazoo.exceptions import NoNodeError

hosts, record, nodes_dir, prefix, seconds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
zk = KazooClient(hosts=hosts)
zk.start(timeout=10)
lock = threading.Lock()
current = {"addr": None, "client": None}


def say(**fields):
    print(json.dumps(fields), flush=True)


def live_nodes():
    out = set()
    for child in zk.get_children(nodes_dir):
        try:
            data, _ = zk.get(f"{nodes_dir}/{child}")
        except NoNodeError:
            continue  # deregistered between the two reads (a failover's old master, typically)
        out.add(data.decode("utf-8", "replace"))
    return out


# The last refusal of a value (value, when): checked again after RECHECK_S while the record still
# names it. A new master can register or answer ROLE as master a moment after it is recorded,
# and a watch fires only when the record changes again.
RECHECK_S = 0.2
refusal = {"value": None, "at": 0.0, "said": None}


def refuse(value, why, recheck=True):
    with lock:
        refusal["value"], refusal["at"] = (value if recheck else None), time.time()
        said = refusal["said"] == (value, why)
        refusal["said"] = (value, why)
    if not said:
        say(event="refused", value=value, why=why)


def check(value):
    parts = (value or "").split(" ")
    if len(parts) != 2 or not parts[1].isdigit():
        # Garbage does not get better by waiting: the watch fires when it is repaired.
        refuse(value, "not host port", recheck=False)
        return
    if value not in live_nodes():
        refuse(value, "not a live node of the group")
        return
    client = redis.Redis(host=parts[0], port=int(parts[1]), socket_timeout=0.5)
    try:
        role = client.execute_command("ROLE")[0]
    except redis.RedisError as e:
        refuse(value, f"ROLE failed: {type(e).__name__}")
        return
    if role not in (b"master", "master"):
        refuse(value, "not master")
        return
    with lock:
        current["addr"], current["client"] = value, client
        refusal["value"], refusal["said"] = None, None
    say(event="following", value=value)


@zk.DataWatch(record)
def on_record(data, stat):
    value = None if data is None else data.decode("utf-8", "replace")
    try:
        check(value)
    except Exception as e:  # an exception here would lose this change: judge it again shortly
        refuse(value, f"check failed: {type(e).__name__}")


end = time.time() + seconds
i = 0
while time.time() < end:
    with lock:
        addr, client = current["addr"], current["client"]
        again = refusal["value"] is not None and time.time() - refusal["at"] >= RECHECK_S
    if again:
        try:
            data, _ = zk.get(record)
            check(data.decode("utf-8", "replace"))
        except Exception as e:  # the record gone, ZooKeeper unreachable: the watch says when it is back
            refuse(None, f"record unreadable: {type(e).__name__}", recheck=False)
    if client is not None:
        key = f"{prefix}{i}"
        i += 1
        try:
            client.set(key, "1")
            say(event="ack", key=key, master=addr, at=time.time() * 1000)
        except redis.RedisError as e:
            say(event="error", error=type(e).__name__, master=addr)
    time.sleep(0.01)
zk.stop()
