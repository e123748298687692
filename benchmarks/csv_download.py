"""CSV download of a 40,000-row Jobs list over HTTP: first byte, total, memory.

    python -m benchmarks.csv_download [--db sqlite,postgresql] [--n 100000] [--repeat 5]

For each database: seed `n` projects (`benchmarks.bulk_seed`; Ready To Export holds
40% of them), serve the app's HTTP routes (`api.app.api_app`, where /jobs.csv lives)
with uvicorn on a free port in this process, sign in, and download the list with a
streaming HTTP client that counts and drops the bytes. Per download: time to the first
byte (the header), to the first data row, and to the end; the process's peak RSS
growth while it streams (sampled every 5 ms) against the CSV's size. Medians go to
stdout and `benchmarks/results-csv.md`.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil
import uvicorn

from benchmarks import bulk_seed
from erp_dashboard.api.app import api_app
from erp_dashboard.qbwc.download import SESSION_COOKIE
from erp_dashboard.services import auth
from erp_dashboard.services.csv_export import COLUMNS
from tests.e2e.harness import free_port

RESULTS = Path(__file__).with_name("results-csv.md")
GOALS = {"first byte (ms)": 300.0, "total (s)": 5.0}
VIEWS = {
    "Ready To Export by name": "/jobs.csv?filter=ready_to_export",
    "Ready To Export by sent, newest first": "/jobs.csv?filter=ready_to_export&sort=sent&desc=1",
}


class Server:
    """uvicorn serving the app's HTTP routes in a thread of this process."""

    def __init__(self) -> None:
        self.port = free_port()
        config = uvicorn.Config(api_app(), port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


class PeakRss:
    """The highest RSS of this process while the block runs, above its RSS at the start."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.peak = self.start = 0
        self._stop = threading.Event()

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self.start = self.peak = self.process.memory_info().rss
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.start) / 2**20


def download(base: str, path: str, token: str) -> dict[str, float]:
    """One streamed download: timings, size, rows (checked with the csv module)."""
    cookies = {SESSION_COOKIE: token}
    size, first_byte, first_row, tail = 0, None, None, b""
    rows = -1  # the header
    with PeakRss() as rss, httpx.Client(base_url=base, cookies=cookies, timeout=60) as client:
        began = time.perf_counter()
        with client.stream("GET", path) as reply:
            assert reply.status_code == 200, reply.read()
            for chunk in reply.iter_raw():
                now = time.perf_counter()
                first_byte = first_byte or now
                size += len(chunk)
                text = tail + chunk
                lines = text.count(b"\r\n")
                if first_row is None and rows + lines >= 1:
                    first_row = now
                rows += lines
                tail = text[text.rfind(b"\r\n") + 2 :] if lines else text
                if size == len(chunk):
                    header = next(csv.reader(io.StringIO(chunk.decode("utf-8-sig"))))
                    assert header == [h for h, _ in COLUMNS] and chunk.startswith(b"\xef\xbb\xbf")
        ended = time.perf_counter()
    return {
        "first byte (ms)": (first_byte - began) * 1000,
        "first row (ms)": (first_row - began) * 1000,
        "total (s)": ended - began,
        "rows": rows,
        "CSV (MB)": size / 2**20,
        "RSS growth (MB)": rss.growth_mb,
    }


def run(kind: str, n: int, repeat: int) -> list[str]:
    """Seed, serve, download each view `repeat` times (after one warm-up); a results table."""
    lines = [
        f"# CSV download, {kind}, {n:,} projects ({os.cpu_count()} CPUs)",
        "",
        "| view | rows | CSV (MB) | first byte (ms) | first row (ms) | total (s) "
        "| RSS growth (MB), first → later | goals |",
        "|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp, bulk_seed.fresh_database(kind, Path(tmp)) as url:
        counts = bulk_seed.seed(url, n)
        token = auth.sign_in(bulk_seed.APPROVER_EMAIL, bulk_seed.PASSWORD)
        with Server() as base:
            for label, path in VIEWS.items():
                runs = [download(base, path, token) for _ in range(repeat + 1)]
                assert all(r["rows"] == counts["ready_to_export"] for r in runs), runs
                med = {k: statistics.median(r[k] for r in runs[1:]) for k in runs[0]}
                first, later = (
                    runs[0]["RSS growth (MB)"],
                    max(r["RSS growth (MB)"] for r in runs[1:]),
                )
                ok = "ok" if all(med[k] <= goal for k, goal in GOALS.items()) else "MISSED"
                lines.append(
                    f"| {label} | {med['rows']:,.0f} | {med['CSV (MB)']:.1f} "
                    f"| {med['first byte (ms)']:.0f} | {med['first row (ms)']:.0f} "
                    f"| {med['total (s)']:.2f} "
                    f"| {first:.1f} → {later:.1f} | {ok} |"
                )
                print(lines[-1], flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    report = []
    for kind in args.db.split(","):
        report += [*run(kind, args.n, args.repeat), ""]
    report.append(
        "Medians of the runs after a warm-up. Goals: first byte ≤ 300 ms, total ≤ 5 s; RSS "
        "growth is the server and client process's peak above its size before the request "
        "(max over the later runs), to compare with the CSV's size: flat means it does not "
        "follow the row count."
    )
    RESULTS.write_text("\n".join(report) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
