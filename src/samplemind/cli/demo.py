"""``samplemind demo DIR``: synthesize a demo library."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

__all__ = ["demo"]


def demo(
    directory: Annotated[Path, typer.Argument(help="Folder to create the demo library in.")],
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing demo library.")
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same files).")] = 7,
) -> None:
    """Create a demo sample library (drums, bass, leads, loops with known BPM and key)."""
    from samplemind.demo import create_demo_library

    samples = create_demo_library(directory, seed=seed, overwrite=overwrite)
    Console(stderr=True).print(f"created {len(samples)} demo samples in {directory}")
