"""Polyphonic note transcription with Spotify's Basic Pitch model, run by onnxruntime.

The model file ``models/basic_pitch_nmp.onnx`` is the ICASSP 2022 model shipped in the
``basic-pitch`` 0.4.0 wheel (Apache License 2.0, © 2022 Spotify AB; ``models/BASIC_PITCH_LICENSE``
and the NOTICE below). The ``basic-pitch`` package itself cannot be a dependency: on Linux with
Python ≥ 3.11 it requires TensorFlow. What it adds around the model is thin and is re-implemented
here from its ``inference.py`` and ``note_creation.py`` (same windowing, same decoding and the
same defaults: onset threshold 0.5, frame threshold 0.3, minimum note 127.7 ms, the "melodia
trick", pitch bends from the contour output in thirds of a semitone), without librosa, resampy
or pretty_midi.

NOTICE (basic-pitch): "Basic Pitch, Copyright 2022 Spotify AB. This product includes software
developed at Spotify AB (http://www.spotify.com/)."

Input: mono float32 audio at :data:`SAMPLE_RATE_HZ` (22,050 Hz). Output: :class:`NoteEvent`s in
seconds, MIDI pitch, amplitude 0..1 and bends in semitones.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from scipy.signal import argrelmax
from scipy.signal.windows import gaussian

from samplemind.errors import ModelError
from samplemind.ml.sample_type import onnx_session

if TYPE_CHECKING:
    import onnxruntime

__all__ = [
    "SAMPLE_RATE_HZ",
    "ModelOutput",
    "NoteEvent",
    "notes_from_output",
    "run_model",
    "transcribe",
]

SAMPLE_RATE_HZ = 22050
FFT_HOP = 256
_WINDOW_S = 2
AUDIO_N_SAMPLES = SAMPLE_RATE_HZ * _WINDOW_S - FFT_HOP  # 43,844
ANNOTATIONS_FPS = SAMPLE_RATE_HZ // FFT_HOP  # 86
ANNOT_N_FRAMES = ANNOTATIONS_FPS * _WINDOW_S  # 172
_N_OVERLAP_FRAMES = 30
_OVERLAP = _N_OVERLAP_FRAMES * FFT_HOP
_HOP = AUDIO_N_SAMPLES - _OVERLAP
MIDI_OFFSET = 21
_N_SEMITONES = 88
_CONTOUR_BINS_PER_SEMITONE = 3
_BASE_HZ = 27.5
_MAX_FREQ_IDX = 87
_ENERGY_TOL = 11
#: Windows per onnxruntime call: bounds memory on long files (each is 2 s of audio).
_BATCH = 16

F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class ModelOutput:
    """Frame-wise activations, 86 frames per second: ``note`` and ``onset`` ``(t, 88)`` (A0..C8),
    ``contour`` ``(t, 264)`` (thirds of a semitone)."""

    note: F32
    onset: F32
    contour: F32


@dataclass(frozen=True)
class NoteEvent:
    """One transcribed note. ``bends``: the pitch offset in semitones, evenly spaced over the
    note (None when it overlaps another note, as one MIDI channel cannot bend them apart)."""

    start_s: float
    end_s: float
    pitch: int
    amplitude: float
    bends: tuple[float, ...] | None = None


def _model_path() -> Path:
    return Path(str(resources.files("samplemind.ml") / "models" / "basic_pitch_nmp.onnx"))


@cache
def _session(path: Path) -> onnxruntime.InferenceSession:
    return onnx_session(path)


def run_model(y: npt.ArrayLike, *, model_path: Path | None = None) -> ModelOutput:
    """Basic Pitch activations for mono audio at 22,050 Hz (windowed with 30 frames of overlap,
    half of it trimmed from each side, as ``basic_pitch.inference.run_inference`` does).

    Raises:
        ModelError: the model is missing or inference failed.
    """
    audio = np.asarray(y, dtype=np.float32).reshape(-1)
    original_length = audio.shape[0]
    audio = np.concatenate([np.zeros(_OVERLAP // 2, np.float32), audio])
    starts = range(0, max(audio.shape[0], 1), _HOP)
    windows = np.zeros((len(starts), AUDIO_N_SAMPLES, 1), dtype=np.float32)
    for i, start in enumerate(starts):
        chunk = audio[start : start + AUDIO_N_SAMPLES]
        windows[i, : chunk.shape[0], 0] = chunk
    session = _session((model_path or _model_path()).resolve())
    name = session.get_inputs()[0].name
    wanted = ["StatefulPartitionedCall:1", "StatefulPartitionedCall:2", "StatefulPartitionedCall:0"]
    parts: list[list[F32]] = [[], [], []]
    try:
        for batch in range(0, windows.shape[0], _BATCH):
            for part, out in zip(
                parts, session.run(wanted, {name: windows[batch : batch + _BATCH]}), strict=True
            ):
                part.append(np.asarray(out, dtype=np.float32))
    except Exception as exc:  # onnxruntime's errors are untyped
        raise ModelError(f"Basic Pitch inference failed: {exc}") from exc
    n_frames = int(np.floor(original_length * (ANNOTATIONS_FPS / SAMPLE_RATE_HZ)))
    half = _N_OVERLAP_FRAMES // 2

    def unwrap(chunks: list[F32]) -> F32:
        stacked = np.concatenate(chunks)[:, half:-half, :]
        return stacked.reshape(-1, stacked.shape[2])[:n_frames]

    return ModelOutput(note=unwrap(parts[0]), onset=unwrap(parts[1]), contour=unwrap(parts[2]))


def _frame_times(n_frames: int) -> npt.NDArray[np.float64]:
    """Frame start times, with the per-window offset basic-pitch corrects (its magic 0.0018)."""
    frames = np.arange(n_frames)
    original = frames * FFT_HOP / SAMPLE_RATE_HZ
    window_offset = (FFT_HOP / SAMPLE_RATE_HZ) * (
        ANNOT_N_FRAMES - AUDIO_N_SAMPLES / FFT_HOP
    ) + 0.0018
    times: npt.NDArray[np.float64] = original - window_offset * np.floor(frames / ANNOT_N_FRAMES)
    return times


def _inferred_onsets(onsets: F32, frames: F32, n_diff: int = 2) -> F32:
    """The larger of the predicted onsets and rises of the frame activations."""
    diffs = []
    for n in range(1, n_diff + 1):
        padded = np.concatenate([np.zeros((n, frames.shape[1]), np.float32), frames])
        diffs.append(padded[n:, :] - padded[:-n, :])
    frame_diff = np.min(diffs, axis=0)
    frame_diff[frame_diff < 0] = 0
    frame_diff[:n_diff, :] = 0
    top = float(np.max(frame_diff)) if frame_diff.size else 0.0
    if top > 0:
        frame_diff = float(np.max(onsets)) * frame_diff / top
    return np.asarray(np.max([onsets, frame_diff], axis=0), dtype=np.float32)


def _polyphonic_notes(
    frames: F32,
    onsets: F32,
    *,
    onset_thresh: float,
    frame_thresh: float,
    min_note_len: int,
    melodia_trick: bool,
) -> list[tuple[int, int, int, float]]:
    """``(start frame, end frame, MIDI pitch, amplitude)`` (``output_to_notes_polyphonic``)."""
    n_frames = frames.shape[0]
    if n_frames == 0:
        return []
    onsets = _inferred_onsets(onsets, frames)
    peak_thresh = np.zeros(onsets.shape, dtype=np.float32)
    peaks = argrelmax(onsets, axis=0)
    peak_thresh[peaks] = onsets[peaks]
    onset_time_idx, onset_freq_idx = np.where(peak_thresh >= onset_thresh)
    remaining = frames.astype(np.float64).copy()
    notes: list[tuple[int, int, int, float]] = []
    for start, freq in zip(onset_time_idx[::-1], onset_freq_idx[::-1], strict=True):
        if start >= n_frames - 1:
            continue
        i, k = start + 1, 0
        while i < n_frames - 1 and k < _ENERGY_TOL:
            k = k + 1 if remaining[i, freq] < frame_thresh else 0
            i += 1
        i -= k
        if i - start <= min_note_len:
            continue
        remaining[start:i, max(0, freq - 1) : min(_MAX_FREQ_IDX, freq + 1) + 1] = 0
        notes.append(
            (int(start), int(i), int(freq) + MIDI_OFFSET, float(np.mean(frames[start:i, freq])))
        )
    if melodia_trick:
        while remaining.size and float(np.max(remaining)) > frame_thresh:
            flat = int(np.argmax(remaining))
            i_mid, freq = divmod(flat, remaining.shape[1])
            remaining[i_mid, freq] = 0
            band = slice(max(0, freq - 1), min(_MAX_FREQ_IDX, freq + 1) + 1)
            i, k = i_mid + 1, 0
            while i < n_frames - 1 and k < _ENERGY_TOL:
                k = k + 1 if remaining[i, freq] < frame_thresh else 0
                remaining[i, band] = 0
                i += 1
            i_end = i - 1 - k
            i, k = i_mid - 1, 0
            while i > 0 and k < _ENERGY_TOL:
                k = k + 1 if remaining[i, freq] < frame_thresh else 0
                remaining[i, band] = 0
                i -= 1
            i_start = i + 1 + k
            if i_end - i_start <= min_note_len:
                continue
            amplitude = float(np.mean(frames[i_start:i_end, freq]))
            notes.append((int(i_start), int(i_end), int(freq) + MIDI_OFFSET, amplitude))
    return notes


def _bends(contour: F32, start: int, end: int, pitch: int, tolerance: int = 25) -> list[int]:
    """Per-frame offsets in contour bins (thirds of a semitone) around ``pitch``
    (``get_pitch_bends``): the argmax of a Gaussian-weighted contour slice."""
    window = 2 * tolerance + 1
    weights = gaussian(window, std=5)
    n_bins = _N_SEMITONES * _CONTOUR_BINS_PER_SEMITONE
    hz = 440.0 * 2 ** ((pitch - 69) / 12)
    centre = int(np.round(12 * _CONTOUR_BINS_PER_SEMITONE * np.log2(hz / _BASE_HZ)))
    lo, hi = max(centre - tolerance, 0), min(n_bins, centre + tolerance + 1)
    sub = (
        contour[start:end, lo:hi]
        * weights[max(0, tolerance - centre) : window - max(0, centre - (n_bins - tolerance - 1))]
    )
    shift = tolerance - max(0, tolerance - centre)
    return [int(b) for b in np.argmax(sub, axis=1) - shift] if sub.size else []


def notes_from_output(
    output: ModelOutput,
    *,
    onset_threshold: float = 0.5,
    frame_threshold: float = 0.3,
    minimum_note_ms: float = 127.70,
    melodia_trick: bool = True,
) -> list[NoteEvent]:
    """Decode activations into notes, with pitch bends on notes that overlap no other."""
    min_len = int(np.round(minimum_note_ms / 1000 * (SAMPLE_RATE_HZ / FFT_HOP)))
    raw = _polyphonic_notes(
        output.note.copy(),
        output.onset.copy(),
        onset_thresh=onset_threshold,
        frame_thresh=frame_threshold,
        min_note_len=min_len,
        melodia_trick=melodia_trick,
    )
    times = _frame_times(output.contour.shape[0])
    events = []
    for start, end, pitch, amplitude in sorted(raw):
        bends = _bends(output.contour, start, end, pitch)
        events.append(
            NoteEvent(
                start_s=float(times[start]),
                end_s=float(times[min(end, len(times) - 1)]),
                pitch=pitch,
                amplitude=float(np.clip(amplitude, 0.0, 1.0)),
                bends=tuple(b / _CONTOUR_BINS_PER_SEMITONE for b in bends) or None,
            )
        )
    return _drop_overlapping_bends(events)


def _drop_overlapping_bends(events: list[NoteEvent]) -> list[NoteEvent]:
    out = list(events)
    for i in range(len(out)):
        for j in range(i + 1, len(out)):
            if out[j].start_s >= out[i].end_s:
                break
            out[i] = NoteEvent(out[i].start_s, out[i].end_s, out[i].pitch, out[i].amplitude)
            out[j] = NoteEvent(out[j].start_s, out[j].end_s, out[j].pitch, out[j].amplitude)
    return out


def transcribe(y: npt.ArrayLike, **options: float | bool) -> list[NoteEvent]:
    """Notes of mono audio at 22,050 Hz: :func:`run_model` then :func:`notes_from_output`."""
    return notes_from_output(run_model(y), **options)  # type: ignore[arg-type]
