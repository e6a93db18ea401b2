"""``python -m etl build | check | register FILE``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from etl.errors import EtlError
from kpidash import config
from kpidash.kpi_schema import KpiDefsError


def _cmd_build(args: argparse.Namespace) -> int:
    from etl.pipeline import build

    report = build(Path(args.raw) if args.raw else None, Path(args.warehouse) if args.warehouse else None)
    s = report.summary
    with_prefix = s.assign(group=s["indicator_id"].str.extract(r"^([a-z]+)", expand=False))
    print("\nSummary (rows per indicator family; `python -m etl build -v` lists every indicator):")
    if args.verbose:
        print(s.to_string(index=False))
    else:
        g = with_prefix.groupby("group").agg(
            indicators=("indicator_id", "count"),
            rows=("rows", "sum"),
            first=("first", "min"),
            last=("last", "max"),
            regions=("regions", "max"),
        )
        print(g.to_string())
    print(
        f"\n{len(s)} indicators, {int(s['rows'].sum()):,} observations, periods {int(s['first'].min())}–"
        f"{int(s['last'].max())}, up to {int(s['regions'].max()):,} regions per indicator"
    )
    print(f"Warehouse: {report.warehouse} ({report.size_bytes / 1e6:.1f} MB), built in {report.elapsed_s:.1f} s")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from etl.pipeline import check_with_notes

    failures, notes = check_with_notes(Path(args.warehouse) if args.warehouse else None)
    for n in notes:  # informational: never changes the exit status
        print(f"NOTE {n}")
    for f in failures:
        print(f"FAIL {f}", file=sys.stderr)
    print(f"{len(failures)} failing check(s)" if failures else "All checks passed.")
    return 1 if failures else 0


def _cmd_register(args: argparse.Namespace) -> int:
    """Update the sha256 of a sidecar after a deliberate replacement of a raw file."""
    import yaml

    from etl.loaders.base import sha256_of

    path = Path(args.file)
    side = path.with_name(path.name + ".meta.yaml")
    if not path.exists() or not side.exists():
        raise EtlError("file or its .meta.yaml sidecar not found", file=path)
    meta = yaml.safe_load(side.read_text(encoding="utf-8"))
    meta["sha256"] = sha256_of(path)
    side.write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=200), encoding="utf-8")
    print(f"{side}: sha256 updated; check the other provenance fields (vintage, url, accessed) by hand.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description="Build or check the DuckDB warehouse.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="raw -> staging -> marts, checked, renamed into place")
    b.add_argument("--raw", help=f"raw-data folder (default {config.RAW_DIR}, env KPI_RAW_DIR)")
    b.add_argument("--warehouse", help="output file (default data/warehouse.duckdb, env KPI_WAREHOUSE)")
    b.add_argument("-v", "--verbose", action="store_true", help="list every indicator in the summary")
    c = sub.add_parser("check", help="run the data checks on the built warehouse")
    c.add_argument("--warehouse")
    r = sub.add_parser("register", help="record the sha256 of a deliberately replaced raw file in its sidecar")
    r.add_argument("file")
    args = parser.parse_args(argv)
    try:
        return {"build": _cmd_build, "check": _cmd_check, "register": _cmd_register}[args.cmd](args)
    except (EtlError, KpiDefsError) as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
