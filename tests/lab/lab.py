#!/usr/bin/env python3
"""The simpul lab: a kabupaten of real daemons on 127.0.0.1.

Builds a network from the region list (one `simpul run` per region: the
kabupaten, its kecamatan, their desa), wires every child to its parent
through one flaky link proxy (tests/lab/flaky.c), posts a KIM workload
while the network runs, optionally SIGKILLs and restarts daemons, then
waits until every node holds exactly the feeds it is entitled to and checks
it in full: heads equal to the authors', nothing it is not entitled to,
`simpul verify` on every store, and nothing a peer acknowledged missing at
that peer. Prints a summary and writes a JSON report (bytes per link,
reconnects, time to converge, peak memory per level).

Exit status: 0 every check passed, 1 a check failed (the report says
which node, feed and log), 2 usage error. Standard library only.
See tests/lab/README.md.
"""

import argparse
import concurrent.futures as cf
import csv
import heapq
import itertools
import json
import math
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

KAB, KEC, DESA = "kabupaten", "kecamatan", "desa"
LEVELS = (KAB, KEC, DESA)
KIB = 1024
T0 = time.monotonic()


class LabError(Exception):
    """A setup step failed (not a finding about the network)."""


class Interrupted(Exception):
    """SIGINT, SIGTERM or SIGHUP: stop everything and leave."""


def say(msg):
    print(f"lab: [{time.monotonic() - T0:7.1f}s] {msg}", flush=True)


def span(text):
    """'A-B' -> (A, B) as floats, A <= B."""
    try:
        a, b = (float(x) for x in text.split("-", 1))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}': expected A-B")
    if a < 0 or b < a:
        raise argparse.ArgumentTypeError(f"'{text}': expected 0 <= A <= B")
    return (a, b)


def fmt_num(x):
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# ---- regions and audiences (proto/SPEC.md §2-§3) -------------------------


def covers(a, c):
    """A covers C: A = C or A is a proper prefix of C at a part boundary."""
    return c == a or c.startswith(a + ".")


def entitled(audience, region):
    """Is region in the audience (its text form, tree:T or path:O:T)?"""
    parts = audience.split(":")
    if parts[0] == "tree" and len(parts) == 2:
        t = parts[1]
        return covers(t, region) or covers(region, t)
    if parts[0] == "path" and len(parts) == 3:
        o, t = parts[1], parts[2]
        return covers(region, o) and covers(t, region)
    raise ValueError(f"audience '{audience}' not understood")


# ---- the topology ---------------------------------------------------------


class Node:
    def __init__(self, code, name, level, parent):
        self.code, self.name, self.level, self.parent = code, name, level, parent
        self.children = []
        self.dir = self.log = None
        self.key = None
        self.listen = None  # its own listen port (kabupaten, kecamatan)
        self.link_port = None  # the proxy's port for the link to its parent
        self.link_keys = []  # flaky keys of that link
        self.proc = None
        self.starts = 0
        self.kills = 0
        self.hwm_kib = 0  # VmHWM, the highest over its incarnations
        self.anon_kib = 0  # RssAnon, the highest sample

    def __repr__(self):
        return f"{self.code} ({self.level} {self.name})"

    def neighbours(self):
        return ([self.parent] if self.parent else []) + self.children


def load_topology(path, args):
    """The kabupaten, the first N kecamatan and the first M desa of each
    (or all), in the order of the csv (kode,nama,tingkat)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    kabs = [r for r in rows if r["tingkat"] == KAB]
    if len(kabs) != 1:
        raise LabError(f"{path}: expected one kabupaten, found {len(kabs)}")
    kab = Node(kabs[0]["kode"], kabs[0]["nama"], KAB, None)
    kecs = [r for r in rows if r["tingkat"] == KEC]
    if not args.all:
        kecs = kecs[: args.kecamatan]
    for r in kecs:
        if r["kode"].rsplit(".", 1)[0] != kab.code:
            raise LabError(f"{path}: kecamatan {r['kode']} not in {kab.code}")
        kec = Node(r["kode"], r["nama"], KEC, kab)
        kab.children.append(kec)
        desa = [d for d in rows if d["tingkat"] == DESA
                and d["kode"].rsplit(".", 1)[0] == kec.code]
        if not args.all:
            desa = desa[: args.desa_per]
        for d in desa:
            kec.children.append(Node(d["kode"], d["nama"], DESA, kec))
    nodes = [kab] + kab.children + [d for k in kab.children for d in k.children]
    return kab, nodes


# ---- processes ------------------------------------------------------------


class Simpul:
    """Runs simpul subcommands to their end (never daemons)."""

    def __init__(self, path):
        self.path = path

    def run(self, *args, timeout=300, check=True):
        try:
            r = subprocess.run([self.path, *args], capture_output=True,
                               text=True, timeout=timeout,
                               stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise LabError(f"simpul {' '.join(args[:3])}: no answer in "
                           f"{timeout}s")
        if check and r.returncode != 0:
            raise LabError(f"simpul {' '.join(args[:4])}: exit "
                           f"{r.returncode}: {r.stderr.strip()}")
        return r

    def json(self, *args, **kw):
        return json.loads(self.run(*args, "--json", **kw).stdout)


def pdeath_prefix():
    """Children die with the runner, even if it is SIGKILLed: setpriv sets
    the parent-death signal (only the main thread starts children)."""
    path = shutil.which("setpriv")
    return [path, "--pdeathsig", "KILL", "--"] if path else []


def free_ports(n):
    """n distinct free TCP ports on 127.0.0.1, below the ephemeral range so
    that no outgoing connection takes one before its listener binds."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            eph = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        eph = 32768
    lo, hi = 10000, max(eph, 12000)
    pick = random.Random()  # not the seed: parallel runs must differ
    held, ports = [], []
    try:
        for p in pick.sample(range(lo, hi), hi - lo):
            if len(ports) == n:
                break
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                s.close()
                continue
            held.append(s)
            ports.append(p)
    finally:
        for s in held:
            s.close()
    if len(ports) < n:
        raise LabError(f"only {len(ports)} free ports, {n} needed")
    return ports


def set_keys(conf, values):
    """Sets [section] key = value in a simpul.conf, keeping its comments."""
    with open(conf, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out, cur, done = [], None, set()

    def flush_section(section):
        for key, v in values.get(section, {}).items():
            if (section, key) not in done:
                out.append(f"{key} = {v}")
                done.add((section, key))

    for line in lines:
        s = line.strip()
        if s.startswith("[") and s.endswith("]"):
            if cur is not None:
                flush_section(cur)
            cur = s[1:-1]
        elif cur in values and not s.startswith("#") and "=" in s:
            key = s.split("=", 1)[0].strip()
            if key in values[cur]:
                if (cur, key) not in done:
                    out.append(f"{key} = {values[cur][key]}")
                    done.add((cur, key))
                continue
        out.append(line)
    if cur is not None:
        flush_section(cur)
    for section in values:
        if any((section, k) not in done for k in values[section]):
            out.append(f"[{section}]")
            flush_section(section)
    with open(conf, "w", encoding="utf-8") as f:
        f.write("\n".join(out))


def proc_status(pid):
    """(VmHWM, RssAnon) in KiB of a running process, or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            text = f.read()
    except OSError:
        return None
    vals = {}
    for line in text.splitlines():
        k, _, v = line.partition(":")
        if k in ("VmHWM", "RssAnon"):
            vals[k] = int(v.split()[0])
    return vals.get("VmHWM", 0), vals.get("RssAnon", 0)


# ---- the lab --------------------------------------------------------------


class Lab:
    def __init__(self, args):
        self.args = args
        self.sp = Simpul(args.simpul)
        self.kab, self.nodes = load_topology(args.csv, args)
        self.by_code = {n.code: n for n in self.nodes}
        self.by_key = {}
        self.root_key = None
        self.pool = cf.ThreadPoolExecutor(max_workers=args.jobs)
        self.prefix = pdeath_prefix()
        self.flaky = None
        self.stop_sampling = threading.Event()
        self.stop_workload = threading.Event()
        self.sampler = None
        self.problems = []  # findings: each one line, the run fails
        self.report = {"args": {k: v for k, v in vars(args).items()}}
        self.created_work = False
        self.posts = []  # (node, kind, audience, title) of every post made
        self.feeds = {}  # feed id -> (head, audience, author code)
        self.post_errors = []
        self.kill_log = []
        self.t_start = None  # all daemons started
        self.t_workload_end = None
        self.lock = threading.Lock()

    def level_nodes(self, level):
        return [n for n in self.nodes if n.level == level]

    def problem(self, text):
        """A finding: the run fails. The first 50 are printed as they come,
        all of them go to the report."""
        with self.lock:
            self.problems.append(text)
            n = len(self.problems)
        if n <= 50:
            say("PROBLEM: " + text)
        elif n == 51:
            say("PROBLEM: more of them: see the report")

    def pmap(self, fn, items):
        return list(self.pool.map(fn, items))

    # ---- 1. the network ---------------------------------------------------

    def make_dirs(self):
        a = self.args
        if os.path.exists(a.work):
            if os.listdir(a.work):
                raise LabError(f"{a.work}: exists and is not empty")
        else:
            os.makedirs(a.work)
            self.created_work = True
        os.makedirs(os.path.join(a.work, "nodes"))
        for n in self.nodes:
            n.dir = os.path.join(a.work, "nodes", n.code)
            n.log = n.dir + ".log"

    def init_node(self, n):
        j = self.sp.json("init", "--data", n.dir, "--region", n.code,
                         "--name", f"KIM {n.name}", "--map-size-mib",
                         str(self.args.map_size_mib))
        n.key = j["node_key"]

    def enrol(self, n):
        """Enrolled by its parent: the kabupaten (with --issuer for a
        kecamatan) or its kecamatan (delegation)."""
        self.init_node(n)
        req = self.sp.run("enroll", "request", "--data", n.dir).stdout.strip()
        sign = ["enroll", "sign", "--data", n.parent.dir, req,
                "--valid-days", "30"]
        if n.level == KEC:
            sign.append("--issuer")
        cert = self.sp.run(*sign).stdout.strip()
        self.sp.run("enroll", "accept", "--data", n.dir, cert)

    def setup_network(self):
        t = time.monotonic()
        self.make_dirs()
        self.init_node(self.kab)
        j = self.sp.json("network", "create", "--data", self.kab.dir,
                         "--region", self.kab.code, "--name",
                         f"Jaringan KIM {self.kab.name}")
        self.root_key = j["root_key"]
        self.pmap(self.enrol, self.level_nodes(KEC))
        self.pmap(self.enrol, self.level_nodes(DESA))
        self.by_key = {n.key: n for n in self.nodes}
        self.by_key[self.root_key] = self.kab
        # The certificates: the system feeds of the issuers, final now.
        issuers = [n for n in self.nodes if n.level != DESA]
        for n, fl in zip(issuers, self.pmap(self.feeds_of, issuers)):
            for fid, f in fl.items():
                if self.by_key.get(f["author"]) is n:
                    self.feeds[fid] = (f["head_seq"], f["audience"], n.code)
        self.report["setup_s"] = round(time.monotonic() - t, 1)
        say(f"network: {len(self.nodes)} nodes enrolled in "
            f"{self.report['setup_s']}s")

    # ---- 2, 3. ports, links, profiles -----------------------------------

    def draw(self, rng, rang):
        """A sub-range of rang (A-B): A..B itself split at random."""
        a, b = rang
        mid = (a + b) / 2
        lo = rng.uniform(a, mid)
        hi = rng.uniform(max(lo, mid), b)
        return f"{fmt_num(round(lo))}-{fmt_num(round(max(hi, lo)))}"

    def link_profile(self, rng, n):
        a = self.args
        if a.profile == "clean":
            return []
        if n.level == DESA:
            la = rng.randint(300, 550)
            keys = [f"rate_kbit={rng.randint(64, 256)}",
                    f"latency_ms={la}-{rng.randint(la + 50, 800)}"]
            which = rng.random()
            if which < 0.7:
                keys.append(f"cut_s={self.draw(rng, a.cut_s)}")
            if which >= 0.3:
                keys.append(f"cut_bytes={self.draw(rng, a.cut_bytes)}")
            keys.append(f"down={fmt_num(a.down)}:{self.draw(rng, a.down_s)}")
            if a.blackhole > 0:
                keys.append(f"blackhole={fmt_num(a.blackhole)}:"
                            f"{self.draw(rng, a.blackhole_s)}")
            return keys
        la = rng.randint(50, 100)
        return [f"rate_kbit={rng.randint(1000, 2000)}",
                f"latency_ms={la}-{rng.randint(la + 20, 150)}",
                f"cut_s={self.draw(rng, a.kec_cut_s)}"]

    def plan_links(self):
        servers = [n for n in self.nodes if n.level != DESA]
        children = [n for n in self.nodes if n.parent]
        ports = free_ports(len(servers) + len(children))
        for n, p in zip(servers, ports):
            n.listen = p
        rng = random.Random(f"{self.args.seed}-links")
        for n, p in zip(children, ports[len(servers):]):
            n.link_port = p
            n.link_keys = self.link_profile(rng, n)

    def start_flaky(self):
        a, w = self.args, self.args.work
        self.links_file = os.path.join(w, "flaky.links")
        self.ready_file = os.path.join(w, "flaky.ready")
        self.stats_file = os.path.join(w, "flaky.stats.json")
        children = [n for n in self.nodes if n.parent]
        with open(self.links_file, "w") as f:
            for n in children:
                f.write(" ".join([n.code, f"127.0.0.1:{n.link_port}",
                                  f"127.0.0.1:{n.parent.listen}"]
                                 + n.link_keys) + "\n")
        cmd = self.prefix + [a.flaky, "--links", self.links_file, "--ready",
                             self.ready_file, "--stats", self.stats_file,
                             "--seed", str(a.seed), "--stats-every-ms", "1000"]
        with open(os.path.join(w, "flaky.log"), "ab") as log:
            self.flaky = subprocess.Popen(cmd, stdout=log, stderr=log,
                                          stdin=subprocess.DEVNULL)
        end = time.monotonic() + 60
        while time.monotonic() < end:
            if self.flaky.poll() is not None:
                raise LabError(f"flaky exited with {self.flaky.returncode} "
                               f"before it was ready (see {w}/flaky.log)")
            ready = self.read_ready()
            if ready is not None and len(ready) >= len(children):
                for n in children:
                    if n.code not in ready:
                        raise LabError(f"flaky ready file lacks {n.code}")
                    n.link_port = ready[n.code]
                say(f"flaky: {len(children)} links ready ({a.profile})")
                return
            time.sleep(0.1)
        raise LabError("flaky did not write its ready file within 60s")

    def read_ready(self):
        try:
            with open(self.ready_file) as f:
                lines = f.read().splitlines()
        except OSError:
            return None
        ready = {}
        for line in lines:
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit():
                ready[parts[0]] = int(parts[1])
        return ready

    def configure(self):
        a = self.args
        http_ports = iter(free_ports(len(self.nodes)) if a.http else [])
        for n in self.nodes:
            net = {"keepalive_s": a.keepalive_s, "timeout_s": a.timeout_s,
                   "backoff_min_ms": int(a.backoff_ms[0]),
                   "backoff_max_ms": int(a.backoff_ms[1]),
                   "retry_primary_s": 1,
                   "listen": f"127.0.0.1:{n.listen}" if n.listen else "",
                   "parent": ""}
            if n.parent:
                port = n.parent.listen if a.direct else n.link_port
                net["parent"] = f"127.0.0.1:{port}"
            conf = os.path.join(n.dir, "simpul.conf")
            values = {"net": net, "log": {"level": a.log_level}}
            with open(conf, encoding="utf-8") as f:
                has_http = "\n[http]" in f.read()
            if has_http:  # off, or a port of its own: never the default
                values["http"] = {"listen": f"127.0.0.1:{next(http_ports)}"
                                  if a.http else ""}
            set_keys(conf, values)

    # ---- 4. daemons ------------------------------------------------------

    def start_daemon(self, n):
        with open(n.log, "ab") as log:
            n.proc = subprocess.Popen(
                self.prefix + [self.args.simpul, "run", "--data", n.dir],
                stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        n.starts += 1

    def listening(self, n):
        try:
            with open(n.log, errors="replace") as f:
                return "NODE-LISTEN listening on" in f.read()
        except OSError:
            return False

    def start_all(self):
        """Level by level, each once its parents listen, so that no
        child's first dial is refused (reconnect counts stay meaningful)."""
        for level in (KAB, KEC):
            servers = self.level_nodes(level)
            for n in servers:
                self.start_daemon(n)
            end = time.monotonic() + 120
            while not all(self.listening(n) for n in servers):
                for n in servers:
                    if n.proc.poll() is not None:
                        raise LabError(f"daemon {n} exited with "
                                       f"{n.proc.returncode} at start: "
                                       f"{last_line(n.log)}")
                if time.monotonic() > end:
                    raise LabError(f"the {level} daemons did not all listen "
                                   f"within 120s")
                time.sleep(0.1)
        for n in self.level_nodes(DESA):
            self.start_daemon(n)
        self.t_start = time.monotonic()
        self.sampler = threading.Thread(target=self.sample_memory,
                                        daemon=True)
        self.sampler.start()
        say(f"daemons: {len(self.nodes)} started")

    def sample_memory(self):
        while not self.stop_sampling.wait(self.args.sample_s):
            for n in self.nodes:
                p = n.proc
                if p is None or p.returncode is not None:
                    continue
                v = proc_status(p.pid)
                if v:
                    n.hwm_kib = max(n.hwm_kib, v[0])
                    n.anon_kib = max(n.anon_kib, v[1])

    def check_alive(self):
        """A daemon that died on its own is a finding; restart it so the
        run can still tell whether the network recovers."""
        for n in self.nodes:
            p = n.proc
            if p is not None and p.poll() is not None:
                self.problem(f"daemon {n} exited by itself with status "
                             f"{p.returncode} (log {n.log}: "
                             f"{last_line(n.log)})")
                self.start_daemon(n)
        if self.flaky and self.flaky.poll() is not None:
            raise LabError(f"flaky exited with {self.flaky.returncode}")

    def stop_all(self):
        """SIGTERM every daemon, SIGKILL the ones still there after
        --stop-timeout; then flaky (it writes its stats on SIGTERM)."""
        live = [n for n in self.nodes if n.proc and n.proc.poll() is None]
        for n in live:
            n.proc.send_signal(signal.SIGTERM)
        end = time.monotonic() + self.args.stop_timeout
        for n in live:
            try:
                n.proc.wait(timeout=max(0.1, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                n.proc.kill()
                n.proc.wait()
                self.problem(f"daemon {n} did not stop within "
                             f"{self.args.stop_timeout}s of SIGTERM")
                continue
            if n.proc.returncode != 0:
                self.problem(f"daemon {n} stopped with status "
                             f"{n.proc.returncode} ({last_line(n.log)})")
        self.stop_sampling.set()
        if self.flaky and self.flaky.poll() is None:
            self.flaky.send_signal(signal.SIGTERM)
            try:
                self.flaky.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.flaky.kill()
                self.flaky.wait()
                self.problem("flaky did not stop within 30s of SIGTERM")
            if self.flaky.returncode not in (0, None):
                self.problem(f"flaky stopped with status "
                             f"{self.flaky.returncode}")

    def kill_everything(self):
        """Last resort (exception, Ctrl-C): nothing may stay behind."""
        self.stop_workload.set()
        self.stop_sampling.set()
        procs = [n.proc for n in self.nodes if n.proc] + \
            ([self.flaky] if self.flaky else [])
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        end = time.monotonic() + 10
        for p in procs:
            try:
                p.wait(timeout=max(0.1, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    # ---- 5. workload -----------------------------------------------------

    def plan_workload(self):
        """The posts, by time: dicts with t (offset), node, kind, to,
        title, body, and for a tanggapan the aspirasi it answers."""
        a, kab = self.args, self.kab
        rng = random.Random(f"{a.seed}-workload")
        w = a.workload_s
        acts = []

        def text(what):
            words = ("jalan", "banjir", "posyandu", "irigasi", "sekolah",
                     "pasar", "sampah", "listrik", "air", "bersih")
            s = what
            while len(s) < a.body_bytes:
                s += " " + rng.choice(words)
            return s[: a.body_bytes]

        def act(t, node, kind, to, title, body, report=None):
            acts.append({"t": t, "node": node, "kind": kind, "to": to,
                         "title": title, "body": body, "report": report,
                         "id": None, "tries": 0})
            return acts[-1]

        for d in self.level_nodes(DESA):
            kec = d.parent
            for i in range(a.posts):
                t = rng.uniform(0, w * 0.8)
                title = f"Aspirasi {i + 1} dari {d.name}"
                asp = act(t, d, "aspirasi", f"path:{d.code}:{kab.code}",
                          title, text(title))
                # Answered on the report's audience, once held, by the
                # addressed handler alone: the kecamatan relays (KIM.md §3).
                act(rng.uniform(t, w), kab, "tanggapan", asp["to"],
                    f"Tanggapan {kab.name}", text("Ditindaklanjuti"), asp)
            title = f"Kabar dari {d.name}"
            act(rng.uniform(0, w), d, "informasi", f"tree:{kec.code}",
                title, text(title))
        for i in range(a.kab_info):
            title = f"Pengumuman kabupaten {i + 1}"
            act(rng.uniform(0, w), kab, "informasi", f"tree:{kab.code}",
                title, text(title))
        kecs, desas = self.level_nodes(KEC), self.level_nodes(DESA)
        for k in rng.sample(kecs, math.ceil(len(kecs) / 3)):
            title = f"Informasi untuk Kecamatan {k.name}"
            act(rng.uniform(0, w), kab, "informasi", f"tree:{k.code}",
                title, text(title))
        for d in rng.sample(desas, math.ceil(len(desas) / 10)):
            title = f"Informasi untuk Desa {d.name}"
            act(rng.uniform(0, w), kab, "informasi", f"tree:{d.code}",
                title, text(title))
        acts.sort(key=lambda x: x["t"])
        return acts

    def post(self, act):
        """Posts one item: "done", "failed", or "wait" (a tanggapan whose
        report is not held at its node yet: try again later)."""
        n, rep = act["node"], act["report"]
        if rep is not None and rep.get("failed"):
            act["error"] = "its aspirasi was not posted"
            return "failed"
        if rep is not None and rep["id"] is None:
            return "wait"
        args = ["post", "--data", n.dir, "--kind", act["kind"], "--to",
                act["to"], "--body", act["body"], "--title", act["title"],
                "--json"]
        if rep is not None:
            args += ["--report", rep["id"]]
        act["tries"] += 1
        r = self.sp.run(*args, check=False)
        if r.returncode == 0:
            j = json.loads(r.stdout)
            act["id"] = j["id"]
            with self.lock:
                self.posts.append((n, act["kind"], act["to"], act["title"]))
                head = self.feeds.get(j["feed"], (0,))[0]
                self.feeds[j["feed"]] = (max(head, j["seq"]), j["audience"],
                                         n.code)
            if j["author"] != n.key or j["audience"] != act["to"]:
                self.problem(f"{n.code}: posted {j['id'][:16]} as "
                             f"{j['author'][:16]} to {j['audience']}, "
                             f"not as itself to {act['to']}")
            return "done"
        act["error"] = f"exit {r.returncode}: {r.stderr.strip()}"
        if rep is not None and r.returncode == 1:
            return "wait"  # not held here yet (or a real error: see deadline)
        return "failed"

    def run_workload(self, acts, t0, done):
        """Submits each post at its time, a tanggapan again every
        --answer-retry-s until its report is held (or --timeout); sets
        done when all are over."""
        order = itertools.count()
        heap = [(t0 + a["t"], next(order), a) for a in acts]
        heapq.heapify(heap)
        running = {}
        deadline = self.t_start + self.args.timeout
        try:
            while (heap or running) and not self.stop_workload.is_set():
                for f in [f for f in running if f.done()]:
                    a = running.pop(f)
                    try:
                        outcome = f.result()
                    except (LabError, ValueError, KeyError) as e:
                        a["error"], outcome = str(e), "failed"
                    now = time.monotonic()
                    if outcome == "wait" and now < deadline:
                        heapq.heappush(heap, (now + self.args.answer_retry_s,
                                              next(order), a))
                    elif outcome != "done":
                        a["failed"] = True
                        with self.lock:
                            self.post_errors.append(
                                f"{a['node'].code} {a['kind']} {a['to']}: "
                                f"{a.get('error', '?')}"
                                f" ({a['tries']} tries)")
                now = time.monotonic()
                if heap and heap[0][0] <= now:
                    a = heapq.heappop(heap)[2]
                    running[self.pool.submit(self.post, a)] = a
                    continue
                wait = min(0.05, heap[0][0] - now) if heap else 0.05
                if running:
                    cf.wait(list(running), timeout=max(wait, 0.001),
                            return_when=cf.FIRST_COMPLETED)
                else:
                    self.stop_workload.wait(max(wait, 0.001))
        finally:
            for f in running:
                f.cancel()
            cf.wait(list(running))  # a post under way still writes
            done.set()

    # ---- 8. crashes ------------------------------------------------------

    def feeds_of(self, n):
        """{feed id: feed object} of a node's store."""
        return {f["id"]: f for f in self.sp.json("feeds", "--data", n.dir)}

    def known_by(self, x):
        """{peer key: {feed id: seq}}: what x recorded its peers hold."""
        out = {}
        for p in self.sp.json("peers", "--data", x.dir, "--feeds"):
            out[p["key"]] = {f["feed"]: f["seq"] for f in p.get("feeds", [])}
        return out

    def check_dead(self, v):
        """v is dead: everything its neighbours recorded v holds (from v's
        ACKs and HELLOs) must be in v's store, and the store verifies."""
        heads = {fid: f["head_seq"] for fid, f in self.feeds_of(v).items()}
        bad = compared = 0
        for x in v.neighbours():
            known = self.known_by(x).get(v.key, {})
            compared += sum(1 for seq in known.values() if seq > 0)
            for fid, seq in known.items():
                if seq > heads.get(fid, 0):
                    bad += 1
                    self.problem(f"acknowledged entries lost: {x.code} "
                                 f"recorded {v.code} holds feed {fid[:16]} "
                                 f"up to seq {seq}; after SIGKILL its store "
                                 f"has {heads.get(fid, 0)}")
        r = self.sp.run("verify", "--data", v.dir, check=False)
        if r.returncode != 0:
            bad += 1
            self.problem(f"verify failed on {v.code} after SIGKILL: "
                         f"{(r.stdout + r.stderr).strip()[:500]}")
        return bad, compared

    def sabotage_prepare(self):
        """--sabotage: keeps the store a desa has before its first start."""
        v = self.sabotage_victim = self.level_nodes(DESA)[-1]
        self.sabotage_store = os.path.join(self.args.work, "sabotage-store")
        shutil.copytree(os.path.join(v.dir, "store"), self.sabotage_store)

    def sabotage_run(self, t0, until_done):
        """Once its parent recorded entries the desa acknowledged, SIGKILL
        it and put back its first store, as a disk restored from an old
        backup would: the check after the kill must report the loss. The
        workload stops first: a `simpul post` still writing into the store
        would race the swap."""
        v = self.sabotage_victim
        end = time.monotonic() + 120
        while not any(self.known_by(v.parent).get(v.key, {}).values()):
            if time.monotonic() > end:
                raise LabError(f"sabotage: {v.parent.code} recorded nothing "
                               f"of {v.code} in 120s")
            self.check_alive()
            time.sleep(0.5)
        self.stop_workload.set()  # the run ends here, v stays down
        until_done.wait()
        v.proc.kill()
        v.proc.wait()
        v.kills += 1
        t_dead = time.monotonic()
        store = os.path.join(v.dir, "store")
        shutil.rmtree(store)
        shutil.copytree(self.sabotage_store, store)
        bad, compared = self.check_dead(v)
        self.kill_log.append({"t": round(t_dead - t0, 2), "node": v.code,
                              "sabotage": True, "known_compared": compared,
                              "problems": bad})

    def crash_loop(self, t0, until_done):
        """--kill N: at N random moments of the workload, SIGKILL a random
        daemon, check it, restart it after a short random delay."""
        a = self.args
        if a.sabotage:
            self.sabotage_run(t0, until_done)
            return
        rng = random.Random(f"{a.seed}-kills")
        times = sorted(rng.uniform(0.5, a.workload_s) for _ in range(a.kill))
        for i, kt in enumerate(times):
            while time.monotonic() < t0 + kt:
                time.sleep(min(0.2, t0 + kt - time.monotonic() + 0.001))
                self.check_alive()
            v = rng.choice(self.nodes)
            delay = rng.uniform(*a.restart_delay_s)
            if v.proc.poll() is None:
                v.proc.kill()
                v.proc.wait()
                v.kills += 1
            t_dead = time.monotonic()
            bad, compared = self.check_dead(v)
            left = t_dead + delay - time.monotonic()
            if left > 0:
                time.sleep(left)
            self.start_daemon(v)
            self.kill_log.append({"t": round(t_dead - t0, 2), "node": v.code,
                                  "down_s": round(time.monotonic() - t_dead,
                                                  2),
                                  "known_compared": compared,
                                  "problems": bad})
            if (i + 1) % 10 == 0:
                say(f"crash: {i + 1}/{a.kill} kills")
        while not until_done.wait(0.5):
            self.check_alive()

    def workload(self):
        acts = self.plan_workload()
        say(f"workload: {len(acts)} posts over {self.args.workload_s:g}s"
            + (f", {self.args.kill} kills" if self.args.kill else ""))
        t0 = time.monotonic()
        done = threading.Event()
        th = threading.Thread(target=self.run_workload, args=(acts, t0, done),
                              daemon=True)
        th.start()
        try:
            if self.args.kill or self.args.sabotage:
                self.crash_loop(t0, done)
            else:
                while not done.wait(0.5):
                    self.check_alive()
        finally:
            self.stop_workload.set()  # no more posts after an error
            th.join()
        self.t_workload_end = time.monotonic()
        self.report["workload"] = {
            "posts": len(self.posts), "planned": len(acts),
            "seconds": round(self.t_workload_end - t0, 1),
            "kills": len(self.kill_log),
            "answers_retried": sum(1 for a in acts if a["tries"] > 1),
            "kill_known_compared": sum(k["known_compared"]
                                       for k in self.kill_log)}
        for e in self.post_errors:
            self.problem(f"post failed: {e}")
        say(f"workload: {len(self.posts)} posts done in "
            f"{self.report['workload']['seconds']}s")

    # ---- 6. convergence ---------------------------------------------------

    def expectations(self):
        """Per node the feeds it must hold, from self.feeds: the system
        feeds as they were after enrolment, every other feed as its posts
        left it (simpul post --json gives feed and seq)."""
        feeds = self.feeds
        self.expect = {}
        for n in self.nodes:
            self.expect[n.code] = {fid: head for fid, (head, aud, _)
                                   in list(feeds.items()) if entitled(aud, n.code)}
        # The runner's own count: every post and every certificate is there.
        made = sum(h for h, aud, _ in list(feeds.values()))
        want = len(self.posts) + len(self.nodes)
        if made != want:
            self.problem(f"authors hold {made} entries in all, expected "
                         f"{len(self.posts)} posts + {len(self.nodes)} "
                         f"certificates = {want}")

    def entries_at(self, n):
        return self.sp.json("status", "--data", n.dir)["store"]["entries"]

    def converge(self):
        """Polls store.entries against the expected count on the nodes not
        there yet, until none is left or --timeout."""
        self.expectations()
        want = {c: sum(e.values()) for c, e in self.expect.items()}
        pending = list(self.nodes)
        deadline = self.t_start + self.args.timeout
        last_say = 0
        while pending:
            counts = self.pmap(self.entries_at, pending)
            self.last_counts = dict(zip((n.code for n in pending), counts))
            pending = [n for n, c in zip(pending, counts) if c < want[n.code]]
            now = time.monotonic()
            if not pending:
                break
            if now > deadline:
                return False
            if now - last_say > 15:
                last_say = now
                say(f"converging: {len(pending)} nodes behind, e.g. "
                    + ", ".join(f"{n.code} {self.last_counts[n.code]}/"
                                f"{want[n.code]}" for n in pending[:3]))
            self.check_alive()
            time.sleep(self.args.poll_s)
        self.t_converged = time.monotonic()
        return True

    def full_check(self):
        """Every node: exactly its entitled feeds, heads equal to the
        authors'; nothing frozen; every peer holds what was recorded of it.
        Run on stopped daemons (static stores)."""
        lists = dict(zip((n.code for n in self.nodes),
                         self.pmap(self.feeds_of, self.nodes)))
        missing = extra = 0
        for n in self.nodes:
            got, exp = lists[n.code], self.expect[n.code]
            for fid, head in exp.items():
                have = got[fid]["head_seq"] if fid in got else 0
                if have != head:
                    missing += 1
                    _, aud, author = self.feeds[fid]
                    self.problem(f"{n.code} holds feed {fid[:16]} ({aud}, by "
                                 f"{author}) up to seq {have}, its author "
                                 f"up to {head}")
            for fid, f in got.items():
                if fid not in exp:
                    extra += 1
                    self.problem(f"{n.code} holds feed {fid[:16]} "
                                 f"({f['audience']}, author "
                                 f"{f['author'][:16]}) it is not entitled to"
                                 if fid in self.feeds else
                                 f"{n.code} holds feed {fid[:16]} that no "
                                 f"author node holds")
                if f.get("frozen"):
                    self.problem(f"{n.code}: feed {fid[:16]} frozen (fork)")
        heads = {c: {fid: f["head_seq"] for fid, f in fl.items()}
                 for c, fl in lists.items()}
        acked = self.ack_check(heads)
        verified = self.pmap(
            lambda n: self.sp.run("verify", "--data", n.dir, check=False),
            self.nodes)
        bad_verify = 0
        for n, r in zip(self.nodes, verified):
            if r.returncode != 0:
                bad_verify += 1
                self.problem(f"verify failed on {n.code}: "
                             f"{(r.stdout + r.stderr).strip()[:500]}")
        self.report["checks"] = {
            "feeds": len(self.feeds),
            "entries_expected": sum(sum(e.values())
                                    for e in self.expect.values()),
            "feeds_short_or_missing": missing, "feeds_not_entitled": extra,
            "peer_records_checked": acked[0],
            "peer_feed_records_compared": self.known_compared,
            "acked_but_missing": acked[1],
            "verify_failed": bad_verify}

    def ack_check(self, heads):
        """For every node X, peer P recorded at X, feed F: P's head of F >=
        what X recorded P holds."""
        records = self.pmap(self.known_by, self.nodes)
        checked = bad = 0
        self.known_compared = 0
        for x, rec in zip(self.nodes, records):
            for key, feeds in rec.items():
                p = self.by_key.get(key)
                if p is None:
                    self.problem(f"{x.code} has a peer record of unknown key "
                                 f"{key[:16]}")
                    continue
                checked += 1
                self.known_compared += sum(1 for q in feeds.values() if q)
                for fid, seq in feeds.items():
                    if seq > heads[p.code].get(fid, 0):
                        bad += 1
                        self.problem(
                            f"{x.code} recorded {p.code} holds feed "
                            f"{fid[:16]} up to seq {seq}, {p.code} has "
                            f"{heads[p.code].get(fid, 0)}")
        return checked, bad

    # ---- 7. the report -------------------------------------------------

    def link_level(self, code):
        n = self.by_code.get(code)
        return "desa_kecamatan" if n and n.level == DESA else "kecamatan_kabupaten"

    def link_figures(self):
        out = {}
        try:
            with open(self.stats_file) as f:
                links = json.load(f)["links"]
        except (OSError, ValueError, KeyError, AttributeError):
            if not self.args.direct:
                self.problem(f"no flaky stats in {self.stats_file}")
            return out
        groups = {}
        for li in links:
            groups.setdefault(self.link_level(li["name"]), []).append(li)
        for level, ls in groups.items():
            fig = {"links": len(ls)}
            for k in ("bytes_c2t", "bytes_t2c"):
                v = [li.get(k, 0) for li in ls]
                fig[k] = {"total": sum(v), "median": statistics.median(v),
                          "max": max(v)}
            for k in ("connects", "refused", "cuts", "blackholes",
                      "down_periods"):
                fig[k] = sum(li.get(k, 0) for li in ls)
            fig["reconnects"] = sum(max(0, li.get("connects", 0) - 1)
                                    for li in ls)
            out[level] = fig
        return out

    def log_figures(self):
        """LINK-OPEN (child side) per link level, event ids seen, and any
        sanitizer report."""
        opens = {"desa_kecamatan": 0, "kecamatan_kabupaten": 0}
        events = {}
        for n in self.nodes:
            try:
                with open(n.log, errors="replace") as f:
                    lines = f.readlines()
            except OSError:
                continue
            for line in lines:
                parts = line.split(" ", 3)
                if len(parts) >= 3 and parts[1] in ("info", "warn", "error"):
                    ev = parts[2]
                    events[ev] = events.get(ev, 0) + 1
                    if ev == "LINK-OPEN" and "to parent" in line:
                        opens[self.link_level(n.code)] += 1
                if ("AddressSanitizer" in line or "runtime error:" in line
                        or "LeakSanitizer" in line):
                    self.problem(f"sanitizer report in {n.log}: "
                                 f"{line.strip()[:200]}")
        return opens, dict(sorted(events.items()))

    def memory_figures(self):
        out = {}
        for level in LEVELS:
            ns = self.level_nodes(level)
            hwm = [n.hwm_kib / KIB for n in ns if n.hwm_kib]
            anon = [n.anon_kib / KIB for n in ns if n.anon_kib]
            if not hwm:
                continue
            out[level] = {
                "vmhwm_mib": {"median": round(statistics.median(hwm), 1),
                              "max": round(max(hwm), 1)},
                "rss_anon_peak_mib": {
                    "median": round(statistics.median(anon), 1),
                    "max": round(max(anon), 1)} if anon else None}
        return out

    def write_report(self, converged):
        r = self.report
        r["nodes"] = {lv: len(self.level_nodes(lv)) for lv in LEVELS}
        r["converged"] = converged
        if converged:
            r["converge_s"] = {
                "from_workload_end": round(self.t_converged
                                           - self.t_workload_end, 1),
                "from_start": round(self.t_converged - self.t_start, 1)}
        r["links"] = self.link_figures()
        opens, events = self.log_figures()
        r["link_open_child_side"] = opens
        r["log_events"] = events
        r["memory"] = self.memory_figures()
        if self.kill_log:
            r["kills"] = self.kill_log
        r["problems"] = self.problems
        r["ok"] = converged and not self.problems
        if self.args.report:
            with open(self.args.report, "w") as f:
                json.dump(r, f, indent=2)
                f.write("\n")
        self.print_summary()

    def print_summary(self):
        r = self.report
        print("---- lab report ----")
        print(f"nodes: {r['nodes']}  profile {self.args.profile}  seed "
              f"{self.args.seed}  setup {r.get('setup_s')}s")
        w = r.get("workload", {})
        print(f"workload: {w.get('posts')} posts in {w.get('seconds')}s, "
              f"{w.get('kills', 0)} kills, "
              f"{w.get('kill_known_compared', 0)} acknowledged heads "
              f"compared after kills")
        if r.get("sabotage"):
            print(f"sabotage: {r['sabotage']}'s store replaced by its first "
                  f"one after a kill (self-test: this run must fail)")
        if r.get("sabotage"):
            pass
        elif r.get("converged"):
            c = r["converge_s"]
            print(f"converged: {c['from_workload_end']}s after the workload, "
                  f"{c['from_start']}s after start")
        else:
            print(f"NOT converged within {self.args.timeout}s")
        for level, fig in r.get("links", {}).items():
            print(f"links {level} ({fig['links']}): "
                  + "; ".join(f"{k} total {v['total']} median "
                              f"{v['median']:g} max {v['max']}"
                              for k, v in fig.items()
                              if isinstance(v, dict))
                  + f"; reconnects {fig['reconnects']}, cuts {fig['cuts']}, "
                  f"refused {fig['refused']}, blackholes {fig['blackholes']}, "
                  f"down periods {fig['down_periods']}")
        print(f"LINK-OPEN (child side): {r.get('link_open_child_side')}")
        for level, m in r.get("memory", {}).items():
            anon = m["rss_anon_peak_mib"] or {}
            print(f"memory {level}: VmHWM median {m['vmhwm_mib']['median']} "
                  f"max {m['vmhwm_mib']['max']} MiB; RssAnon peak median "
                  f"{anon.get('median')} max {anon.get('max')} MiB")
        if "checks" in r:
            print(f"checks: {r['checks']}")
        print(f"problems: {len(self.problems)}")
        for p in self.problems[:40]:
            print("  " + p)
        print("OK" if r["ok"] else "FAILED")

    def run(self):
        a = self.args
        self.setup_network()
        self.plan_links()
        if not a.direct:
            self.start_flaky()
        self.configure()
        if a.sabotage:
            self.sabotage_prepare()
        self.start_all()
        self.workload()
        if a.sabotage:
            self.stop_all()
            self.report["sabotage"] = self.sabotage_victim.code
            self.write_report(False)
            return False
        converged = self.converge()
        if converged:
            say("converged: every node holds its expected count")
        else:
            self.problem(f"not converged within {a.timeout}s of start: "
                         + ", ".join(f"{c} {self.last_counts.get(c)}/"
                                     f"{sum(self.expect[c].values())}"
                                     for c in self.last_counts
                                     if self.last_counts[c]
                                     < sum(self.expect[c].values()))[:2000])
        self.stop_all()
        self.full_check()
        self.write_report(converged)
        return self.report["ok"]

    def cleanup(self, ok):
        if not ok:
            self.print_log_tails()
        if self.args.keep:
            say(f"kept {self.args.work}")
            return
        shutil.rmtree(os.path.join(self.args.work, "nodes"),
                      ignore_errors=True)
        shutil.rmtree(os.path.join(self.args.work, "sabotage-store"),
                      ignore_errors=True)
        for name in ("flaky.links", "flaky.ready", "flaky.stats.json",
                     "flaky.log"):
            try:
                os.unlink(os.path.join(self.args.work, name))
            except OSError:
                pass
        if self.created_work:
            try:
                os.rmdir(self.args.work)
            except OSError:
                pass

    def print_log_tails(self):
        """The logs of the nodes named in the problems (a few)."""
        named = []
        for p in self.problems:
            for word in p.replace(",", " ").split():
                if word in self.by_code and word not in named:
                    named.append(word)
        for code in named[:4]:
            n = self.by_code[code]
            print(f"---- {n.log} (last 20 lines)")
            try:
                with open(n.log, errors="replace") as f:
                    sys.stdout.write("".join(f.readlines()[-20:]))
            except OSError:
                pass
        sys.stdout.flush()


def last_line(path):
    try:
        with open(path, errors="replace") as f:
            lines = f.read().strip().splitlines()
        return lines[-1] if lines else "(empty)"
    except OSError:
        return "(no log)"


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="lab.py", description=__doc__.split("\n\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example: lab.py --simpul build/simpul --flaky "
        "build/tests/flaky --csv tests/data/serang-36.04.csv --work "
        "/tmp/lab --kecamatan 3 --desa-per 3 --profile chaos")
    p.add_argument("--simpul", required=True, help="the simpul binary")
    p.add_argument("--flaky", help="the flaky link proxy (not with --direct)")
    p.add_argument("--csv", required=True, help="region list kode,nama,tingkat")
    p.add_argument("--work", required=True,
                   help="work directory (created; must be empty)")
    top = p.add_mutually_exclusive_group(required=True)
    top.add_argument("--all", action="store_true",
                     help="every region of the csv")
    top.add_argument("--kecamatan", type=int, metavar="N",
                     help="the first N kecamatan of the csv")
    p.add_argument("--desa-per", type=int, default=3, metavar="M",
                   help="with --kecamatan: the first M desa of each (3)")
    p.add_argument("--profile", choices=("clean", "chaos"), default="clean")
    p.add_argument("--direct", action="store_true",
                   help="development aid: children dial their parents "
                   "directly, no proxy (no link figures)")
    p.add_argument("--seed", type=int, default=1,
                   help="draws links, workload and kills (1)")
    p.add_argument("--posts", type=int, default=2,
                   help="aspirasi per desa, each answered by the kecamatan "
                   "and the kabupaten (2)")
    p.add_argument("--kab-info", type=int, default=2,
                   help="informasi from the kabupaten to tree:KAB (2)")
    p.add_argument("--body-bytes", type=int, default=200,
                   help="body text length of every post (200)")
    p.add_argument("--workload-s", type=float, default=20,
                   help="posts are spread over this many seconds (20)")
    p.add_argument("--answer-retry-s", type=float, default=1.0,
                   help="a tanggapan is posted once its node holds the "
                   "aspirasi: tried again after this long (1)")
    p.add_argument("--kill", type=int, default=0, metavar="N",
                   help="crash mode: N SIGKILLs of random daemons during "
                   "the workload, each restarted after a random delay")
    p.add_argument("--restart-delay-s", type=span, default=(0.1, 1.5),
                   metavar="A-B", help="crash mode: restart delay (0.1-1.5)")
    p.add_argument("--sabotage", action="store_true",
                   help="self-test of the crash check: once a desa's parent "
                   "recorded what it acknowledged, SIGKILL it and put back "
                   "the store it had before its first start (a disk "
                   "restored from an old backup); the run then stops and "
                   "must fail with 'acknowledged entries lost'")
    p.add_argument("--timeout", type=float, default=600,
                   help="convergence deadline, seconds from the daemons' "
                   "start (600)")
    p.add_argument("--report", help="write the JSON report here")
    p.add_argument("--keep", action="store_true",
                   help="keep the work directory")
    g = p.add_argument_group("chaos profile (ranges in seconds unless said)")
    g.add_argument("--down", type=float, default=0.5,
                   help="fraction of time a desa link is down (0.5)")
    g.add_argument("--down-s", type=span, default=(4, 12), metavar="A-B",
                   help="desa link up period lengths; down ones in "
                   "proportion (4-12)")
    g.add_argument("--cut-s", type=span, default=(10, 40), metavar="A-B",
                   help="desa connections cut after (10-40)")
    g.add_argument("--cut-bytes", type=span, default=(4000, 64000),
                   metavar="A-B", help="desa connections cut after bytes "
                   "(4000-64000)")
    g.add_argument("--blackhole", type=float, default=0.1,
                   help="probability a desa connection goes silent (0.1)")
    g.add_argument("--blackhole-s", type=span, default=(2, 10), metavar="A-B",
                   help="... after (2-10)")
    g.add_argument("--kec-cut-s", type=span, default=(20, 60), metavar="A-B",
                   help="kecamatan connections cut after (20-60)")
    g = p.add_argument_group("daemons")
    g.add_argument("--keepalive-s", type=int, default=None,
                   help="[net] keepalive_s (clean 1, chaos 2)")
    g.add_argument("--timeout-s", type=int, default=None,
                   help="[net] timeout_s (clean 4, chaos 10)")
    g.add_argument("--backoff-ms", type=span, default=(100, 2000),
                   metavar="A-B", help="[net] backoff_min_ms-max_ms "
                   "(100-2000)")
    g.add_argument("--http", action="store_true",
                   help="run each node's HTTP server, on a port of its own "
                   "(default: [http] listen is empty)")
    g.add_argument("--log-level", default="info",
                   choices=("error", "warn", "info", "debug"))
    g.add_argument("--map-size-mib", type=int, default=64,
                   help="[store] map_size_mib of every node (64)")
    g = p.add_argument_group("runner")
    g.add_argument("--jobs", type=int, default=4,
                   help="simpul commands run at once (4)")
    g.add_argument("--poll-s", type=float, default=0.5,
                   help="pause between convergence polls (0.5)")
    g.add_argument("--sample-s", type=float, default=1.0,
                   help="memory sampling period (1)")
    g.add_argument("--stop-timeout", type=float, default=20,
                   help="seconds a daemon gets to stop on SIGTERM (20)")
    a = p.parse_args(argv)
    if not a.direct and not a.flaky:
        p.error("--flaky is required (or --direct)")
    if a.kecamatan is not None and (a.kecamatan < 1 or a.desa_per < 0):
        p.error("--kecamatan must be >= 1 and --desa-per >= 0")
    if a.posts < 0 or a.kill < 0 or a.workload_s < 0 or a.jobs < 1:
        p.error("--posts, --kill, --workload-s must be >= 0, --jobs >= 1")
    if a.keepalive_s is None:
        a.keepalive_s = 2 if a.profile == "chaos" else 1
    if a.timeout_s is None:
        a.timeout_s = 10 if a.profile == "chaos" else 4
    a.work = os.path.abspath(a.work)
    for k in ("simpul", "flaky", "csv", "report"):
        if getattr(a, k):
            setattr(a, k, os.path.abspath(getattr(a, k)))
    return a


def main(argv):
    args = parse_args(argv)

    def on_signal(signum, frame):
        raise Interrupted(signal.Signals(signum).name)

    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    lab = None
    ok = False
    try:
        lab = Lab(args)
        ok = lab.run()
    except (LabError, OSError) as e:
        print(f"lab: error: {e}", file=sys.stderr)
    except Interrupted as e:
        print(f"lab: interrupted ({e}), stopping everything", file=sys.stderr)
    finally:
        if lab:
            lab.kill_everything()
            lab.pool.shutdown(wait=True, cancel_futures=True)
            lab.cleanup(ok)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
