"""Sending benchmark: one issue to N confirmed subscribers, DKIM-signed, through a local SMTP server.

    PYTHONPATH=src .venv/bin/python benchmarks/send_throughput.py [-n 1000] [--concurrency 4 1 ...] [--without-dkim]

The store is the shipped sample (issue "SN #1") with N subscribers; the server is aiosmtpd's Sink
(``python -m aiosmtpd``) in a process of its own, on 127.0.0.1; the key is a fresh 2048-bit RSA key
(``openssl genrsa``). For each --concurrency value, a fresh store, then ``send_issue`` timed from
the call to the report (rendering, signing, the send log's commits, SMTP). Prints a Markdown table;
"per CPU second" divides by the CPU time of this process and its children (the signing workers),
a figure other programs on the machine change less than the wall clock.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from precis.mail.config import MailConfig
from precis.mail.delivery import send_issue
from precis.mail.model import CONFIRMED, Subscriber
from precis.publication import load_settings
from precis.sheets import read_file
from precis.store import Store, import_records

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "src" / "precis" / "data"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _wait_for(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the SMTP server did not start")


def run(folder: Path, n: int, concurrency: int, key: Path | None, url: str) -> tuple[float, float, str]:
    store = Store(str(folder / f"send-{concurrency}-{'dkim' if key else 'plain'}.db"))
    store.init(load_settings(SAMPLE / "sample.toml"))
    import_records(store, read_file(SAMPLE / "sample.csv"))
    with store.session(by="bench") as s:
        pub = store.default_publication(s).id
        s.add_all(Subscriber(publication_id=pub, email=f"reader{i}@example.org", name=f"Reader {i}",
                             status=CONFIRMED) for i in range(n))
    config = MailConfig.from_environment({
        "PRECIS_SMTP_URL": url, "PRECIS_MAIL_FROM": "Sample Newsletter <news@example.org>",
        "PRECIS_BASE_URL": "https://news.example.org", "PRECIS_SMTP_CONCURRENCY": str(concurrency),
        **({"PRECIS_DKIM_KEY": str(key), "PRECIS_DKIM_SELECTOR": "bench", "PRECIS_DKIM_DOMAIN": "example.org"}
           if key else {}),
    })
    cpu, started = _cpu(), time.perf_counter()
    report = send_issue(store, "SN #1", config)
    wall, cpu = time.perf_counter() - started, _cpu() - cpu
    store.close()
    if report.sent != n:
        raise SystemExit(f"only {report.summary()}")
    return wall, cpu, report.summary()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[4, 1])
    parser.add_argument("--without-dkim", action="store_true", help="Also send unsigned, to see what DKIM costs.")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="precis-send-bench-") as tmp:
        folder = Path(tmp)
        key = folder / "dkim.pem"
        subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
        port = _port()
        server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                                   "-c", "aiosmtpd.handlers.Sink"])
        try:
            _wait_for(port)
            print("| subscribers | DKIM | concurrency | wall | messages/s | messages per CPU second |")
            print("| --- | --- | --- | --- | --- | --- |")
            for signed in [True, False] if args.without_dkim else [True]:
                for c in args.concurrency:
                    wall, cpu, summary = run(folder, args.n, c, key if signed else None, f"smtp://127.0.0.1:{port}")
                    print(f"| {args.n} | {'yes' if signed else 'no'} | {c} | {wall:.1f} s | {args.n / wall:.0f} "
                          f"| {args.n / cpu:.0f} |", flush=True)
                    print(summary, file=sys.stderr)
        finally:
            server.terminate()
            server.wait()
    print(f"load average after: {os.getloadavg()[0]:.2f}", file=sys.stderr)


if __name__ == "__main__":
    main()
