"""Benchmark: end-to-end import of synthetic incidents into SQLite vs. a pandas+geopandas baseline.

Run: ``make bench`` (or ``.venv/bin/python bench/bench_import.py --n 1000000``).

Measured in one run, each step in its own fresh subprocess (so peak memory is per step):

* ``baseline``: ``pandas.read_csv`` of the file + ``geopandas.sjoin`` of its points to the
  comunas of the same territory set (stores nothing);
* ``sereno``: ``sereno import incidents`` into an empty SQLite store: reading, validation,
  time zones, classification, assignment to comuna and 100 m cell, dedup and storage;
* ``sereno_again``: the same file imported a second time (must insert 0).

Writes ``bench/out/import.json`` and prints rows/s, peak memory and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

BASELINE = r"""
import sys, time, json
import pandas as pd, geopandas as gpd
from sereno.domain.territory import builtin_territory_set
path, code = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
df = pd.read_csv(path)
ts = builtin_territory_set(code)
pts = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["longitud"], df["latitud"]), crs=4326)
polys = gpd.GeoDataFrame({"territorio": ts.codes}, geometry=list(ts.polygons), crs=4326)
joined = gpd.sjoin(pts, polys, how="left", predicate="within")
print(json.dumps({"seconds": time.perf_counter() - t0, "rows": len(df), "matched": int(joined["territorio"].notna().sum())}))
"""


# Runs a script or module and reports its own peak RSS on stderr, whatever way it exits.
WRAP = r"""
import resource, runpy, sys
target, sys.argv = sys.argv[1], sys.argv[1:]
try:
    if target == "-m":
        sys.argv = sys.argv[1:]
        runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
    else:
        exec(compile(target, "<bench>", "exec"), {"__name__": "__main__"})
finally:
    sys.stderr.write(f"\nPEAK_KB {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\n")
"""


def _peak_mb_of(cmd: list[str]) -> tuple[float, float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", WRAP, *cmd], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"step failed: {' '.join(cmd)}")
    peak_kb = [
        int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("PEAK_KB")
    ][-1]
    return wall, peak_kb / 1024.0, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--territory-set", default="RM")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    csv = OUT / f"synth_{args.n}_{args.seed}.csv"
    py = sys.executable
    if not csv.exists():
        subprocess.run(
            [
                py,
                "-m",
                "sereno",
                "synth",
                "incidents",
                "--n",
                str(args.n),
                "--seed",
                str(args.seed),
                "--out",
                str(csv),
            ],
            check=True,
        )
    db = OUT / "bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    subprocess.run(
        [py, "-m", "sereno", "init", "--db", f"sqlite:///{db}"], check=True, capture_output=True
    )

    results: dict[str, object] = {
        "n": args.n,
        "territory_set": args.territory_set,
        "file_mb": csv.stat().st_size / 1e6,
    }
    wall, peak, out = _peak_mb_of([BASELINE, str(csv), args.territory_set])
    base = json.loads(out)
    results["baseline"] = {
        "seconds_inner": base["seconds"],
        "seconds_process": wall,
        "peak_mb": peak,
    }

    imp = [
        "-m",
        "sereno",
        "import",
        "incidents",
        str(csv),
        "--source",
        "Bench",
        "--db",
        f"sqlite:///{db}",
        "--territory-set",
        args.territory_set,
        "--report-dir",
        str(OUT / "rep"),
        "--json",
    ]
    wall, peak_first, out = _peak_mb_of(imp)
    first = json.loads(out)
    results["sereno"] = {
        "seconds_inner": first["seconds"],
        "seconds_process": wall,
        "peak_mb": peak_first,
        "summary": first,
    }
    wall, peak_again, out = _peak_mb_of(imp)
    again = json.loads(out)
    results["sereno_again"] = {
        "seconds_inner": again["seconds"],
        "seconds_process": wall,
        "peak_mb": peak_again,
        "summary": again,
    }

    rows = first["rows_read"]
    results["rows_per_second"] = rows / first["seconds"]
    results["ratio_to_baseline"] = first["seconds"] / base["seconds"]
    (OUT / "import.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    print(
        f"\nimport: {rows:,} rows in {first['seconds']:.2f} s = {results['rows_per_second']:,.0f} rows/s "
        f"(goal >= 200,000); baseline read_csv+sjoin {base['seconds']:.2f} s; "
        f"ratio {results['ratio_to_baseline']:.2f} (goal <= 2); peak memory of import process "
        f"{peak_first:.0f} MB (goal < 2048); second import inserted {again['inserted']}."
    )


if __name__ == "__main__":
    main()
