"""Benchmarks run by `make bench` (scripts/bench.sh); each writes its figures to var/bench/."""
import json
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent.parent.parent / "var" / "bench"


def write_figures(name: str, figures) -> Path:
    """Write `figures` as var/bench/<name>.json and return the path."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    out = BENCH_DIR / f"{name}.json"
    out.write_text(json.dumps(figures, indent=2))
    return out
