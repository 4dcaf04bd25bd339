#!/usr/bin/env python3
"""Targets and clients for tests/lab/test_flaky.sh (stdlib only).

  serve --ports FILE --log FILE   targets on 127.0.0.1, ports written to FILE
                                  (tmp + rename) as "MODE PORT" lines:
                                    echo    echoes; EOF is echoed as EOF
                                    src40k  sends 40000 pattern bytes, closes
                                    srcinf  sends pattern bytes until closed
                                  each closed connection logs one line
                                  "close MODE first=HEX in=N out=N".
  forward PORT BYTES              sends BYTES seeded random bytes to an echo
                                  target, half-closes, reads until EOF.
  rtt PORT COUNT                  COUNT one-byte round trips.
  order PORT COUNT                COUNT numbered 4-byte messages, 5 ms apart,
                                  must come back in order and intact.
  drain PORT SECS                 reads until EOF, reset or SECS.
  watch PORT SECS TAG             sends TAG (8 bytes) at once, then one byte
                                  at 0.15 s, 0.25 s, ... until SECS, reading
                                  echoes all along.
  attempts LINK UNTIL READY ARMED writes ARMED, waits for the ready file
                                  READY, then makes a new connection with a
                                  one-byte echo every 100 ms to LINK's port
                                  until UNTIL s after READY's mtime, and holds
                                  one connection from the start.
  cuts PORT N [NOISE_PORT]        N drains one after the other (each to EOF),
                                  a drain of NOISE_PORT between them.
  many PORTS_FILE CONNS BYTES HOLD
                                  CONNS connections at once, spread over the
                                  ports (second column), each echoing BYTES;
                                  all held open until file HOLD exists.

Clients print "key=value" words on one line and exit 0; 1 when what they saw
is not what a healthy proxy can produce (the shell asserts the numbers).
"""
import asyncio
import hashlib
import os
import random
import selectors
import socket
import sys
import threading
import time

PATTERN = bytes(i % 251 for i in range(65536))


def fail(msg):
    print("probe: " + msg, file=sys.stderr)
    sys.exit(1)


def dial(port, timeout=10.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


# ---- targets ----------------------------------------------------------------

async def serve(ports_path, log_path):
    log = open(log_path, "a", buffering=1)

    def logged(mode, first, nin, nout):
        log.write(f"close {mode} first={first.hex() or '-'} in={nin} out={nout}\n")

    async def echo(r, w):
        nin = nout = 0
        first = b""
        try:
            while True:
                data = await r.read(65536)
                if not data:
                    w.write_eof()
                    await w.drain()
                    await r.read(1)  # until the peer closes
                    break
                if len(first) < 8:
                    first += data[:8 - len(first)]
                nin += len(data)
                w.write(data)
                await w.drain()
                nout += len(data)
        except (ConnectionError, OSError):
            pass
        logged("echo", first, nin, nout)
        w.close()

    def source(limit):
        async def run(r, w):
            nout = 0
            try:
                while limit is None or nout < limit:
                    n = len(PATTERN) if limit is None else min(len(PATTERN), limit - nout)
                    w.write(PATTERN[:n])
                    await w.drain()
                    nout += n
                w.write_eof()
                await r.read(1)
            except (ConnectionError, OSError):
                pass
            logged("src", b"", 0, nout)
            w.close()
        return run

    servers = {}
    for mode, cb in (("echo", echo), ("src40k", source(40000)), ("srcinf", source(None))):
        servers[mode] = await asyncio.start_server(cb, "127.0.0.1", 0, backlog=4096)
    tmp = ports_path + ".tmp"
    with open(tmp, "w") as f:
        for mode, srv in servers.items():
            f.write(f"{mode} {srv.sockets[0].getsockname()[1]}\n")
    os.rename(tmp, ports_path)
    await asyncio.Event().wait()


# ---- clients ----------------------------------------------------------------

def forward(port, nbytes):
    data = random.Random(4).randbytes(nbytes)
    s = dial(port, timeout=60)
    t0 = time.monotonic()

    def send():
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)

    th = threading.Thread(target=send)
    th.start()
    got = hashlib.sha256()
    n = 0
    while True:
        b = s.recv(65536)
        if not b:
            break
        got.update(b)
        n += len(b)
    th.join()
    s.close()
    same = int(got.digest() == hashlib.sha256(data).digest())
    print(f"sent={nbytes} got={n} same={same} secs={time.monotonic() - t0:.2f}")


def rtt(port, count):
    s = dial(port)
    times = []
    for _ in range(count):
        t0 = time.monotonic()
        s.sendall(b"r")
        if s.recv(1) != b"r":
            fail("rtt: no echo")
        times.append((time.monotonic() - t0) * 1000)
    s.close()
    print(f"min_ms={min(times):.0f} max_ms={max(times):.0f}")


def order(port, count):
    s = dial(port)
    want = b"".join(i.to_bytes(4, "big") for i in range(count))
    t0 = time.monotonic()

    def send():
        for i in range(count):
            s.sendall(want[4 * i:4 * i + 4])
            time.sleep(0.005)

    th = threading.Thread(target=send)
    th.start()
    got = b""
    while len(got) < len(want):
        b = s.recv(65536)
        if not b:
            break
        got += b
    th.join()
    s.close()
    print(f"got={len(got)} same={int(got == want)} secs={time.monotonic() - t0:.2f}")


def drain_sock(s, secs):
    """Reads until EOF, reset or secs; returns (bytes, end, seconds)."""
    t0 = time.monotonic()
    n, end = 0, "timeout"
    while True:
        left = secs - (time.monotonic() - t0)
        if left <= 0:
            break
        s.settimeout(left)
        try:
            b = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            end = "reset"
            break
        if not b:
            end = "eof"
            break
        n += len(b)
    return n, end, time.monotonic() - t0


def drain(port, secs):
    try:
        s = dial(port)
    except ConnectionResetError:  # reset before connect() returned
        print("got=0 end=reset secs=0.00")
        return
    n, end, took = drain_sock(s, secs)
    s.close()
    print(f"got={n} end={end} secs={took:.2f}")


def watch(port, secs, tag):
    s = dial(port)
    s.setblocking(False)
    t0 = time.monotonic()
    out = tag.encode()[:8].ljust(8, b".")
    echoes, last, end, end_at, nsent = 0, -1.0, "none", -1.0, 0
    next_send = 0.0
    while True:
        now = time.monotonic() - t0
        if now >= secs or end != "none":
            break
        if now >= next_send:
            try:
                s.send(out if nsent == 0 else b"w")
            except OSError:
                pass
            nsent += 1
            next_send = 0.15 if nsent == 1 else next_send + 0.1
        sel = selectors.DefaultSelector()
        sel.register(s, selectors.EVENT_READ)
        ready = sel.select(max(0.0, min(next_send, secs) - now))
        sel.close()
        if not ready:
            continue
        try:
            b = s.recv(65536)
        except BlockingIOError:
            continue
        except ConnectionResetError:
            b, end = b"", "reset"
        if not b:
            end = "eof" if end == "none" else end
            end_at = time.monotonic() - t0
            break
        echoes += len(b)
        last = time.monotonic() - t0
    s.close()
    print(f"sent={nsent + 7 if nsent else 0} echoed={echoes} last_echo={last:.2f} "
          f"end={end} end_at={end_at:.2f}")


def attempt(port):
    """One connection, one byte echoed: ok, reset, eof or timeout."""
    try:
        s = dial(port, timeout=2)
    except ConnectionRefusedError:
        return "refused"
    except ConnectionResetError:
        return "reset"
    except OSError:
        return "timeout"
    try:
        s.sendall(b"a")
        b = s.recv(1)
        return "ok" if b == b"a" else "eof"
    except ConnectionResetError:
        return "reset"
    except BrokenPipeError:
        return "reset"
    except OSError:
        return "timeout"
    finally:
        s.close()


def attempts(port, until, ready, armed):
    """Times are seconds since the ready file was written (the link's first
    up period starts then), until time `until`. Writes `armed` first, so that
    the shell starts flaky only once this interpreter is up."""
    open(armed, "w").write("armed\n")
    deadline = time.monotonic() + 60
    while not os.path.exists(ready):
        if time.monotonic() > deadline:
            fail("attempts: no ready file")
        time.sleep(0.01)
    t0 = os.stat(ready).st_mtime
    port = int(next(l.split()[1] for l in open(ready) if l.split()[0] == port))
    held = dial(port)
    held.sendall(b"h")
    if held.recv(1) != b"h":
        fail("attempts: the held connection did not echo")
    held_end = []

    def watch_held():
        n, end, took = drain_sock(held, until + 5 - (time.time() - t0))
        held_end.append((end, time.time() - t0))

    th = threading.Thread(target=watch_held)
    th.start()
    seen = []
    while time.time() - t0 < until:
        at = time.time() - t0
        seen.append(f"{at:.2f}:{attempt(port)}")
        time.sleep(max(0.0, 0.1 - (time.time() - t0 - at)))
    th.join()
    held.close()
    counts = {k: sum(1 for x in seen if x.endswith(":" + k))
              for k in ("ok", "reset", "eof", "refused", "timeout")}
    words = " ".join(f"{k}={v}" for k, v in counts.items())
    print(f"{words} held_end={held_end[0][0]} held_at={held_end[0][1]:.2f} "
          f"seen={','.join(seen)}")


def cuts(port, n, noise):
    got = []
    for _ in range(n):
        s = dial(port)
        nb, end, _ = drain_sock(s, 30)
        s.close()
        if end == "timeout":
            fail("cuts: no cut within 30 s")
        got.append(str(nb))
        if noise:
            s = dial(noise)
            drain_sock(s, 30)
            s.close()
    print("cuts=" + ",".join(got))


def many(ports_file, conns, nbytes, hold):
    ports = [int(l.split()[1]) for l in open(ports_file) if l.strip()]
    sel = selectors.DefaultSelector()
    payload = random.Random(5).randbytes(nbytes)
    t0 = time.monotonic()
    socks = []
    for i in range(conns):
        s = dial(ports[i % len(ports)])
        s.setblocking(False)
        socks.append(s)
        sel.register(s, selectors.EVENT_READ, [0])
        s.send(payload)  # small: fits the socket buffer
    done = 0
    while done < conns:
        if time.monotonic() - t0 > 120:
            fail(f"many: only {done} of {conns} echoed within 120 s")
        for key, _ in sel.select(1.0):
            b = key.fileobj.recv(65536)
            if not b:
                fail("many: a connection closed early")
            key.data[0] += len(b)
            if key.data[0] >= nbytes:
                done += 1
                sel.unregister(key.fileobj)
    took = time.monotonic() - t0
    print(f"conns={conns} echoed={done} secs={took:.2f}", flush=True)
    # all still open: the shell reads the proxy's memory, then makes hold
    while not os.path.exists(hold) and time.monotonic() - t0 < 300:
        time.sleep(0.05)
    for s in socks:
        s.close()


def main():
    a = sys.argv[1:]
    if not a:
        fail("usage: see the docstring")
    cmd = a[0]
    if cmd == "serve":
        asyncio.run(serve(a[2], a[4]))
    elif cmd == "forward":
        forward(int(a[1]), int(a[2]))
    elif cmd == "rtt":
        rtt(int(a[1]), int(a[2]))
    elif cmd == "order":
        order(int(a[1]), int(a[2]))
    elif cmd == "drain":
        drain(int(a[1]), float(a[2]))
    elif cmd == "watch":
        watch(int(a[1]), float(a[2]), a[3])
    elif cmd == "attempts":
        attempts(a[1], float(a[2]), a[3], a[4])
    elif cmd == "cuts":
        cuts(int(a[1]), int(a[2]), int(a[3]) if len(a) > 3 else 0)
    elif cmd == "many":
        many(a[1], int(a[2]), int(a[3]), a[4])
    else:
        fail("unknown command " + cmd)


if __name__ == "__main__":
    main()
