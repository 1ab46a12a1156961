"""``parkgis demo``: load the deterministic demo park."""

from __future__ import annotations

import time

import typer

app = typer.Typer(
    help="Demo data: a realistic park inside the real Lieshan boundary.", no_args_is_help=True
)


@app.command()
def load(
    seed: int = typer.Option(42, help="Seed of the generator (same seed, same park)."),
    scale: int = typer.Option(
        1, min=1, help="Multiply the park (benchmarks: 500 = 100 000+ parcels)."
    ),
    if_missing: bool = typer.Option(
        False, "--if-missing", help="Skip when this demo (version, seed, scale) is already loaded."
    ),
) -> None:
    """Load (or replace) the demo park in one transaction and print the rows written."""
    from parkgis import db
    from parkgis.demo import DEMO_VERSION, demo_marker, is_demo_loaded, load_demo

    engine = db.make_engine()
    try:
        with engine.begin() as conn:
            if if_missing and is_demo_loaded(conn, seed, scale):
                typer.echo(f"demo already loaded ({demo_marker(seed, scale)}): skipped")
                return
            db.set_actor(conn, "demo")
            started = time.perf_counter()
            counts = load_demo(conn, seed=seed, scale=scale, progress=True)
            elapsed = time.perf_counter() - started
    finally:
        engine.dispose()
    width = max(len(t) for t in counts)
    for table, count in counts.items():
        typer.echo(f"{table:<{width}}  {count:>9,}")
    typer.echo(f"demo v{DEMO_VERSION} seed={seed} scale={scale} loaded in {elapsed:.1f} s")
