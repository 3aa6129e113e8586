#!/usr/bin/env python3
"""TCP relay for bench/fleet.sh: one lab server answers for many inventory entries.

The inventory refuses one address:port in two clusters (one PostgreSQL belongs to one cluster), so every cluster of
the benchmark's inventory names the lab's own addresses at a port of its own; this relay listens on each
ADDRESS:PORT and forwards to ADDRESS:UPSTREAM_PORT. It counts the connections open at once per upstream and writes
the maxima to --stats (JSON) whenever one grows; SIGUSR1 resets them. --silent ADDRESS:PORT listens and accepts but
never answers: a server that hangs, for the deadline of `status --all-clusters`.

Usage: fleet-relay.py --stats FILE --addresses A,B,.. --ports FIRST-LAST [--upstream-port 5432] [--silent A:P ...]
"""
import argparse
import asyncio
import json
import signal

open_now = {}
max_open = {}
total = {"max": 0, "now": 0}
stats_file = None


def write_stats():
    with open(stats_file, "w") as f:
        json.dump({"max_total": total["max"], "max_per_upstream": max_open}, f)


def reset(*_):
    for k in max_open:
        max_open[k] = open_now.get(k, 0)
    total["max"] = total["now"]
    write_stats()


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


def relay(upstream_host, upstream_port):
    key = "%s:%d" % (upstream_host, upstream_port)
    open_now.setdefault(key, 0)
    max_open.setdefault(key, 0)

    async def handle(client_reader, client_writer):
        try:
            up_reader, up_writer = await asyncio.open_connection(upstream_host, upstream_port)
        except OSError:
            client_writer.close()
            return
        open_now[key] += 1
        total["now"] += 1
        grew = False
        if open_now[key] > max_open[key]:
            max_open[key] = open_now[key]
            grew = True
        if total["now"] > total["max"]:
            total["max"] = total["now"]
            grew = True
        if grew:
            write_stats()
        try:
            await asyncio.gather(pipe(client_reader, up_writer), pipe(up_reader, client_writer))
        finally:
            open_now[key] -= 1
            total["now"] -= 1

    return handle


async def silent(reader, writer):
    # accept, read and never answer: the client's own timeouts must end it
    try:
        while await reader.read(65536):
            pass
    except ConnectionError:
        pass
    writer.close()


async def main():
    global stats_file
    p = argparse.ArgumentParser()
    p.add_argument("--stats", required=True)
    p.add_argument("--addresses", default="")
    p.add_argument("--ports", default="")
    p.add_argument("--upstream-port", type=int, default=5432)
    p.add_argument("--silent", nargs="*", default=[])
    a = p.parse_args()
    stats_file = a.stats
    servers = []
    if a.addresses:
        first, last = (int(x) for x in a.ports.split("-"))
        for addr in a.addresses.split(","):
            handler = relay(addr, a.upstream_port)
            for port in range(first, last + 1):
                servers.append(await asyncio.start_server(handler, addr, port, backlog=256))
    for spec in a.silent:
        addr, port = spec.rsplit(":", 1)
        servers.append(await asyncio.start_server(silent, addr, int(port), backlog=256))
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, reset)
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    loop.add_signal_handler(signal.SIGINT, stop.set_result, None)
    write_stats()
    print("relay: %d listeners" % len(servers), flush=True)
    await stop
    write_stats()


asyncio.run(main())
