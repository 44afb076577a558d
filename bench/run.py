"""Run the six benchmarks and write their JSON figures.

    python bench/run.py                 # all six (about 10 minutes on 2 cores)
    python bench/run.py --only polling  # some of them
    python bench/run.py --quick         # small sizes: a smoke run of the machinery, not figures

Each benchmark runs as its own process (memory figures are per process) and prints one JSON
object; this collects them into ``bench/results/<UTC time>.json`` and ``bench/results/latest.json``
and prints each figure next to its target. Nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import child_figures  # noqa: E402

RESULTS = HERE / "results"
BENCHMARKS = ("ack", "polling", "scale", "credits", "delivery", "recovery")  # issue order 1-6


def run_one(name: str, quick: bool) -> dict[str, Any]:
    t0 = time.perf_counter()
    out = child_figures([str(HERE / f"{name}.py"), *(["--quick"] if quick else [])], timeout=3600)
    if "error" in out:
        return {"benchmark": name, **out}
    out["bench_wall_s"] = round(time.perf_counter() - t0, 1)
    return out


def headline(name: str, r: dict[str, Any]) -> list[str]:
    """One line per target: the figure, the target, met or missed."""
    if "error" in r:
        return [f"{name}: ERROR {r['error']}"]

    def line(label: str, value: Any, target: str, ok: bool) -> str:
        return f"  {label:<46} {value!s:>12}   target {target:<14} {'met' if ok else 'MISSED'}"
    rows = [name]
    if name == "ack":
        p99 = r["at_once"]["1000"]["p99_ms"] if "1000" in r["at_once"] else None
        for n, v in r["at_once"].items():
            rows.append(f"  {n:>5} at once: p50 {v['p50_ms']} ms, p99 {v['p99_ms']} ms")
        if p99 is not None:
            rows.append(line("p99 at 1,000 at once (ms)", p99, "<= 50 ms", p99 <= 50))
    elif name == "polling":
        for scenario in ("burst", "stream"):
            b = r[scenario]["bot"]
            rows.append(line(f"{scenario}: calls per job vs SDK helper", b["calls_ratio_to_sdk"], "<= 0.20",
                             b["calls_ratio_to_sdk"] <= 0.20))
            rows.append(line(f"{scenario}: median detection delay (s)", b["detection_delay_s"]["p50"], "<= 1.5 s",
                             b["detection_delay_s"]["p50"] <= 1.5))
    elif name == "scale":
        a = r["all_at_provider"]
        rows.append(line("peak RSS, 10,000 in flight (MB)", a["peak_rss_mb"], "<= 300 MB", a["peak_rss_mb"] <= 300))
        rows.append(line("event-loop lag p99 (ms)", a["loop_lag"]["p99_ms"], "<= 100 ms",
                         a["loop_lag"]["p99_ms"] <= 100))
        for k in ("all_at_provider", "capped"):
            rows.append(f"  {k}: scheduler {r[k]['scheduler']['scheduler_cpu_us_per_job']} µs/job, "
                        f"{r[k]['scheduler']['eligibility_checks_per_job']} checks/job")
    elif name == "credits":
        for k in ("one_allowance", "ten_allowances", "through_sora"):
            v = r[k]
            rows.append(line(f"{k}: holds/s", v["holds_per_s"], ">= 1000/s" if k != "through_sora" else "(info)",
                             v["holds_per_s"] >= 1000 or k == "through_sora"))
            rows.append(line(f"{k}: overspend (tenths)", v["overspend_tenths"], "0", v["overspend_tenths"] == 0))
    elif name == "delivery":
        for k, v in r.items():
            if isinstance(v, dict) and "rss_growth_mb" in v:
                rows.append(line(f"{k}: peak RSS growth (MB)", v["rss_growth_mb"], "<= 50 MB",
                                 v["rss_growth_mb"] <= 50))
    elif name == "recovery":
        rows.append(line("start-up to resume 10,000 jobs (s)", r.get("start_s"), "<= 5 s",
                         (r.get("start_s") or 99) <= 5))
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", nargs="+", choices=BENCHMARKS)
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    names = args.only or list(BENCHMARKS)
    results: dict[str, Any] = {"started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                               "quick": args.quick, "benchmarks": {}}
    for name in names:
        print(f"running {name} …", file=sys.stderr, flush=True)
        results["benchmarks"][name] = run_one(name, args.quick)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(results, indent=2)
    (RESULTS / f"{stamp}.json").write_text(text)
    (RESULTS / "latest.json").write_text(text)
    for name in names:
        print("\n".join(headline(name, results["benchmarks"][name])))
    print(f"\nwritten: {RESULTS / (stamp + '.json')}")


if __name__ == "__main__":
    main()
