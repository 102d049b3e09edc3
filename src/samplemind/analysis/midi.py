"""Audio to MIDI: notes of tonal audio (Basic Pitch), a GM drum pattern of percussive audio.

* **Tonal** material goes through Spotify's Basic Pitch model (:mod:`samplemind.ml.basic_pitch`,
  ONNX, no TensorFlow): polyphonic notes with pitch bends (on notes that overlap no other, as
  one MIDI channel bends all its notes). Quiet notes where the 2nd … 8th harmonics of a louder
  note sounding at the same time fall are dropped as that note's overtones
  (``ghost_harmonics``): Basic Pitch reports them on bright instruments.
* **Drums**: each onset (the analysis's own, :func:`samplemind.analysis.rhythm.onset_times`) cuts
  the audio until the next one (at most 0.5 s); the sample-type model classifies the piece
  among its drum classes, and the hit is written on General MIDI channel 10: kick 36, snare 38,
  hi-hat 42 (kinds kick/snare/hihat), clap 39, tom 47, cymbal 49, other percussion 37 (kind
  other). Velocity follows the piece's peak level. Hits that share an onset with another drum
  (a hat on a kick) or that are too quiet for the full-band onsets (soft hats between hits) are
  found as 6 dB rises of the 6–16 kHz band (hats) or the 30–120 Hz band (a kick under a hat).
* **Tempo and grid**: the MIDI file's tempo is the analysis's BPM (120 when there is none), so
  bars line up in a DAW; ``quantize="1/16"`` (or ``1/8``, ``1/32``, ``1/8t`` …) snaps onsets
  (and note ends) to that grid from the file's start, which is where a bar-cut loop begins.
* **auto** mode picks drums when the sample type is a drum class or ``drums`` (a user's type
  first), else tonal.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from samplemind.analysis.classify import SAMPLE_RATE_HZ, sound_inputs
from samplemind.analysis.context import AnalysisContext
from samplemind.analysis.registry import default_registry
from samplemind.analysis.rhythm import onset_times
from samplemind.audio.decode import decode
from samplemind.audio.signal import AudioSignal
from samplemind.config import Settings
from samplemind.domain.analysis import AnalysisLevel, SampleTypeEstimate, TempoEstimate
from samplemind.domain.midi import DrumHit, DrumKind, MidiMode, TranscribedNote, Transcription
from samplemind.errors import ConfigError
from samplemind.ml import basic_pitch
from samplemind.ml.sample_type import DRUM_TYPES, LOOP_DRUMS, load_sample_type_model

__all__ = [
    "DRUM_NOTES",
    "ghost_harmonics",
    "grid_step_s",
    "midi_bytes",
    "transcribe_file",
    "transcribe_signal",
]

#: Drum class -> (kind, General MIDI percussion key).
DRUM_NOTES: dict[str, tuple[DrumKind, int]] = {
    "kick": (DrumKind.KICK, 36),
    "snare": (DrumKind.SNARE, 38),
    "hihat": (DrumKind.HIHAT, 42),
    "clap": (DrumKind.OTHER, 39),
    "tom": (DrumKind.OTHER, 47),
    "cymbal": (DrumKind.OTHER, 49),
    "percussion": (DrumKind.OTHER, 37),
}
#: GM program for the notes, by sample type (Basic Pitch's own default, e-piano, otherwise).
PROGRAMS = {
    "bass": 33,
    "keys": 0,
    "pad": 89,
    "lead": 81,
    "pluck": 46,
    "strings": 48,
    "brass-wind": 61,
    "guitar": 25,
    "vocal": 52,
}
_DEFAULT_PROGRAM = 4
_DEFAULT_BPM = 120.0
_MAX_HIT_S = 0.5
_MIN_HIT_S = 0.03
#: A hit the model calls ``percussion`` with ``hihat`` its next drum class is a hi-hat when at
#: least this share of its energy lies above 6 kHz: a closed hat is noise up there, while the
#: percussion the model means (congas, cowbells, woodblocks, side sticks) sounds lower. The
#: model alone called TimGM6mb's closed hats percussion (0.57-0.93, hihat second every time).
_HAT_HIGH_SHARE = 0.5
_HAT_HIGH_HZ = 6000.0
#: Semitones above a note where its 2nd, 3rd, 4th, 5th, 6th and 8th harmonics fall.
_GHOST_INTERVALS = (12, 19, 24, 28, 31, 36)
_GHOST_RATIO = 0.7
_DRUM_NOTE_S = 0.1
_BAND_RISE_DB = 6.0
_BAND_RANGE_DB = 40.0
_LAYER_NEAR_S = 0.035
_OWN_SLOT = (DrumKind.KICK, DrumKind.HIHAT)
_QUANTIZE = re.compile(r"^1/(\d{1,3})(t?)$")

F32 = npt.NDArray[np.float32]


def grid_step_s(quantize: str, bpm: float) -> float:
    """Seconds per grid step: ``"1/16"`` at 120 BPM is 0.125 s; ``"1/8t"`` is a triplet eighth.

    Raises:
        ConfigError: not ``1/N`` or ``1/Nt`` with N a power of two from 1 to 64.

    Example:
        >>> grid_step_s("1/16", 120.0)
        0.125
    """
    match = _QUANTIZE.match(quantize.strip().lower())
    division = int(match.group(1)) if match else 0
    if not match or division not in (1, 2, 4, 8, 16, 32, 64):
        raise ConfigError(
            f"quantize must be 1/N or 1/Nt with N in 1..64, a power of two; got {quantize!r}"
        )
    whole_note_s = 4 * 60.0 / bpm
    step = whole_note_s / division
    return step * 2 / 3 if match.group(2) else step


def _snap(t: float, step: float) -> float:
    return round(t / step) * step


def ghost_harmonics(notes: Sequence[basic_pitch.NoteEvent]) -> list[basic_pitch.NoteEvent]:
    """``notes`` without quiet overtones of louder notes sounding at the same time (see the
    module docstring)."""
    kept = []
    for note in notes:
        ghost = any(
            other is not note
            and note.pitch - other.pitch in _GHOST_INTERVALS
            and note.amplitude < _GHOST_RATIO * other.amplitude
            and other.start_s <= note.start_s + 0.05
            and other.end_s >= note.start_s + 0.5 * (note.end_s - note.start_s)
            for other in notes
        )
        if not ghost:
            kept.append(note)
    return kept


def _velocity(amplitude: float) -> int:
    return int(np.clip(round(127 * amplitude), 1, 127))


def _tonal(
    signal: AudioSignal, *, step: float | None, drop_ghosts: bool
) -> tuple[TranscribedNote, ...]:
    events = basic_pitch.transcribe(signal.mono_at(basic_pitch.SAMPLE_RATE_HZ))
    if drop_ghosts:
        events = ghost_harmonics(events)
    notes = []
    for event in events:
        start, end = event.start_s, event.end_s
        if step is not None:
            start = _snap(start, step)
            end = max(start + step, _snap(end, step))
        notes.append(
            TranscribedNote(
                start_s=round(start, 4),
                end_s=round(end, 4),
                pitch=event.pitch,
                velocity=_velocity(event.amplitude),
                bends=tuple(round(b, 3) for b in event.bends or ()),
            )
        )
    notes.sort(key=lambda n: (n.start_s, n.pitch))
    return tuple(notes)


def _drums(ctx: AnalysisContext, *, step: float | None) -> tuple[DrumHit, ...]:
    y = ctx.signal.mono_at(SAMPLE_RATE_HZ)
    onsets = onset_times(ctx)
    if not onsets:
        return ()
    model = load_sample_type_model()
    columns = [model.classes.index(c) for c in DRUM_TYPES if c in model.classes]
    pieces, patches, peaks, raw = [], [], [], []
    for i, onset in enumerate(onsets):
        start = int(onset * SAMPLE_RATE_HZ)
        nxt = int(onsets[i + 1] * SAMPLE_RATE_HZ) if i + 1 < len(onsets) else y.shape[0]
        end = max(
            min(nxt, start + int(_MAX_HIT_S * SAMPLE_RATE_HZ)),
            start + int(_MIN_HIT_S * SAMPLE_RATE_HZ),
        )
        piece = y[start:end]
        raw.append(piece)
        features, patch = sound_inputs(piece)
        pieces.append(features)
        patches.append(patch)
        peaks.append(float(np.max(np.abs(piece))) if piece.size else 0.0)
    probabilities = model.probabilities(np.stack(pieces), np.stack(patches))
    loudest = max(max(peaks), 1e-9)
    hits = []
    for onset, row, peak, piece in zip(onsets, probabilities, peaks, raw, strict=True):
        label = _drum_label(model.classes, columns, row, piece)
        kind, note = DRUM_NOTES[label]
        time_s = _snap(onset, step) if step is not None else onset
        velocity = int(np.clip(round(127 * math.sqrt(peak / loudest)), 20, 127))
        hits.append(
            DrumHit(
                time_s=round(time_s, 4),
                kind=kind,
                gm_note=note,
                velocity=velocity,
                sample_type=label,
            )
        )
    hits += _layered(ctx, onsets, hits, step=step)
    # Onsets snapped to one grid slot are one hit, the louder (a flam, a double onset); kicks and
    # hats are layered under other drums, so they keep a slot of their own.
    unique: dict[tuple[float, int], DrumHit] = {}
    for hit in hits:
        key = (hit.time_s, hit.gm_note if hit.kind in _OWN_SLOT else 0)
        if key not in unique or unique[key].velocity < hit.velocity:
            unique[key] = hit
    return tuple(sorted(unique.values(), key=lambda h: (h.time_s, h.gm_note)))


def _drum_label(
    classes: Sequence[str], columns: list[int], row: np.ndarray, piece: np.ndarray
) -> str:
    """The drum class of one hit: the model's likeliest, except a high, noisy ``percussion`` hit
    whose runner-up is ``hihat`` (see ``_HAT_HIGH_SHARE``)."""
    ranked = [classes[columns[int(i)]] for i in np.argsort(row[columns])[::-1]]
    if ranked[0] == "percussion" and len(ranked) > 1 and ranked[1] == "hihat":
        return (
            "hihat"
            if _high_share(piece, SAMPLE_RATE_HZ, _HAT_HIGH_HZ) >= _HAT_HIGH_SHARE
            else ranked[0]
        )
    return ranked[0]


def _high_share(piece: np.ndarray, sample_rate_hz: int, above_hz: float) -> float:
    """Share of ``piece``'s energy above ``above_hz`` (0 for silence)."""
    power = np.abs(np.fft.rfft(piece.astype(np.float64))) ** 2
    total = float(power.sum())
    if total <= 0.0:
        return 0.0
    freqs = np.fft.rfftfreq(piece.size, 1.0 / sample_rate_hz)
    return float(power[freqs > above_hz].sum()) / total


def _band_onsets(ctx: AnalysisContext, low_hz: float, high_hz: float) -> list[float]:
    """Times where the ``low_hz``–``high_hz`` band jumps by 6 dB or more (at least 40 ms apart,
    within 40 dB of the band's loudest frame)."""
    from scipy.signal import find_peaks

    band = (ctx.freqs_hz >= low_hz) & (ctx.freqs_hz <= high_hz)
    level = 10 * np.log10(ctx.power[:, band].sum(axis=1, dtype=np.float64) + 1e-12)
    if level.size < 3:
        return []
    rise = np.maximum(np.diff(level, prepend=level[0]), 0.0)
    rise[level < level.max() - _BAND_RANGE_DB] = 0.0
    fps = ctx.sample_rate_hz / ctx.hop
    padded = np.concatenate([[0.0], rise, [0.0]])
    peaks, _ = find_peaks(padded, height=_BAND_RISE_DB, distance=max(1, int(0.04 * fps)))
    # Peak p is frame p - 1 of the padded curve; a frame is heard at its window's centre.
    centre_s = ctx.frame / 2 / ctx.sample_rate_hz
    return [float((p - 1) / fps + centre_s) for p in peaks]


#: Layered hits: (band, the drum it reveals, the kinds of full-band hit it may sit under, and
#: whether it may stand alone: a quiet hat between two hits may, a low rise alone is a tail).
_LAYERS = (
    ((6000.0, 16000.0), "hihat", (DrumKind.KICK,), True),
    ((30.0, 120.0), "kick", (DrumKind.HIHAT,), False),
)


def _layered(
    ctx: AnalysisContext, onsets: list[float], hits: list[DrumHit], *, step: float | None
) -> list[DrumHit]:
    """Drums that share an onset with another, or that the full-band onsets missed: a hi-hat
    under a kick (or between hits) shows as a 6–16 kHz rise, a kick under a hat as a 30–120 Hz
    rise. A rise at a
    hit of any other kind is that hit's own (a snare's noise, a tom's body)."""
    extra = []
    for (low, high), label, under, alone in _LAYERS:
        kind, note = DRUM_NOTES[label]
        for time_s in _band_onsets(ctx, low, high):
            near = [i for i, t in enumerate(onsets) if abs(t - time_s) <= _LAYER_NEAR_S]
            if (not near and not alone) or any(
                hits[i].kind is kind or hits[i].kind not in under for i in near
            ):
                continue
            slot = _snap(time_s, step) if step is not None else time_s
            extra.append(
                DrumHit(
                    time_s=round(slot, 4), kind=kind, gm_note=note, velocity=80, sample_type=label
                )
            )
    return extra


def _is_drums(sample_type: str | None) -> bool:
    return sample_type in (*DRUM_TYPES, LOOP_DRUMS)


def transcribe_signal(
    signal: AudioSignal,
    *,
    settings: Settings | None = None,
    mode: MidiMode | str = MidiMode.AUTO,
    quantize: str | None = None,
    bpm: float | None = None,
    sample_type: str | None = None,
    drop_ghosts: bool = True,
) -> Transcription:
    """Transcribe a decoded signal (see the module docstring).

    Args:
        signal: The audio.
        settings: Analysis settings (defaults).
        mode: ``auto``, ``tonal`` or ``drums``.
        quantize: Grid to snap to (``"1/16"``), or None to keep the detected times.
        bpm: Tempo, e.g. a stored analysis's; None: the tempo analyzer's, else 120.
        sample_type: The sample's type (a user's, or a stored one); None: the classifier's.
        drop_ghosts: Drop overtone ghosts (:func:`ghost_harmonics`).

    Raises:
        ConfigError: an unknown mode or a malformed grid. ModelError: a model is missing.
    """
    settings = settings or Settings()
    try:
        chosen = MidiMode(mode)
    except ValueError:
        raise ConfigError(f"unknown MIDI mode {mode!r}; valid: auto, tonal, drums") from None
    ctx = AnalysisContext(signal, level=AnalysisLevel.STANDARD, settings=settings)
    needed = [n for n, v in (("tempo", bpm), ("sample_type", sample_type)) if v is None]
    if chosen is not MidiMode.AUTO and "sample_type" in needed:
        needed.remove("sample_type")
    for analyzer in default_registry().for_level(AnalysisLevel.STANDARD, only=needed):
        ctx.outputs[analyzer.name] = analyzer.analyze(ctx)
    tempo = ctx.outputs.get("tempo")
    if bpm is None:
        bpm = tempo.bpm if isinstance(tempo, TempoEstimate) else _DEFAULT_BPM
    estimate = ctx.outputs.get("sample_type")
    if sample_type is None and isinstance(estimate, SampleTypeEstimate):
        sample_type = estimate.label
    if chosen is MidiMode.AUTO:
        chosen = MidiMode.DRUMS if _is_drums(sample_type) else MidiMode.TONAL
    step = grid_step_s(quantize, bpm) if quantize else None
    common = {"bpm": round(bpm, 3), "quantize": quantize, "duration_s": signal.duration_s}
    if chosen is MidiMode.DRUMS:
        return Transcription(mode=chosen, hits=_drums(ctx, step=step), **common)
    program = PROGRAMS.get(sample_type or "", _DEFAULT_PROGRAM)
    notes = _tonal(signal, step=step, drop_ghosts=drop_ghosts)
    return Transcription(mode=chosen, program=program, notes=notes, **common)


def transcribe_file(
    path: str | Path,
    *,
    settings: Settings | None = None,
    mode: MidiMode | str = MidiMode.AUTO,
    quantize: str | None = None,
    bpm: float | None = None,
    sample_type: str | None = None,
) -> Transcription:
    """Decode ``path`` and :func:`transcribe_signal` it.

    Raises:
        AudioError: the file does not decode; and what :func:`transcribe_signal` raises.
    """
    settings = settings or Settings()
    return transcribe_signal(
        decode(path, settings),
        settings=settings,
        mode=mode,
        quantize=quantize,
        bpm=bpm,
        sample_type=sample_type,
    )


def midi_bytes(transcription: Transcription) -> bytes:
    """A Standard MIDI File (type 1) of ``transcription``: tempo, 4/4, then the notes (with
    pitch bends, range ±2 semitones) or the drum hits on channel 10."""
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(initial_tempo=transcription.bpm)
    pm.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0.0))
    if transcription.notes:
        instrument = pretty_midi.Instrument(program=transcription.program, name="Transcribed")
        for note in transcription.notes:
            instrument.notes.append(
                pretty_midi.Note(note.velocity, note.pitch, note.start_s, note.end_s)
            )
            if note.bends:
                times = np.linspace(note.start_s, note.end_s, len(note.bends), endpoint=False)
                for t, bend in zip(times, note.bends, strict=True):
                    value = int(np.clip(round(bend * 4096), -8192, 8191))
                    instrument.pitch_bends.append(pretty_midi.PitchBend(value, float(t)))
                instrument.pitch_bends.append(pretty_midi.PitchBend(0, note.end_s))
        pm.instruments.append(instrument)
    if transcription.hits:
        drums = pretty_midi.Instrument(program=0, is_drum=True, name="Drums")
        for hit in transcription.hits:
            drums.notes.append(
                pretty_midi.Note(hit.velocity, hit.gm_note, hit.time_s, hit.time_s + _DRUM_NOTE_S)
            )
        pm.instruments.append(drums)
    buffer = io.BytesIO()
    pm.write(buffer)
    return buffer.getvalue()
