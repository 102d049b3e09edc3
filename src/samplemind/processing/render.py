"""File in, file(s) out: decode, resolve, transform, write. What the library (and its worker
processes) call, and what Python users can call directly.

Every function decodes with the library's own decoder (header checks, length and memory caps),
checks the output paths before any DSP (so a name that exists costs nothing), and returns a
:class:`TransformReport`: the files written, the steps with their measured numbers, and the
parameters the library records with each derived sample.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from samplemind.audio.decode import decode, probe
from samplemind.audio.export import safe_file_name
from samplemind.audio.signal import AudioSignal
from samplemind.config import Settings
from samplemind.domain.analysis import AnalysisLevel, AnalysisResult, AudioInfo
from samplemind.domain.library import DerivationKind
from samplemind.domain.music import MusicalKey, midi_to_note_name
from samplemind.errors import ConfigError, SampleMindError
from samplemind.processing.chain import Step, resample, run_chain
from samplemind.processing.options import OutputFormat, ProcessSpec, parse_pitch_target
from samplemind.processing.plan import SourceFacts, resolve
from samplemind.processing.writer import check_output, write_audio

__all__ = [
    "OutputFile",
    "TransformReport",
    "default_output",
    "facts_from_analysis",
    "master_file",
    "output_format",
    "process_file",
    "separate_file",
    "stem_output",
]

log = logging.getLogger(__name__)

#: The analyzers whose results a stretch or shift starts from.
FACT_ANALYZERS = frozenset({"loop", "tempo", "key", "pitch"})


class OutputFile(BaseModel):
    """One file a transform wrote."""

    model_config = ConfigDict(frozen=True)

    path: str
    stem: str | None = Field(None, description="For separations: harmonic, percussive, drums ...")
    format: str = Field(description="e.g. wav24, flac16, mp3.")
    sample_rate_hz: int
    channels: int
    duration_s: float


class TransformReport(BaseModel):
    """What a transform did: its outputs, steps (with measured numbers) and parameters."""

    model_config = ConfigDict(frozen=True)

    kind: DerivationKind
    source: str
    outputs: list[OutputFile]
    steps: list[dict[str, Any]]
    params: dict[str, Any] = Field(description="Recorded with each derived sample.")
    elapsed_s: float = 0.0


# --- facts, formats and names -------------------------------------------------------------------
def facts_from_analysis(result: AnalysisResult | None) -> SourceFacts | None:
    """The stretch/shift facts of a stored analysis; None when it has none of them (a BASIC
    analysis), so the caller analyzes afresh."""
    if result is None or not (set(result.analyzers) & FACT_ANALYZERS):
        return None
    pitch = result.pitch
    return SourceFacts(
        bpm=result.tempo.bpm if result.tempo else None,
        key=result.key.key if result.key else None,
        root_midi=pitch.midi + pitch.cents / 100 if pitch else None,
        is_loop=result.loop.is_loop if result.loop else None,
    )


def _fresh_facts(signal: AudioSignal, settings: Settings) -> SourceFacts:
    from samplemind.analysis.engine import analyze_signal

    result = analyze_signal(
        signal, level=AnalysisLevel.STANDARD, settings=settings, only=FACT_ANALYZERS
    )
    facts = facts_from_analysis(result)
    assert facts is not None
    return facts


def output_format(
    explicit: OutputFormat | None, output: Path | None, source: AudioInfo
) -> OutputFormat:
    """The format to write: ``explicit`` (which must agree with ``output``'s extension), else
    the extension's container at the source's bit depth, else the source's own format.

    Raises:
        ConfigError: an extension we do not write, or one that contradicts ``explicit``.
    """
    floating = (source.subtype or "").upper() in ("FLOAT", "DOUBLE")
    like = OutputFormat.like_source(source.format, source.bit_depth, floating=floating)
    if output is None:
        return explicit or like
    by_name = OutputFormat.from_path(output)
    if explicit is not None:
        if explicit.container != by_name.container:
            raise ConfigError(
                f"{output.name} is a .{by_name.container} name but the format asked is "
                f"{explicit.label}"
            )
        return explicit
    if by_name.container == like.container or by_name.lossy:
        return like if by_name.container == like.container else by_name
    depth = source.bit_depth if source.bit_depth in (16, 24) else 24
    return OutputFormat.checked(by_name.container, depth, floating=False)


def _describe(spec: ProcessSpec, fmt: OutputFormat) -> str:
    parts: list[str] = []
    if spec.stretch_to_bpm is not None:
        parts.append(f"{spec.stretch_to_bpm:g} BPM")
    if spec.shift_to is not None:
        target = parse_pitch_target(spec.shift_to)
        parts.append(
            target.short_name if isinstance(target, MusicalKey) else midi_to_note_name(target)
        )
    elif spec.semitones is not None:
        parts.append(f"{spec.semitones:+g} st")
    if spec.normalize is not None:
        target_label = spec.normalize
        parts.append(
            f"{target_label.lufs:g} LUFS"
            if target_label.lufs is not None
            else f"{target_label.true_peak_dbtp:g} dBTP"
        )
    if spec.trim_silence:
        parts.append("trimmed")
    if spec.fade_in_ms or spec.fade_out_ms:
        parts.append("faded")
    if spec.mono:
        parts.append("mono")
    if spec.sample_rate_hz is not None:
        parts.append(f"{spec.sample_rate_hz / 1000:g} kHz")
    return ", ".join(parts) or fmt.label


def default_output(source: Path, spec: ProcessSpec, fmt: OutputFormat) -> Path:
    """Beside the source, named by what was done: ``Loop_120_Am (128 BPM, Cm).wav``."""
    return source.with_name(
        safe_file_name(f"{source.stem} ({_describe(spec, fmt)})", fmt.container)
    )


def stem_output(source: Path, folder: Path | None, stem: str, fmt: OutputFormat) -> Path:
    """``<folder or the source's>/<name> (<stem>).<ext>``."""
    name = safe_file_name(f"{source.stem} ({stem})", fmt.container)
    return (folder or source.parent) / name


def _file(path: Path, fmt: OutputFormat, settings: Settings, stem: str | None = None) -> OutputFile:
    info = probe(path, settings)
    return OutputFile(
        path=str(path),
        stem=stem,
        format=fmt.label,
        sample_rate_hz=info.sample_rate_hz,
        channels=info.channels,
        duration_s=round(info.duration_s, 6),
    )


def _write_tags(path: Path, *, bpm: float | None, key: MusicalKey | None) -> None:
    """Tempo and key a stretch or shift set, into the output's own tags (ID3/Vorbis), where
    DJ software and the library's analysis read them before the file name."""
    if bpm is None and key is None:
        return
    from samplemind.audio.metadata import write_tags

    try:
        write_tags(path, bpm=bpm, key=key.name if key is not None else None)
    except SampleMindError as exc:  # the audio is written; tags are a courtesy
        log.warning("%s: tags not written (%s)", path.name, exc.message)


# --- process --------------------------------------------------------------------------------------
def process_file(
    source: str | Path,
    spec: ProcessSpec,
    *,
    output: str | Path | None = None,
    overwrite: bool = False,
    facts: SourceFacts | None = None,
    settings: Settings | None = None,
) -> TransformReport:
    """Apply ``spec`` to ``source`` and write the result.

    Args:
        source: The audio file (never changed unless ``output`` is it and ``overwrite``).
        spec: What to do (:class:`~samplemind.processing.options.ProcessSpec`).
        output: Where to write: a file, or a folder for the default name; None: beside the
            source, named by :func:`default_output`.
        overwrite: Replace ``output`` if it exists.
        facts: The source's BPM/key/root from a stored analysis; None: analyzed now when the
            spec needs them.
        settings: Decoding limits.

    Raises:
        ConfigError: a bad spec or output name. OutputExistsError: ``output`` exists.
        AudioError: the source does not decode. ProcessingError: the transform cannot be done.
    """
    started = time.perf_counter()
    settings = settings or Settings()
    spec = spec.check()
    path = Path(source)
    info = probe(path, settings)
    out = Path(output) if output is not None else None
    folder = out if out is not None and out.is_dir() else None
    fmt = output_format(spec.format, None if folder else out, info)
    if folder is not None or out is None:  # a folder, or nothing: the default name
        out = (folder or path.parent) / default_output(path, spec, fmt).name
    check_output(out, overwrite=overwrite)
    signal = decode(path, settings)
    if facts is None and (spec.needs_tempo or spec.needs_pitch):
        facts = _fresh_facts(signal, settings)
    plan = resolve(spec, facts or SourceFacts())
    samples, rate, steps = run_chain(signal.samples, signal.sample_rate_hz, spec, plan)
    steps += write_audio(out, samples, rate, fmt, overwrite=overwrite)
    _write_tags(
        out,
        bpm=plan.to_bpm if plan.changes_time else None,
        key=plan.to_key if plan.changes_pitch else None,
    )
    params: dict[str, Any] = {
        "source_path": str(path),
        "options": spec.model_dump(mode="json", exclude_defaults=True),
        "format": fmt.label,
        **plan.params,
    }
    return TransformReport(
        kind=DerivationKind.PROCESS,
        source=str(path),
        outputs=[_file(out, fmt, settings)],
        steps=[s.to_dict() for s in steps],
        params=params,
        elapsed_s=round(time.perf_counter() - started, 3),
    )


# --- master ---------------------------------------------------------------------------------------
def master_file(
    target: str | Path,
    reference: str | Path,
    *,
    output: str | Path | None = None,
    fmt: OutputFormat | None = None,
    overwrite: bool = False,
    settings: Settings | None = None,
) -> TransformReport:
    """Master ``target`` to sound like ``reference`` (matchering) and write it, at the target's
    sample rate and channel count.

    Raises:
        TooShortError, TooLongError, ProcessingError (see
        :func:`~samplemind.processing.master.master_signals`), ConfigError, OutputExistsError,
        AudioError.
    """
    from samplemind.processing.master import master_signals

    started = time.perf_counter()
    settings = settings or Settings()
    path, reference_path = Path(target), Path(reference)
    info = probe(path, settings)
    out = Path(output) if output is not None else None
    folder = out if out is not None and out.is_dir() else None
    fmt = output_format(fmt, None if folder else out, info)
    if folder is not None or out is None:
        name = safe_file_name(f"{path.stem} (mastered)", fmt.container)
        out = (folder or path.parent) / name
    check_output(out, overwrite=overwrite)
    signal = decode(path, settings)
    reference_signal = decode(reference_path, settings)
    samples, rate, steps = master_signals(signal, reference_signal)
    if signal.channels == 1:
        samples = np.ascontiguousarray(samples.mean(axis=1, dtype=np.float32)[:, None])
    if rate != signal.sample_rate_hz:
        samples, step = resample(samples, rate, signal.sample_rate_hz)
        rate = signal.sample_rate_hz
        steps.append(step)
    steps += write_audio(out, samples, rate, fmt, overwrite=overwrite)
    return TransformReport(
        kind=DerivationKind.MASTER,
        source=str(path),
        outputs=[_file(out, fmt, settings)],
        steps=[s.to_dict() for s in steps],
        params={
            "source_path": str(path),
            "reference_path": str(reference_path),
            "format": fmt.label,
        },
        elapsed_s=round(time.perf_counter() - started, 3),
    )


# --- separate -------------------------------------------------------------------------------------
def separate_file(
    source: str | Path,
    *,
    method: str = "hpss",
    output_dir: str | Path | None = None,
    fmt: OutputFormat | None = None,
    overwrite: bool = False,
    settings: Settings | None = None,
) -> TransformReport:
    """Split ``source`` into stems, one file each, in ``output_dir`` (default: beside it).

    Raises:
        ConfigError: an unknown method. MissingDependencyError: demucs is not installed.
        OutputExistsError: a stem file exists. AudioError, ProcessingError.
    """
    from samplemind.processing.separate import (
        HPSS_STEMS,
        demucs_available,
        demucs_stems,
        hpss_stems,
    )

    if method not in ("hpss", "demucs"):
        raise ConfigError(f"unknown separation method {method!r}; valid: demucs, hpss")
    started = time.perf_counter()
    settings = settings or Settings()
    path = Path(source)
    folder = Path(output_dir) if output_dir is not None else None
    info = probe(path, settings)
    fmt = output_format(fmt, None, info)
    if method == "demucs" and not demucs_available():
        from samplemind.errors import MissingDependencyError
        from samplemind.processing.separate import DEMUCS_INSTALL

        raise MissingDependencyError(DEMUCS_INSTALL)
    expected = HPSS_STEMS if method == "hpss" else ("drums", "bass", "other", "vocals")
    for stem in expected:
        check_output(stem_output(path, folder, stem, fmt), overwrite=overwrite)
    signal = decode(path, settings)
    rate = signal.sample_rate_hz
    if method == "hpss":
        stems = hpss_stems(signal)
        step = Step("separate", {"method": "hpss", "stems": list(stems)})
    else:
        stems, rate = demucs_stems(signal, model=settings.demucs_model, repo=settings.demucs_repo)
        step = Step(
            "separate", {"method": "demucs", "model": settings.demucs_model, "stems": list(stems)}
        )
    outputs: list[OutputFile] = []
    steps = [step.to_dict()]
    for stem, samples in stems.items():
        out = stem_output(path, folder, stem, fmt)
        steps += [s.to_dict() for s in write_audio(out, samples, rate, fmt, overwrite=overwrite)]
        outputs.append(_file(out, fmt, settings, stem=stem))
    return TransformReport(
        kind=DerivationKind.STEM,
        source=str(path),
        outputs=outputs,
        steps=steps,
        params={"source_path": str(path), "method": method, "format": fmt.label},
        elapsed_s=round(time.perf_counter() - started, 3),
    )
