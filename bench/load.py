#!/usr/bin/env python3
"""HTTP load benchmark of the Tasteskjema portal, driven by wrk.

Runs the release binaries against 127.0.0.1 only:

* `target/release/bench hello 127.0.0.1:0`: a trivial axum route, the machine's ceiling;
* `target/release/tasteskjema` on a fresh SQLite data directory.

For each portal case it starts one browser session owning a pool of RF-1140 drafts, runs wrk
(fixed threads, connections and duration, after a warm-up) and checks that every response was 2xx;
the draft posts track each draft's `_version` (see felt.lua) and are checked against the versions
the server ends up with. The hello route is measured before and after the portal; the higher figure
is the ceiling. Then it reads the portal's peak RSS, measures what a browser downloads for the first
RF-1140 page, stops both servers and prints a Markdown table (or JSON with `--json`). Progress goes
to stderr. Exit status: 0 when every run was valid, 1 when not, 2 when wrk or a binary is missing.

Needs wrk (Debian: `apt-get install -y wrk`) and the release build (`cargo build --release`); it
builds nothing itself. Python 3.11, standard library only. See BENCHMARKS.md.

    python3 bench/load.py                          # Markdown, one run per case (about 3 minutes)
    python3 bench/load.py --repeat 3 --perf-stat   # the figures in BENCHMARKS.md
    python3 bench/load.py --json                   # JSON on stdout
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import os
import re
import resource
import select
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
FORM = "RF-1140"
FIRST_PAGE = "om-leveransen"
FELT_PAGE = "oppgavegiver"
TRIGGER = "leveranse.oppgavegiver.organisasjonsnummer"
COOKIE_NAME = "tasteskjema_id"
PERSON = "12837810092"  # Dina Daglig Testesen (synthetic)
PARTY = "org:819897522"  # TESTSAMEIET SKOGLY (synthetic)
HTTP_TIMEOUT = 10.0  # seconds, every request the script makes itself
START_TIMEOUT = 30.0  # seconds for a server to print its address
STOP_TIMEOUT = 15.0  # seconds for a server to exit after SIGTERM

# Targets (BENCHMARKS.md).
TARGET_PAGE_RATIO = 0.20
TARGET_SAVE_RPS = 8000.0
TARGET_SAVE_P99_MS = 10.0
TARGET_P99_MS = 25.0
TARGET_RSS_MB = 150.0
TARGET_FIRST_PAGE_KB = 60.0
PAGE_DRAFTS = 16  # drafts the page cases read, round-robin (web::forms::opened keeps 20)
OTHERS_MAX = 0.15  # cores used by other processes during a run before it is noted as disturbed


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Servers


class Server:
    """A child process that prints `... http://ADDR/` on its first line of stdout."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], cwd: Path, logdir: Path):
        self.name = name
        self.errlog = logdir / f"{name}.stderr"
        self.proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=open(self.errlog, "wb"),
        )
        self.addr = self._read_addr()

    def _read_addr(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        buf = b""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.stop()
                raise SystemExit(
                    f"{self.name} did not start (exit {self.proc.returncode}); stderr:\n"
                    + self.stderr_tail()
                )
            ready, _, _ = select.select([fd], [], [], min(left, 0.5))
            if ready:
                chunk = os.read(fd, 4096)
                if not chunk:
                    continue
                buf += chunk
        line = buf.split(b"\n", 1)[0].decode()
        m = re.search(r"http://(127\.0\.0\.1:\d+)/", line)
        if not m:
            self.stop()
            raise SystemExit(f"{self.name}: no 127.0.0.1 address in {line!r}")
        return m.group(1)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def status(self) -> dict[str, int]:
        """VmHWM / VmRSS from /proc/<pid>/status, in kB."""
        out: dict[str, int] = {}
        try:
            text = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return out
        for line in text.splitlines():
            k, _, v = line.partition(":")
            if k in ("VmHWM", "VmRSS"):
                out[k] = int(v.split()[0])
        return out

    def stderr_tail(self, n: int = 20) -> str:
        try:
            return "\n".join(self.errlog.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_TIMEOUT)
        if self.proc.stdout:
            self.proc.stdout.close()


# ---------------------------------------------------------------------------------------------
# HTTP (the script's own requests: preparing drafts, reading versions, page weight)


@dataclass
class Resp:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    head_bytes: int

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


class Client:
    """One keep-alive connection to 127.0.0.1, reopened when the server closes it."""

    def __init__(self, addr: str):
        host, port = addr.rsplit(":", 1)
        assert host == "127.0.0.1", host
        self.host, self.port = host, int(port)
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                body: bytes | None = None) -> Resp:
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=HTTP_TIMEOUT)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                r = self.conn.getresponse()
                data = r.read()
                hs = r.getheaders()
                head = len(f"HTTP/1.1 {r.status} {r.reason}\r\n") + sum(
                    len(k) + len(v) + 4 for k, v in hs) + 2
                if r.will_close:
                    self.close()
                return Resp(r.status, hs, data, head)
            except (http.client.HTTPException, ConnectionError):
                self.close()
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


VERSION_RE = re.compile(rb'name="_version" value="(\d+)"')
DRAFT_RE = re.compile(r"^/skjema/" + re.escape(FORM) + r"/([0-9a-f-]{36})/" + FIRST_PAGE + "$")


def log_in(client: Client) -> str:
    """Logs in at the built-in ID-porten as Dina (synthetic) and chooses TESTSAMEIET SKOGLY, as a
    browser does; returns the session cookie."""
    cookie = ""

    def step(method: str, path: str, body: bytes | None = None) -> Resp:
        nonlocal cookie
        headers = {"Cookie": cookie} if cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://{client.host}:{client.port}"
        r = client.request(method, path, headers, body)
        c = re.match(COOKIE_NAME + r"=([^;]+)", r.header("set-cookie") or "")
        if c:
            cookie = f"{COOKIE_NAME}={c.group(1)}"
        return r

    def local(url: str) -> str:
        return re.sub(r"^https?://[^/]+", "", url)

    r = step("GET", "/logg-inn?neste=%2F")
    authorize = local(r.header("location") or "")
    if r.status != 303 or "/dev/idporten/authorize?" not in authorize:
        raise SystemExit(f"logging in: {r.status} {authorize!r}")
    page = step("GET", authorize).body.decode()
    login = re.search(r'<input type="hidden" name="login" value="([^"]+)"', page)
    action = re.search(r'<form[^>]* action="([^"]+)"', page)
    if not (login and action):
        raise SystemExit("logging in: no login form at the built-in ID-porten")
    body = urllib.parse.urlencode({"login": html.unescape(login.group(1)), "pid": PERSON,
                                   "acr": "idporten-loa-substantial", "action": "login"})
    r = step("POST", local(html.unescape(action.group(1))), body.encode())
    callback = local(r.header("location") or "")
    r = step("GET", callback)
    if r.status != 303:
        raise SystemExit(f"logging in: the callback answered {r.status}")
    r = step("POST", "/aktor", urllib.parse.urlencode({"party": PARTY, "neste": "/"}).encode())
    if r.status != 303 or not cookie:
        raise SystemExit(f"choosing the party: {r.status}")
    return cookie


def start_drafts(client: Client, n: int) -> tuple[str, list[str]]:
    """Logs in and starts `n` RF-1140 drafts in that browser session; returns the cookie and the
    draft ids."""
    cookie = log_in(client)
    ids: list[str] = []
    for i in range(n):
        headers = {"Cookie": cookie} if cookie else {}
        r = client.request("POST", f"/skjema/{FORM}", headers, b"")
        loc = r.header("location") or ""
        m = DRAFT_RE.match(loc)
        if r.status != 303 or not m:
            raise SystemExit(f"starting draft {i}: {r.status} {loc!r}")
        set_cookie = r.header("set-cookie") or ""
        c = re.match(COOKIE_NAME + r"=([^;]+)", set_cookie)
        if c:
            if cookie and cookie != f"{COOKIE_NAME}={c.group(1)}":
                raise SystemExit("the session cookie changed while preparing drafts")
            cookie = f"{COOKIE_NAME}={c.group(1)}"
        if not cookie:
            raise SystemExit("no session cookie after starting a draft")
        ids.append(m.group(1))
    return cookie, ids


def read_versions(client: Client, cookie: str, ids: list[str]) -> list[int]:
    """Each draft's current version, as the form page shows it."""
    out = []
    for d in ids:
        r = client.request("GET", f"/skjema/{FORM}/{d}/{FELT_PAGE}", {"Cookie": cookie})
        m = VERSION_RE.search(r.body)
        if r.status != 200 or not m:
            raise SystemExit(f"reading the version of draft {d}: {r.status}")
        out.append(int(m.group(1)))
    return out


def write_pool(path: Path, ids: list[str], versions: list[int]) -> None:
    path.write_text("".join(f"{d} {v}\n" for d, v in zip(ids, versions)))


def first_page_weight(client: Client, cookie: str, draft: str) -> dict:
    """Bytes a browser downloads for the first RF-1140 page: HTML + CSS + JS, as served to
    `Accept-Encoding: br, gzip` (bodies as transferred; headers counted separately)."""
    enc = {"Accept-Encoding": "br, gzip", "Cookie": cookie}
    plain = {"Cookie": cookie}
    path = f"/skjema/{FORM}/{draft}/{FIRST_PAGE}"
    page = client.request("GET", path, enc)
    if page.status != 200:
        raise SystemExit(f"first page: {page.status}")
    html = client.request("GET", path, plain).body.decode()
    links = re.findall(r'<link rel="stylesheet" href="(/static/[^"]+)"', html)
    scripts = re.findall(r'<script src="(/static/[^"]+)"', html)
    items = [("html", path, page, len(html.encode()))]
    for url in links + scripts:
        r = client.request("GET", url, enc)
        if r.status != 200:
            raise SystemExit(f"{url}: {r.status}")
        raw = client.request("GET", url, {}).body
        items.append(("css" if url.endswith(".css") else "js", url, r, len(raw)))
    files = [
        {
            "kind": kind,
            "url": url,
            "encoding": r.header("content-encoding") or "identity",
            "bytes": len(r.body),
            "header_bytes": r.head_bytes,
            "uncompressed_bytes": raw,
        }
        for kind, url, r, raw in items
    ]
    return {
        "files": files,
        "bytes": sum(f["bytes"] for f in files),
        "bytes_with_headers": sum(f["bytes"] + f["header_bytes"] for f in files),
        "uncompressed_bytes": sum(f["uncompressed_bytes"] for f in files),
    }


# ---------------------------------------------------------------------------------------------
# CPU accounting: who used the machine during a run


TICK = os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = f[3] + (f[4] if len(f) > 4 else 0)
    return (sum(f[:8]) - idle) / TICK, sum(f[:8]) / TICK


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) of a live process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    f = text.rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


class CpuMeter:
    """Splits the machine's CPU time during a run into server, load generator and others."""

    def __init__(self, pids: list[int]):
        self.pids = pids
        self.m0 = machine_cpu()
        self.p0 = {p: process_cpu(p) for p in pids}
        self.c0 = children_cpu()
        self.s0 = resource.getrusage(resource.RUSAGE_SELF)
        self.t0 = time.monotonic()

    def stop(self, server_pid: int) -> dict:
        m1 = machine_cpu()
        wall = time.monotonic() - self.t0
        used = {p: process_cpu(p) - self.p0[p] for p in self.pids}
        servers = sum(used.values())
        children = children_cpu() - self.c0
        s1 = resource.getrusage(resource.RUSAGE_SELF)
        me = (s1.ru_utime + s1.ru_stime) - (self.s0.ru_utime + self.s0.ru_stime)
        busy = m1[0] - self.m0[0]
        return {
            "wall_s": wall,
            "machine_busy_cores": busy / wall,
            "server_cores": used.get(server_pid, 0.0) / wall,
            "servers_cores": servers / wall,
            "load_generator_cores": children / wall,
            "others_cores": max(0.0, busy - servers - children - me) / wall,
        }


def wait_idle(limit_s: float, others_max: float = 0.10) -> float:
    """Waits (at most `limit_s`) until the rest of the machine uses less than `others_max`
    of one core over one second. Returns the last measured use, in cores."""
    deadline = time.monotonic() + limit_s
    use = 0.0
    for _ in range(int(limit_s) + 1):
        b0 = machine_cpu()[0]
        s0 = resource.getrusage(resource.RUSAGE_SELF)
        time.sleep(1.0)
        s1 = resource.getrusage(resource.RUSAGE_SELF)
        me = (s1.ru_utime + s1.ru_stime) - (s0.ru_utime + s0.ru_stime)
        use = max(0.0, machine_cpu()[0] - b0 - me)
        if use < others_max or time.monotonic() >= deadline:
            break
    return use


PERF_EVENTS = {
    "context-switches": "context_switches",
    "syscalls:sys_enter_clock_nanosleep": "sleeps",
    "syscalls:sys_enter_fsync": "fsyncs",
    "syscalls:sys_enter_futex": "futex_calls",
}


def perf_stat_start(pid: int, seconds: float, out: Path) -> subprocess.Popen | None:
    perf = shutil.which("perf")
    if not perf:
        return None
    cmd = [perf, "stat", "-x", ",", "-o", str(out), "-p", str(pid)]
    for ev in PERF_EVENTS:
        cmd += ["-e", ev]
    cmd += ["--", "sleep", f"{seconds:g}"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def perf_stat_read(proc: subprocess.Popen | None, out: Path) -> dict[str, int]:
    if proc is None:
        return {}
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
        return {}
    counts: dict[str, int] = {}
    if not out.exists():
        return counts
    for line in out.read_text().splitlines():
        f = line.split(",")
        if len(f) > 2 and f[2] in PERF_EVENTS and f[0].strip().isdigit():
            counts[PERF_EVENTS[f[2]]] = int(f[0])
    return counts


# ---------------------------------------------------------------------------------------------
# wrk


@dataclass
class Case:
    key: str
    label: str
    server: str  # "hello" or "portal"
    script: str
    path: str = "/"
    env: dict[str, str] = field(default_factory=dict)
    drafts: bool = False  # posts that save drafts: the pool's versions must be current
    note: str = ""
    p99_target: bool = True  # held to the p99 target (diagnostic cases are not)


def run_wrk(args, url: str, case: Case, duration: float, extra_env: dict[str, str],
            tmp: Path) -> dict:
    out = tmp / f"wrk-{case.key}.json"
    if out.exists():
        out.unlink()
    env = dict(os.environ)
    env.update(case.env)
    env.update(extra_env)
    env["BENCH_OUT"] = str(out)
    env["BENCH_THREADS"] = str(args.threads)
    cmd = [
        args.wrk,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{duration:g}s",
        "--latency",
        "--timeout", f"{args.timeout:g}s",
        "-s", str(BENCH_DIR / case.script),
        url,
    ]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration + 60)
    if p.returncode != 0 or not out.exists():
        raise SystemExit(f"wrk failed ({p.returncode}): {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    res = json.loads(out.read_text())
    res["wrk_output"] = p.stdout
    res["command"] = " ".join(cmd)
    secs = res["duration_us"] / 1e6
    res["rps"] = res["requests"] / secs if secs > 0 else 0.0
    st = {int(k): int(v) for k, v in res.get("statuses", {}).items()}
    res["statuses"] = {str(k): v for k, v in sorted(st.items())}
    res["ok"] = sum(v for k, v in st.items() if 200 <= k < 300)
    res["non_2xx"] = sum(v for k, v in st.items() if not 200 <= k < 300)
    res["socket_errors"] = {k: int(v) for k, v in res["errors"].items() if k != "status"}
    lat = res["latency_us"]
    res["p50_ms"] = lat["p50"] / 1000
    res["p99_ms"] = lat["p99"] / 1000
    return res


def problems(res: dict, case: Case) -> list[str]:
    """Why a run does not count: anything but 2xx, socket errors, lost draft tracking."""
    why = []
    if res["non_2xx"]:
        why.append(f"{res['non_2xx']} non-2xx {res['statuses']}")
    errs = {k: v for k, v in res["socket_errors"].items() if v}
    if errs:
        why.append(f"socket errors {errs}")
    if res["unparsed"]:
        why.append(f"{res['unparsed']} responses without a draft id")
    if res["collisions"]:
        why.append(f"{res['collisions']} draft collisions")
    if case.drafts and not res.get("saves_consistent", True):
        why.append(f"{res['saves_on_server']} saves on the server, {res['ok']} 2xx")
    return why


def measure(args, case: Case, srv: Server, servers: dict[str, Server], client: Client,
            pool: tuple[str, list[str], Path] | None, tmp: Path) -> dict:
    """Warm-up, then `--repeat` measured runs (more, up to `--max-retries`, while every run so far
    was disturbed by other processes); returns the least disturbed run."""
    url = f"http://{srv.addr}{case.path}"
    extra: dict[str, str] = {}
    if pool:
        cookie, ids, pool_file = pool
        extra = {"BENCH_COOKIE": cookie, "BENCH_POOL": str(pool_file), "BENCH_FORM": FORM}
    warmups: list[dict] = []
    runs: list[dict] = []
    plan = (["warm-up"] if args.warmup > 0 else []) + ["run"] * args.repeat
    retries = 0
    while plan:
        kind = plan.pop(0)
        warm = kind == "warm-up"
        seconds = args.warmup if warm else args.duration
        if case.drafts:
            before = read_versions(client, cookie, ids)
            write_pool(pool_file, ids, before)
        idle = wait_idle(args.wait_idle) if args.wait_idle > 0 and not warm else None
        log(f"{case.key}: {kind} {seconds:g} s"
            + (f" (others {idle:.2f} cores before)" if idle is not None else ""))
        pstat = None
        pout = tmp / f"perf-{case.key}.txt"
        if args.perf_stat and not warm and case.server == "portal":
            pstat = perf_stat_start(srv.pid, seconds, pout)
        meter = CpuMeter([s.pid for s in servers.values()])
        res = run_wrk(args, url, case, seconds, extra, tmp)
        res["cpu"] = meter.stop(srv.pid)
        counts = perf_stat_read(pstat, pout)
        if counts:
            res["perf_per_request"] = {k: v / max(1, res["requests"]) for k, v in counts.items()}
        srv_cpu = res["cpu"]["server_cores"] * res["cpu"]["wall_s"]
        res["server_cpu_us_per_request"] = srv_cpu * 1e6 / max(1, res["requests"])
        if case.drafts:
            after = read_versions(client, cookie, ids)
            saved = sum(a - b for a, b in zip(after, before))
            # Requests still in flight when wrk stops may be saved without being counted: at
            # most one per connection.
            res["saves_on_server"] = saved
            res["saves_consistent"] = 0 <= saved - res["ok"] <= args.connections
        res["problems"] = problems(res, case)
        res.pop("wrk_output", None)
        (warmups if warm else runs).append(res)
        log(f"  {res['rps']:.0f} req/s, p50 {res['p50_ms']:.2f} ms, p99 {res['p99_ms']:.2f} ms, "
            f"statuses {res['statuses']}, server {res['cpu']['server_cores']:.2f} cores, "
            f"wrk {res['cpu']['load_generator_cores']:.2f}, others "
            f"{res['cpu']['others_cores']:.2f}"
            + (f"; {'; '.join(res['problems'])}" if res["problems"] else ""))
        if (not plan and runs and retries < args.max_retries
                and min(r["cpu"]["others_cores"] for r in runs) > OTHERS_MAX):
            retries += 1
            log(f"{case.key}: every run so far was disturbed; one more")
            plan.append("run")
    # On a shared machine the noise is other processes taking CPU: report the least disturbed
    # run (by the CPU time others used during it); of runs about as quiet, the median.
    quiet = min(r["cpu"]["others_cores"] for r in runs)
    calm = sorted((r for r in runs if r["cpu"]["others_cores"] <= quiet + 0.05),
                  key=lambda r: r["rps"])
    res = dict(calm[(len(calm) - 1) // 2])
    res["rps_all_runs"] = [round(r["rps"], 1) for r in runs]
    res["others_cores_all_runs"] = [round(r["cpu"]["others_cores"], 2) for r in runs]
    all_runs = warmups + runs
    why = sorted({p for r in all_runs for p in r["problems"]})
    res["non_2xx_all_runs"] = sum(r["non_2xx"] for r in all_runs)
    res["disturbed"] = res["cpu"]["others_cores"] > OTHERS_MAX
    res.update(key=case.key, label=case.label, note=case.note, p99_target=case.p99_target,
               valid=not why,
               invalid_why="; ".join(why))
    return res


# ---------------------------------------------------------------------------------------------
# Report


def fmt_rps(x: float) -> str:
    return f"{x:,.0f}".replace(",", " ")


def fmt_ms(x: float) -> str:
    return f"{x:.2f} ms" if x < 10 else f"{x:.1f} ms"


def markdown(report: dict) -> str:
    env = report["environment"]
    lines = [
        f"wrk -t{env['threads']} -c{env['connections']} -d{env['duration_s']:g}s --latency "
        f"(after a {env['warmup_s']:g} s warm-up), {env['cpus']} CPUs, load average before "
        f"{env['loadavg_before']}, one session per case with {env['pool']} drafts for the "
        f"posts and {min(env['pool'], PAGE_DRAFTS)} for the pages, "
        f"{env['database']}; of {env['repeat']} run(s) per case the least disturbed is "
        f"shown (the median of equally quiet runs).",
        "",
        "| case | requests/s | of hello | p50 | p99 | non-2xx | server CPU per request |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for r in report["cases"]:
        flag = "" if r["valid"] else f" **INVALID: {r['invalid_why']}**"
        if r["disturbed"]:
            flag += f" (disturbed: others used {r['cpu']['others_cores']:.1f} cores)"
        lines.append(
            f"| {r['label']}{flag} | {fmt_rps(r['rps'])} | {r['ratio'] * 100:.0f} % | "
            f"{fmt_ms(r['p50_ms'])} | {fmt_ms(r['p99_ms'])} | {r['non_2xx_all_runs']} | "
            f"{r['server_cpu_us_per_request']:.0f} µs |"
        )
    perf = [r for r in report["cases"] if r.get("perf_per_request")]
    if perf:
        lines += ["", "Per request in the portal (perf stat):", "",
                  "| case | context switches | futex calls | sleeps | fsyncs |",
                  "|---|--:|--:|--:|--:|"]
        for r in perf:
            q = r["perf_per_request"]
            lines.append(f"| {r['label']} | {q.get('context_switches', 0):.2f} | "
                         f"{q.get('futex_calls', 0):.2f} | {q.get('sleeps', 0):.3f} | "
                         f"{q.get('fsyncs', 0):.4f} |")
    mem = report["memory"]
    w = report["first_page"]
    lines += [
        "",
        f"Server memory after all runs: peak RSS (VmHWM) {mem['vmhwm_kb'] / 1024:.1f} MB, "
        f"now (VmRSS) {mem['vmrss_kb'] / 1024:.1f} MB; hello route peak "
        f"{mem['hello_vmhwm_kb'] / 1024:.1f} MB.",
        "",
        "First RF-1140 page as a browser downloads it (`Accept-Encoding: br, gzip`):",
        "",
        "| file | encoding | bytes | uncompressed |",
        "|---|---|--:|--:|",
    ]
    for f in w["files"]:
        lines.append(
            f"| {f['kind']} `{f['url']}` | {f['encoding']} | {f['bytes']:,} | "
            f"{f['uncompressed_bytes']:,} |".replace(",", " ")
        )
    lines.append(
        f"| **total** | | **{w['bytes']:,}** ({w['bytes'] / 1024:.1f} KB; "
        f"{w['bytes_with_headers'] / 1024:.1f} KB with headers) | {w['uncompressed_bytes']:,} |"
        .replace(",", " ")
    )
    lines += ["", "| target | measured | result |", "|---|---|---|"]
    for t in report["targets"]:
        verdict = "PASS" if t["pass"] else "MISS"
        if t.get("disturbed"):
            verdict += " (disturbed run)"
        lines.append(f"| {t['target']} | {t['measured']} | {verdict} |")
    if report["notes"]:
        lines += [""] + [f"- {n}" for n in report["notes"]]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    ap.add_argument("--duration", type=float, default=10, help="seconds per measured run (10)")
    ap.add_argument("--warmup", type=float, default=2, help="seconds of warm-up per case (2)")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    ap.add_argument("--connections", type=int, default=64, help="wrk connections (64)")
    ap.add_argument("--timeout", type=float, default=2, help="wrk request timeout, s (2)")
    ap.add_argument("--pool", type=int, default=512, help="drafts prepared for the runs (512)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="measured runs per case; the least disturbed (least CPU used by other "
                         "processes) is reported, the median of equally quiet ones (1)")
    ap.add_argument("--cases", default="",
                    help="comma-separated cases (default all: catalogue,page,page_br,validate,save,"
                         "healthz,static); hello runs before and after in any case")
    ap.add_argument("--max-retries", type=int, default=2,
                    help="extra runs of a case while all its runs were disturbed by other "
                         "processes (2)")
    ap.add_argument("--wait-idle", type=float, default=60,
                    help="before each measured run, wait up to this many seconds for other "
                         "processes to go quiet (60; 0: do not wait)")
    ap.add_argument("--perf-stat", action="store_true",
                    help="count the portal's context switches, sleeps, fsyncs and futex calls "
                         "per request with perf stat (needs perf and tracepoint access)")
    ap.add_argument("--config", help="a portal configuration file (TASTESKJEMA_CONFIG), e.g. to "
                                     "try another db_max_connections")
    ap.add_argument("--wrk", default=shutil.which("wrk") or "wrk")
    ap.add_argument("--target-dir", default=str(ROOT / "target" / "release"))
    args = ap.parse_args()
    if not 1 <= args.repeat <= 10:
        ap.error("--repeat must be 1..10")
    if not 0 <= args.max_retries <= 5:
        ap.error("--max-retries must be 0..5")
    if not (1 <= args.duration <= 300 and 0 <= args.warmup <= 60 and 0 <= args.wait_idle <= 600):
        ap.error("--duration 1..300, --warmup 0..60, --wait-idle 0..600 seconds")
    if not (1 <= args.threads <= args.connections <= 1024 and args.pool <= 20000):
        ap.error("need 1 <= --threads <= --connections <= 1024 and --pool <= 20000")
    if args.pool < 2 * args.connections:
        ap.error("--pool must be at least twice --connections (no draft may be in flight twice)")

    if not shutil.which(args.wrk):
        log("wrk is not installed. On Debian/Ubuntu: apt-get install -y wrk")
        return 2
    tdir = Path(args.target_dir)
    portal_bin, bench_bin = tdir / "tasteskjema", tdir / "bench"
    missing = [str(p) for p in (portal_bin, bench_bin) if not p.exists()]
    if missing:
        log(f"missing {', '.join(missing)}; build first: cargo build --release")
        return 2
    notes: list[str] = []
    def newest(paths) -> float:
        return max((p.stat().st_mtime for p in paths if p.is_file()), default=0.0)

    portal_src = [p for d in ("src", "templates", "static", "forms", "migrations")
                  for p in (ROOT / d).rglob("*") if "bin" not in p.relative_to(ROOT).parts[:2]]
    portal_src += [ROOT / "Cargo.toml", ROOT / "Cargo.lock", ROOT / "build.rs"]
    stale = [b.name for b, src in ((portal_bin, portal_src),
                                   (bench_bin, portal_src + [ROOT / "src" / "bin" / "bench.rs"]))
             if b.stat().st_mtime < newest(src)]
    if stale:
        msg = f"{' and '.join(stale)} older than the sources (cargo build --release)"
        log("warning: " + msg)
        notes.append(msg)

    all_cases = [
        Case("hello", "hello `GET /` (ceiling), before", "hello", "get.lua", p99_target=False),
        Case("catalogue", "catalogue `GET /`", "portal", "get.lua"),
        Case("page", f"form page `GET …/{FIRST_PAGE}`", "portal", "get.lua",
             env={"BENCH_PAGE": FIRST_PAGE}),
        Case("page_br", f"form page, `Accept-Encoding: br, gzip`", "portal", "get.lua",
             env={"BENCH_PAGE": FIRST_PAGE, "BENCH_ACCEPT_ENCODING": "br, gzip"},
             note="informational: what a browser sends"),
        Case("validate", f"htmx validation `POST …/{FELT_PAGE}/felt` + `HX-Trigger-Name`",
             "portal", "felt.lua", env={"BENCH_PAGE": FELT_PAGE, "BENCH_TRIGGER": TRIGGER},
             drafts=True),
        Case("save", f"htmx autosave `POST …/{FELT_PAGE}/felt`", "portal", "felt.lua",
             env={"BENCH_PAGE": FELT_PAGE, "BENCH_TRIGGER": ""}, drafts=True),
        Case("healthz", "health check `GET /healthz` (one `SELECT 1`)", "portal", "get.lua",
             path="/healthz", note="diagnostic: one database round trip, no session",
             p99_target=False),
        Case("static", "app.js `GET /static/app-….js`", "portal", "get.lua",
             path="/static/app.js", note="diagnostic: the middleware stack, no database",
             p99_target=False),
        Case("hello_end", "hello `GET /` (ceiling), after", "hello", "get.lua",
             p99_target=False),
    ]
    default_cases = {"catalogue", "page", "page_br", "validate", "save", "healthz", "static"}
    wanted = {c.strip() for c in args.cases.split(",") if c.strip()} or default_cases
    unknown = wanted - {c.key for c in all_cases}
    if unknown:
        ap.error(f"unknown cases: {', '.join(sorted(unknown))}")
    cases = [c for c in all_cases if c.key in ("hello", "hello_end") or c.key in wanted]

    loadavg = Path("/proc/loadavg").read_text().split()[:3]
    if float(loadavg[0]) > 0.5:
        # Only a hint: the load average lags. What counts is the CPU others use during each run,
        # which is measured and noted per case.
        log(f"note: load average {' '.join(loadavg)} before the run")
    wrk_version = subprocess.run([args.wrk, "-v"], capture_output=True, text=True,
                                 timeout=10).stdout.splitlines()[:1]

    report: dict = {
        "environment": {
            "cpus": os.cpu_count(),
            "loadavg_before": " ".join(loadavg),
            "wrk": wrk_version[0] if wrk_version else "",
            "threads": args.threads,
            "connections": args.connections,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "repeat": args.repeat,
            "pool": args.pool,
            "database": "SQLite (default configuration)",
            "binary": str(portal_bin),
        },
        "cases": [],
        "notes": notes,
    }

    with tempfile.TemporaryDirectory(prefix="tasteskjema-load-") as tmpname:
        tmp = Path(tmpname)
        data = tmp / "data"
        data.mkdir()
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("TASTESKJEMA_")}
        portal_env = dict(base_env)
        portal_env.update({
            "TASTESKJEMA_LISTEN": "127.0.0.1:0",
            "TASTESKJEMA_DATA_DIR": str(data),
            "TASTESKJEMA_FORMS_DIR": str(ROOT / "forms"),
            "TASTESKJEMA_LOG": "warn",
        })
        if args.config:
            portal_env["TASTESKJEMA_CONFIG"] = str(Path(args.config).resolve())
            report["environment"]["config"] = Path(args.config).read_text()
        servers: dict[str, Server] = {}
        try:
            log(f"starting {bench_bin} hello and {portal_bin}")
            servers["hello"] = Server("hello", [str(bench_bin), "hello", "127.0.0.1:0"],
                                      base_env, ROOT, tmp)
            servers["portal"] = Server("portal", [str(portal_bin)], portal_env, ROOT, tmp)
            client = Client(servers["portal"].addr)

            # Before any load: the first page of a freshly started draft.
            cookie, ids = start_drafts(client, 1)
            report["first_page"] = first_page_weight(client, cookie, ids[0])

            for case in cases:
                srv = servers[case.server]
                if case.key == "static":
                    case.path = next(f["url"] for f in report["first_page"]["files"]
                                     if f["url"].startswith("/static/app-"))
                pool = None
                if case.server == "portal":
                    # A new session and pool per case: a session lives 30 minutes from its
                    # creation (it is not renewed while only read), longer than the whole run.
                    # Posts need a draft per connection (no draft in flight twice); pages are
                    # read from a person's few drafts, fewer than the session remembers as
                    # opened (each first opening in a session is an audit row and a session
                    # write, not a read).
                    n = args.pool if case.drafts else min(args.pool, PAGE_DRAFTS)
                    log(f"{case.key}: preparing {n} drafts of {FORM} in a new session")
                    cookie, ids = start_drafts(client, n)
                    pool = (cookie, ids, tmp / f"pool-{case.key}.txt")
                    write_pool(pool[2], ids, [1] * len(ids))
                res = measure(args, case, srv, servers, client, pool, tmp)
                if res["cpu"]["others_cores"] > OTHERS_MAX:
                    notes.append(f"{case.key}: other processes used "
                                 f"{res['cpu']['others_cores']:.2f} cores during the reported "
                                 f"run (of {len(res['rps_all_runs'])})")
                report["cases"].append(res)

            st = servers["portal"].status()
            hs = servers["hello"].status()
            report["memory"] = {
                "vmhwm_kb": st.get("VmHWM", 0),
                "vmrss_kb": st.get("VmRSS", 0),
                "hello_vmhwm_kb": hs.get("VmHWM", 0),
            }
            report["environment"]["database_files_kb"] = sum(
                p.stat().st_size for p in data.iterdir() if p.is_file()) // 1024
            client.close()
        finally:
            for s in servers.values():
                s.stop()
        for name, s in servers.items():
            tail = s.stderr_tail(5)
            if tail.strip():
                notes.append(f"{name} stderr (last lines): {tail.strip()}")

    # Ratios and targets.
    by = {r["key"]: r for r in report["cases"]}
    # The ceiling, measured before and after the portal's runs: the higher of the two (a
    # disturbed run can only lower it).
    ceiling = max(by["hello"]["rps"], by["hello_end"]["rps"])
    report["ceiling_rps"] = ceiling
    for r in report["cases"]:
        r["ratio"] = r["rps"] / ceiling if ceiling else 0.0
    targets = []
    if "page" in by:
        r = by["page"]
        targets.append({"target": f"form page ≥ {TARGET_PAGE_RATIO:.0%} of hello",
                        "measured": f"{r['ratio'] * 100:.1f} % ({fmt_rps(r['rps'])} / "
                                    f"{fmt_rps(ceiling)} req/s)",
                        "pass": r["ratio"] >= TARGET_PAGE_RATIO and r["valid"],
                        "disturbed": r["disturbed"]})
    if "save" in by:
        r = by["save"]
        targets.append({"target": f"draft save ≥ {TARGET_SAVE_RPS:,.0f}/s on SQLite".replace(",", " "),
                        "measured": f"{fmt_rps(r['rps'])}/s",
                        "pass": r["rps"] >= TARGET_SAVE_RPS and r["valid"],
                        "disturbed": r["disturbed"]})
        targets.append({"target": f"draft save p99 < {TARGET_SAVE_P99_MS:g} ms at "
                                  f"{args.connections} connections",
                        "measured": fmt_ms(r["p99_ms"]),
                        "pass": r["p99_ms"] < TARGET_SAVE_P99_MS and r["valid"],
                        "disturbed": r["disturbed"]})
    for r in report["cases"]:
        if not r["p99_target"]:
            continue
        targets.append({"target": f"p99 < {TARGET_P99_MS:g} ms at {args.connections} connections: "
                                  f"{r['label']}",
                        "measured": fmt_ms(r["p99_ms"]),
                        "pass": r["p99_ms"] < TARGET_P99_MS and r["valid"],
                        "disturbed": r["disturbed"]})
    mb = report["memory"]["vmhwm_kb"] / 1024
    targets.append({"target": f"server RSS < {TARGET_RSS_MB:g} MB under load",
                    "measured": f"{mb:.1f} MB (VmHWM)", "pass": mb < TARGET_RSS_MB})
    kb = report["first_page"]["bytes"] / 1024
    targets.append({"target": f"first page < {TARGET_FIRST_PAGE_KB:g} KB",
                    "measured": f"{kb:.1f} KB", "pass": kb < TARGET_FIRST_PAGE_KB})
    report["targets"] = targets
    report["valid"] = all(r["valid"] for r in report["cases"])

    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(markdown(report))
    return 0 if report["valid"] else 1


if __name__ == "__main__":
    sys.exit(main())
