"""Levels, the registry, and the result assembled by the engine."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

import samplemind
from samplemind.analysis.base import Analyzer, AnalyzerRegistry
from samplemind.analysis.context import AnalysisContext
from samplemind.analysis.engine import analyze_signal
from samplemind.analysis.loudness import LoudnessAnalyzer
from samplemind.analysis.registry import default_registry
from samplemind.domain.analysis import AnalysisLevel
from samplemind.errors import AnalysisError, ConfigError, DecodeError
from tests.analysis.helpers import make_signal
from tests.signals import tone, write


def test_levels_choose_analyzers() -> None:
    registry = default_registry()
    basic = {a.name for a in registry.for_level(AnalysisLevel.BASIC)}
    standard = {a.name for a in registry.for_level(AnalysisLevel.STANDARD)}
    detailed = {a.name for a in registry.for_level(AnalysisLevel.DETAILED)}
    assert basic == {"loudness", "silence"}
    assert {"loop", "tempo", "key", "pitch", "spectral", "envelope", "timbre"} <= standard
    assert detailed - standard == {"rhythm"}
    names = registry.names
    for analyzer in registry.for_level(AnalysisLevel.PROFESSIONAL):
        for dependency in analyzer.after:
            assert names.index(dependency) < names.index(analyzer.name)


def test_basic_result_has_levels_only(tmp_path: Path) -> None:
    path = write(tmp_path / "a.wav", tone(60, 0.5))
    result = samplemind.analyze(path, level="basic")
    assert result.level is AnalysisLevel.BASIC
    assert result.loudness is not None and result.silence is not None
    assert result.spectral is None and result.timbre is None and result.loop is None
    assert result.analysis_version == "1:loudness@1,silence@1"
    record = result.to_record()
    assert record["ok"] is True and record["bpm"] is None and record["is_loop"] is None


def test_standard_result_of_a_tonal_one_shot(tmp_path: Path) -> None:
    path = write(tmp_path / "Bass_A1.wav", tone(33, 1.5), subtype="PCM_24")
    result = samplemind.analyze(path)
    record = result.to_record()
    assert record["root_note"] == "A1"
    assert record["root_midi"] == 33
    assert record["bit_depth"] == 24
    assert record["is_loop"] is False
    assert record["bpm"] is None
    assert len(record["timbre"]) == 64
    for name in ("loudness", "spectral", "envelope", "timbre", "pitch", "loop"):
        assert f"{name}@" in record["analysis_version"]


def test_unknown_level_lists_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="basic, standard, detailed, professional"):
        samplemind.analyze(tmp_path / "x.wav", level="extreme")


def test_decode_errors_reach_the_caller(tmp_path: Path) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(b"not audio at all" * 10)
    with pytest.raises(DecodeError):
        samplemind.analyze(path)


class _Boom(Analyzer):
    name = "boom"
    version = 3
    level = AnalysisLevel.BASIC

    def analyze(self, ctx: AnalysisContext) -> None:
        raise ZeroDivisionError("bad maths")


class _Needs(Analyzer):
    name = "needs"
    version = 1
    level = AnalysisLevel.BASIC
    after: ClassVar[tuple[str, ...]] = ("loudness",)
    seen: ClassVar[list[object]] = []

    def analyze(self, ctx: AnalysisContext) -> None:
        self.seen.append(ctx.outputs["loudness"])


def test_failing_analyzer_is_named() -> None:
    registry = AnalyzerRegistry([LoudnessAnalyzer(), _Boom()])
    with pytest.raises(AnalysisError, match=r"boom@3 failed \(bad maths\)"):
        analyze_signal(make_signal(tone(60, 0.3)), level=AnalysisLevel.BASIC, registry=registry)


def test_dependencies_run_first_and_share_outputs() -> None:
    registry = AnalyzerRegistry([_Needs(), LoudnessAnalyzer()])
    assert registry.names == ["loudness", "needs"]
    result = analyze_signal(
        make_signal(tone(60, 0.3)), level=AnalysisLevel.BASIC, registry=registry
    )
    assert _Needs.seen[-1] == result.loudness
    assert result.analyzers == {"loudness": 1, "needs": 1}


def test_registry_rejects_bad_configurations() -> None:
    with pytest.raises(ConfigError, match="registered twice"):
        AnalyzerRegistry([LoudnessAnalyzer(), LoudnessAnalyzer()])
    with pytest.raises(ConfigError, match=r"unknown analyzer 'loudness'; valid: needs"):
        AnalyzerRegistry([_Needs()])

    class _Low(Analyzer):
        name = "low"
        version = 1
        level = AnalysisLevel.BASIC
        after = ("high",)

        def analyze(self, ctx: AnalysisContext) -> None:
            return None

    class _High(Analyzer):
        name = "high"
        version = 1
        level = AnalysisLevel.DETAILED
        after = ("low",)

        def analyze(self, ctx: AnalysisContext) -> None:
            return None

    with pytest.raises(ConfigError, match="lower level"):
        AnalyzerRegistry([_Low(), _High()])
    _High.level = AnalysisLevel.BASIC
    with pytest.raises(ConfigError, match="cycle"):
        AnalyzerRegistry([_Low(), _High()])


def test_ident_and_level_parsing() -> None:
    assert LoudnessAnalyzer().ident == "loudness@1"
    assert AnalysisLevel.parse(" Detailed ") is AnalysisLevel.DETAILED
    assert AnalysisLevel.parse(2) is AnalysisLevel.STANDARD
    assert AnalysisLevel.parse(AnalysisLevel.BASIC) is AnalysisLevel.BASIC


def test_stereo_and_resampled_input_share_one_decode() -> None:
    y = tone(57, 1.0, sr=48000)
    signal = make_signal(np.column_stack([y, y]), sr=48000)
    result = analyze_signal(signal, level=AnalysisLevel.STANDARD)
    assert result.audio.sample_rate_hz == 48000
    assert result.pitch is not None and result.pitch.note == "A3"
    assert signal.mono_at(44100) is signal.mono_at(44100)  # cached, not recomputed
