"""A synthetic library for the web benchmarks (``web/e2e/bench.mjs``): N sample rows straight
into the schema (as ``library_bench query`` does), and timbre analyses for the first M of
them, so the sound map has M points: clusters around a few "instrument" centres, like a real
library's.

    uv run python -m benchmarks.web_library /tmp/web-bench-data --rows 100000 --mapped 20000
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from benchmarks.library_bench import _fill
from samplemind.config import Settings
from samplemind.library import open_library


def _timbres(conn: object, mapped: int, seed: int) -> None:
    from samplemind.storage import tables as t

    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, (15, 64))
    now = datetime.now(UTC)
    for start in range(0, mapped, 5000):
        rows = []
        for i in range(start, min(mapped, start + 5000)):
            vector = centres[i % 15] + rng.normal(0, 0.45, 64)
            vector /= np.linalg.norm(vector)
            rows.append(
                {
                    "sample_id": i + 1,
                    "analyzer": "timbre",
                    "version": 1,
                    "data": [round(float(v), 6) for v in vector],
                    "created_at": now,
                }
            )
        conn.execute(t.analyses.insert(), rows)  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--mapped", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    settings = Settings(data_dir=args.data_dir, vector_backend="memory")
    with open_library(settings):  # creates the schema
        pass
    url = settings.resolved_database_url()
    _fill(url, args.rows, args.seed)
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        _timbres(conn, min(args.mapped, args.rows), args.seed)
        conn.execute(sa.text("analyze"))
    engine.dispose()
    print(f"{args.rows} samples, {min(args.mapped, args.rows)} with timbre, in {args.data_dir}")


if __name__ == "__main__":
    main()
