"""``samplemind process FILE...``, ``samplemind master TRACK --reference REF``,
``samplemind stems FILE``: reshape sounds (docs/processing.md)."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from samplemind.cli.common import emit_json, err_console, library_session, out_console
from samplemind.errors import ConfigError, SampleMindError

__all__ = ["master", "process", "stems"]


class Method(StrEnum):
    hpss = "hpss"
    demucs = "demucs"


def _format(text: str | None) -> Any:
    from samplemind.processing.options import OutputFormat

    return OutputFormat.parse(text) if text else None


def _fmt_value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _record(done: Any) -> dict[str, Any]:
    """One JSON object per transform: the report, and each output's library record."""
    return {
        "ok": True,
        "source": done.report.source,
        "source_id": done.source.id if done.source is not None else None,
        "kind": done.report.kind.value,
        "outputs": [
            {
                **output.model_dump(mode="json"),
                "sample_id": derived.sample.id if derived.sample is not None else None,
                "bpm": derived.sample.bpm if derived.sample is not None else None,
                "key": derived.sample.key if derived.sample is not None else None,
                "loudness_lufs": derived.sample.loudness_lufs if derived.sample else None,
                "analysis_error": derived.error[1] if derived.error else None,
            }
            for output, derived in zip(done.report.outputs, done.outputs, strict=True)
        ],
        "steps": done.report.steps,
        "elapsed_s": done.report.elapsed_s,
    }


def _render(done: Any) -> None:
    out = out_console()
    for output, derived in zip(done.report.outputs, done.outputs, strict=True):
        where = f" → sample {derived.sample.id}" if derived.sample is not None else ""
        link = (
            f" (from sample {done.source.id})"
            if done.source is not None and derived.derivation
            else ""
        )
        label = f"[{output.stem}] " if output.stem else ""
        out.print(
            f"[green]✓[/] {escape(label)}{escape(str(output.path))}{where}{link}", highlight=False
        )
        if derived.error is not None:
            err_console().print(f"  [yellow]not analyzed:[/] {escape(derived.error[1])}")
    table = Table(show_header=False, show_edge=False, pad_edge=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    for step in done.report.steps:
        detail = ", ".join(
            f"{k} {_fmt_value(v)}" for k, v in step.items() if k != "step" and v is not None
        )
        table.add_row(f"  {step['step']}", detail)
    out.print(table)


def _run_many(sources: list[str], work: Any, json_out: bool) -> None:
    failed = 0
    for source in sources:
        try:
            done = work(source)
        except ConfigError:
            raise  # a usage error is the same for every file: stop, exit code 2
        except SampleMindError as exc:
            failed += 1
            if json_out:
                emit_json([{"ok": False, "source": source, "error": exc.to_dict()}])
            else:
                err_console().print(f"[red]✗[/] {escape(str(source))}: {escape(exc.message)}")
            if len(sources) == 1:
                raise typer.Exit(1) from None
            continue
        if json_out:
            emit_json([_record(done)])
        else:
            _render(done)
    if failed:
        raise typer.Exit(1)


def process(
    files: Annotated[list[str], typer.Argument(help="Audio files or sample ids.")],
    normalize: Annotated[
        str | None,
        typer.Option(
            "--normalize",
            "-N",
            help="-14LUFS, -1dBTP or -14LUFS,-1dBTP (a LUFS target keeps -1 dBTP).",
        ),
    ] = None,
    limiter: Annotated[
        bool, typer.Option("--limiter", help="Reach a LUFS target past the peaks with a limiter.")
    ] = False,
    trim_silence: Annotated[
        bool, typer.Option("--trim-silence", help="Cut leading and trailing silence.")
    ] = False,
    trim_db: Annotated[
        float, typer.Option("--trim-db", help="What counts as silence, dBFS.")
    ] = -60.0,
    fade: Annotated[str | None, typer.Option("--fade", help="Fade in and out, e.g. 10ms.")] = None,
    fade_in: Annotated[str | None, typer.Option("--fade-in", help="Fade in, e.g. 5ms.")] = None,
    fade_out: Annotated[str | None, typer.Option("--fade-out", help="Fade out, e.g. 0.5s.")] = None,
    stretch_to: Annotated[
        float | None, typer.Option("--stretch-to", help="Time-stretch to this BPM (loops).")
    ] = None,
    shift_to: Annotated[
        str | None,
        typer.Option(
            "--shift-to", help="Pitch-shift to a key (Am, 8A) or a one-shot to a note (C3)."
        ),
    ] = None,
    semitones: Annotated[
        float | None, typer.Option("--semitones", help="Pitch-shift by this many semitones.")
    ] = None,
    source_bpm: Annotated[
        float | None,
        typer.Option("--source-bpm", help="The source's BPM, if the analysis is wrong."),
    ] = None,
    source_key: Annotated[
        str | None, typer.Option("--source-key", help="The source's key, if the analysis is wrong.")
    ] = None,
    source_note: Annotated[
        str | None, typer.Option("--source-note", help="A one-shot's root note, e.g. A2.")
    ] = None,
    mono: Annotated[bool, typer.Option("--mono", help="Mix down to one channel.")] = False,
    sample_rate: Annotated[
        int | None, typer.Option("--sample-rate", help="Resample to this rate, Hz.")
    ] = None,
    format_: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="wav16, wav24, wav32f, aiff24, flac16, flac, mp3, ogg."
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Output file (one input) or folder.")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing output.")
    ] = False,
    in_place: Annotated[
        bool, typer.Option("--in-place", help="Replace the source file itself (same format).")
    ] = False,
    no_add: Annotated[
        bool, typer.Option("--no-add", help="Do not add outputs to the library.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per file.")] = False,
) -> None:
    """Trim, stretch to a BPM, shift to a key, normalize loudness, fade and convert.

    Steps run in a fixed order: trim, stretch/shift, mono, resample, fades, normalize, write.
    The original is kept unless --in-place; outputs join the library linked to their source.
    """
    from samplemind.processing.options import (
        LoudnessTarget,
        ProcessSpec,
        parse_duration_ms,
    )

    both = parse_duration_ms(fade) if fade else 0.0
    spec = ProcessSpec.of(
        trim_silence=trim_silence,
        trim_threshold_dbfs=trim_db,
        stretch_to_bpm=stretch_to,
        shift_to=shift_to,
        semitones=semitones,
        source_bpm=source_bpm,
        source_key=source_key,
        source_note=source_note,
        mono=mono,
        sample_rate_hz=sample_rate,
        fade_in_ms=parse_duration_ms(fade_in) if fade_in else both,
        fade_out_ms=parse_duration_ms(fade_out) if fade_out else both,
        normalize=LoudnessTarget.parse(normalize, limiter=limiter) if normalize else None,
        format=_format(format_),
    )
    if output is not None and len(files) > 1:
        if output.exists() and not output.is_dir():
            raise ConfigError(f"{output} is a file: with several inputs, -o names a folder")
        output.mkdir(parents=True, exist_ok=True)  # each output keeps its default name there
    with library_session() as library, _spinner("processing…", json_out):
        _run_many(
            files,
            lambda source: library.process(
                source, spec, output=output, overwrite=overwrite, in_place=in_place, add=not no_add
            ),
            json_out,
        )


def master(
    track: Annotated[str, typer.Argument(help="The track: an audio file or sample id.")],
    reference: Annotated[
        str, typer.Option("--reference", "-r", help="The reference track (file or sample id).")
    ],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Output file.")] = None,
    format_: Annotated[
        str | None, typer.Option("--format", "-f", help="wav24 (default: the track's format) ...")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing output.")
    ] = False,
    no_add: Annotated[bool, typer.Option("--no-add", help="Do not add it to the library.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Master TRACK to sound like a reference (loudness, tone, width: matchering)."""
    fmt = _format(format_)
    with library_session() as library, _spinner("mastering…", json_out):
        _run_many(
            [track],
            lambda source: library.master(
                source, reference, output=output, fmt=fmt, overwrite=overwrite, add=not no_add
            ),
            json_out,
        )


def stems(
    file: Annotated[str, typer.Argument(help="An audio file or sample id.")],
    method: Annotated[
        Method, typer.Option("--method", "-m", help="hpss: harmonic + percussive; demucs: 4 stems.")
    ] = Method.hpss,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Folder for the stems.")
    ] = None,
    format_: Annotated[str | None, typer.Option("--format", "-f", help="wav24, flac, ...")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace existing stems.")] = False,
    no_add: Annotated[
        bool, typer.Option("--no-add", help="Do not add them to the library.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Separate FILE into stems (HPSS always; demucs when you have installed it)."""
    fmt = _format(format_)
    with library_session() as library, _spinner("separating…", json_out):
        _run_many(
            [file],
            lambda source: library.separate(
                source,
                method=method.value,
                folder=output,
                fmt=fmt,
                overwrite=overwrite,
                add=not no_add,
            ),
            json_out,
        )


def _spinner(text: str, json_out: bool) -> AbstractContextManager[Any]:
    """A spinner on stderr while work runs (none for JSON, which machines read)."""
    return nullcontext() if json_out else err_console().status(text, spinner="dots")
