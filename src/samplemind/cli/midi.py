"""``samplemind midi FILE [-o out.mid] [--quantize 1/16] [--mode auto|tonal|drums]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from samplemind.cli.common import emit_json, out_console
from samplemind.config import Settings
from samplemind.errors import ConfigError

__all__ = ["midi"]


def midi(
    file: Annotated[Path, typer.Argument(help="An audio file.", dir_okay=False)],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Where to write (default: FILE.mid).")
    ] = None,
    quantize: Annotated[
        str | None, typer.Option("--quantize", "-q", help="Snap to a grid: 1/4, 1/8, 1/16, 1/8t …")
    ] = None,
    mode: Annotated[
        str, typer.Option("--mode", "-m", help="auto (by sample type), tonal or drums.")
    ] = "auto",
    bpm: Annotated[
        float | None, typer.Option("--bpm", min=20.0, max=400.0, help="Tempo (default: detected).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", "-f", help="Replace OUTPUT if it exists.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the transcription as JSON.")
    ] = False,
) -> None:
    """Transcribe audio to a MIDI file: notes with pitch bends, or a GM drum pattern."""
    from samplemind.analysis.midi import midi_bytes, transcribe_file

    target = output or file.with_suffix(".mid")
    if target.resolve() == file.resolve():
        raise ConfigError(f"{target} is the audio file itself; choose another --output")
    if target.exists() and not force:
        raise ConfigError(f"{target} exists; pass --force to replace it")
    transcription = transcribe_file(
        file, settings=Settings(), mode=mode, quantize=quantize, bpm=bpm
    )
    data = midi_bytes(transcription)
    try:
        target.write_bytes(data)
    except OSError as exc:
        raise ConfigError(f"cannot write {target}: {exc}") from exc
    if as_json:
        emit_json([{"output": str(target), **transcription.model_dump(mode="json")}])
        return
    what = (
        f"{len(transcription.notes)} notes"
        if transcription.mode == "tonal"
        else f"{len(transcription.hits)} drum hits"
    )
    grid = f", on a {quantize} grid" if quantize else ""
    out_console().print(
        f"{target}: {what} at {transcription.bpm:g} BPM{grid} ({transcription.mode})"
    )
