"""The sample-type training script's labelling of recorded packs, its folds and its sampling:
what decides which real recordings the model learns from and how it is judged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from benchmarks.fit import sample_type as train
from benchmarks.soundfonts import SoundFont


@pytest.mark.parametrize(
    ("source", "name", "label"),
    [
        ("lmms", "drums/bassdrum_acoustic01", "kick"),
        ("lmms", "drums/kick_hardcore01", "kick"),
        ("lmms", "drums/snare_rim01", "percussion"),
        ("lmms", "drums/snare_muffled02", "snare"),
        ("lmms", "drums/hihat_foot_pedal01", "hihat"),
        ("lmms", "drums/ride02", "cymbal"),
        ("lmms", "drums/tom_low01", "tom"),
        ("lmms", "drums/sidestick01", "percussion"),
        ("lmms", "drums/clap03", "clap"),
        ("lmms", "drums/nasty_bass01", None),
        ("lmms", "drums/zap02", None),
        ("lmms", "instruments/violin_pizzicato01", "pluck"),
        ("lmms", "instruments/violin_fingered01", "strings"),
        ("lmms", "basses/rave_bass02", "bass"),
        ("sonic-pi", "bd_808", "kick"),
        ("sonic-pi", "drum_heavy_kick", "kick"),
        ("sonic-pi", "elec_hi_snare", "snare"),
        ("sonic-pi", "sn_dolf", "snare"),
        ("sonic-pi", "drum_cymbal_closed", "hihat"),
        ("sonic-pi", "drum_cymbal_hard", "cymbal"),
        ("sonic-pi", "drum_tom_lo_soft", "tom"),
        ("sonic-pi", "tabla_na", "percussion"),
        ("sonic-pi", "bass_drop_c", "fx"),
        ("sonic-pi", "loop_amen", None),
        ("sonic-pi", "drum_roll", None),
        ("stk", "bassdrum", "kick"),
        ("stk", "tommiddr", "tom"),
        ("stk", "tambourn", "percussion"),
        ("stk", "ridecymb", "cymbal"),
        ("stk", "mand1", None),  # a mandolin wavetable, not a drum
        ("stk", "ahh", None),
        ("exadrums", "BD_Acou_01", "kick"),
        ("exadrums", "RideBell", "cymbal"),
        ("exadrums", "Tom03", "tom"),
        ("exadrums", "Data/data/out", None),
        ("foxdot", "x/lower/0_kick_drum", "kick"),
        ("foxdot", "v/upper/heavy 0", "kick"),
        ("foxdot", "o/upper/O (1)", "snare"),
        ("foxdot", "_/asterix/0_clap", "clap"),
        ("foxdot", "_/hyphen/0_hihat_closed", "hihat"),
        ("foxdot", "_/equals/0_hihat_open", "hihat"),
        ("foxdot", "m/upper/tom (1)", "tom"),
        ("foxdot", "_/tilde/3_ride", "cymbal"),
        ("foxdot", "t/upper/cowbell_1", "percussion"),
        ("foxdot", "h/lower/snap_0", None),  # finger snaps: neither clap nor percussion
        ("foxdot", "_/dollar/0_bb_kick", None),  # beatbox
        ("foxdot", "x/lowerish/kick", None),  # only the two case folders
        ("lmms", "x/lower/0_kick_drum", None),  # rules are per source
    ],
)
def test_pack_names_map_to_classes_or_are_left_out(
    source: str, name: str, label: str | None
) -> None:
    assert train.pack_label(source, name) == label


def test_pack_files_skip_unlabelled_and_reserved_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "pack"
    (root / "drums").mkdir(parents=True)
    (root / "drums" / "kick01.ogg").write_bytes(b"")
    (root / "drums" / "zap01.ogg").write_bytes(b"")
    (root / "drums" / "notes.txt").write_text("not audio")
    reserved = tmp_path / "hydrogen-drumkits" / "kick.flac"
    reserved.parent.mkdir()
    reserved.write_bytes(b"")
    (root / "drums" / "kick02.flac").symlink_to(reserved)
    monkeypatch.setattr(train, "SAMPLE_PACKS", (("lmms", root, "test"),))
    assert train.pack_files() == [(root / "drums" / "kick01.ogg", "kick", "lmms")]


def test_a_pack_file_repeated_in_several_folders_is_used_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same pack under two roots (installed twice, or copied into a second folder).
    roots = [tmp_path / "one", tmp_path / "two"]
    for root in roots:
        (root / "drums").mkdir(parents=True)
        (root / "drums" / "kick01.wav").write_bytes(b"the same kick")
    (roots[0] / "drums" / "snare01.wav").write_bytes(b"a snare")
    (roots[1] / "drums" / "snare01.wav").write_bytes(b"another snare")
    monkeypatch.setattr(train, "SAMPLE_PACKS", tuple(("lmms", root, "test") for root in roots))
    found = train.pack_files()
    assert sorted((label, path.relative_to(tmp_path).as_posix()) for path, label, _ in found) == [
        ("kick", "one/drums/kick01.wav"),
        ("snare", "one/drums/snare01.wav"),
        ("snare", "two/drums/snare01.wav"),
    ]


def test_a_recordings_rows_do_not_depend_on_which_worker_describes_it(tmp_path: Path) -> None:
    import soundfile as sf

    rng = np.random.default_rng(3)
    files = []
    for name, label in (("kick", "kick"), ("hat", "hihat")):
        t = np.arange(int(0.3 * train.SAMPLE_RATE)) / train.SAMPLE_RATE
        hit = rng.standard_normal(len(t)) * np.exp(-t / 0.05) * 0.5
        sf.write(tmp_path / f"{name}.wav", hit, train.SAMPLE_RATE)
        files.append((tmp_path / f"{name}.wav", label, "lmms"))
    together = train._pack_rows(files, seed=7)
    alone = train._pack_rows(files[1:], seed=7)
    n = len(alone.labels)
    # The recording and its augmented copies (and, drawn for 8 % of sounds, a reversed copy:
    # an fx row; whether it is drawn depends on the path, so on tmp_path).
    assert alone.kinds.count("dry") == 1 and alone.kinds.count("augmented") == train.PACK_COPIES
    assert n - alone.kinds.count("reversed") == 1 + train.PACK_COPIES
    assert together.labels[-n:] == alone.labels
    assert [
        label for label, kind in zip(alone.labels, alone.kinds, strict=True) if kind != "reversed"
    ] == ["hihat"] * (1 + train.PACK_COPIES)
    np.testing.assert_array_equal(np.stack(together.features[-n:]), np.stack(alone.features))
    # ... and the copies are augmented, not the same row again and again.
    assert len({row.tobytes() for row in alone.features}) == n


def test_stk_rawwaves_are_read_as_headerless_big_endian_22_khz(tmp_path: Path) -> None:
    # 0.1 s of a 441 Hz tone in STK's RAW format: no header, 16-bit big-endian, 22,050 Hz.
    t = np.arange(2205) / 22050
    tone = np.round(0.5 * np.sin(2 * np.pi * 441 * t) * 32767).astype(">i2")
    path = tmp_path / "tone.raw"
    path.write_bytes(tone.tobytes())
    mono = train.read_pack_sound(path, "stk")
    assert mono is not None
    assert len(mono) == pytest.approx(0.1 * train.SAMPLE_RATE, abs=2)
    spectrum = np.abs(np.fft.rfft(mono * np.hanning(len(mono))))
    peak_hz = np.argmax(spectrum) * train.SAMPLE_RATE / len(mono)
    assert peak_hz == pytest.approx(441, abs=10)  # read little-endian, it would be noise
    assert np.max(np.abs(mono)) == pytest.approx(0.5, abs=0.01)
    # A file that is not audio costs a warning, not the run.
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    assert train.read_pack_sound(bad, "lmms") is None


def test_synthetic_drums_cover_every_drum_class_with_audible_normalised_hits() -> None:
    sounds = train.synth_drums(np.random.default_rng(0), quick=True)
    labels = [label for _, label, _ in sounds]
    assert set(labels) == train.DRUM_LABELS
    for sound, label, source in sounds:
        assert source == "synth-drums"
        assert np.all(np.isfinite(sound))
        assert np.max(np.abs(sound)) == pytest.approx(1.0, abs=1e-6), label
        assert 0.15 * train.SAMPLE_RATE <= len(sound) <= 2.0 * train.SAMPLE_RATE

    # The classes differ where a listener hears them: a kick's energy is below 200 Hz, a hat's
    # and a cymbal's far above it.
    def low_share(x: np.ndarray) -> float:
        power = np.abs(np.fft.rfft(x)) ** 2
        freqs = np.fft.rfftfreq(len(x), 1 / train.SAMPLE_RATE)
        return float(power[freqs < 200].sum() / power.sum())

    def share(label: str) -> list[float]:
        return [low_share(s) for s, lab, _ in sounds if lab == label]

    assert min(share("kick")) > 0.5
    assert max(share("hihat") + share("cymbal") + share("clap")) < 0.01


def test_every_recorded_kit_and_pack_is_its_own_held_out_fold() -> None:
    sources = np.array(
        ["Black_Pearl_4_LV2", "Red_Zeppelin_4_LV2", "lmms", "sonic-pi", "TimGM6mb", "synth-fx"]
    )
    groups = train.groups_of(sources).tolist()
    assert groups[:5] == ["Black_Pearl_4_LV2", "Red_Zeppelin_4_LV2", "lmms", "sonic-pi", "TimGM6mb"]
    assert groups[5] in train._FONT_FOLDS  # generated sounds ride along with a soundfont fold


def test_recorded_rows_are_drawn_more_often_but_every_class_gets_its_share() -> None:
    kicks = 4 * train.ROWS_PER_CLASS  # a common class, sampled down
    recorded = kicks // 10
    y = np.array(["kick"] * kicks + ["pad"] * 100)
    sources = np.array(["lmms"] * recorded + ["TimGM6mb"] * (kicks - recorded + 100))
    x = np.arange(len(y))[:, None].astype(float)
    chosen, labels = train.balanced(x, y, 0, train.row_weights(sources))
    assert (labels == "kick").sum() == (labels == "pad").sum() == train.ROWS_PER_CLASS
    picked = chosen[labels == "kick", 0].astype(int)
    assert len(set(picked.tolist())) == train.ROWS_PER_CLASS  # no kick drawn twice
    real_share = float(np.mean(picked < recorded))
    assert real_share > 2 * recorded / kicks  # 10 % of the kicks are recorded: far more drawn


def _proba(confidence: np.ndarray, n_classes: int = 3) -> np.ndarray:
    """Rows whose first class has the given probability, the rest shared out."""
    rest = (1 - confidence)[:, None] / (n_classes - 1)
    return np.hstack([confidence[:, None], np.repeat(rest, n_classes - 1, axis=1)])


def test_the_threshold_is_where_labels_become_likelier_wrong_than_right() -> None:
    first = train.MODEL_CLASSES[0]
    other = train.MODEL_CLASSES[1]
    rng = np.random.default_rng(0)
    confidence = rng.uniform(0.2, 1.0, 4000)
    # Right with a chance of 0.3 below a confidence of 0.45, 0.8 above it.
    right = rng.uniform(size=4000) < np.where(confidence < 0.45, 0.3, 0.8)
    y = np.where(right, first, other)
    proba = np.zeros((4000, len(train.MODEL_CLASSES)))
    proba[:, :3] = _proba(confidence)
    assert train.pick_threshold(proba, y) == pytest.approx(0.45)
    # A sparse bin (fewer than min_count) does not stop the walk down.
    assert train.pick_threshold(proba, y, min_count=10_000) == 0.0
    # Everything wrong: no label is worth giving.
    assert train.pick_threshold(proba, np.full(4000, other)) == 1.0


def test_the_ensemble_exports_to_onnx_with_the_same_probabilities(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    onnxruntime = pytest.importorskip("onnxruntime")
    monkeypatch.setattr(train, "ROWS_PER_CLASS", 120)
    monkeypatch.setattr(train, "N_PERCEPTRONS", 2)
    monkeypatch.setattr(train, "BOOSTED_ITER", 15)
    rng = np.random.default_rng(1)
    labels = np.array(["kick", "snare", "hihat"])
    y = labels[rng.integers(0, 3, 600)]
    x = rng.normal(size=(600, 6)) + (y[:, None] == labels).astype(float) @ rng.normal(size=(3, 6))
    model = train.fit_model(x, y, seed=3)
    assert [type(m).__name__ for m in model.estimators_] == [
        "Pipeline",
        "Pipeline",
        "HistGradientBoostingClassifier",
    ]
    path = tmp_path / "model.onnx"
    train.export_onnx(model, x.shape[1], path)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    rows = x.astype(np.float32)
    got = session.run(None, {session.get_inputs()[0].name: rows})[-1]
    expected = model.predict_proba(rows)
    # ONNX holds the trees' thresholds in float32: a value between a threshold and its float32
    # rounding may take the other branch. Everything else is the same to float32 rounding.
    same = np.all(np.abs(got - expected) < 1e-5, axis=1)
    assert same.mean() > 0.9
    assert np.mean(got.argmax(axis=1) == expected.argmax(axis=1)) > 0.97
    assert np.mean(model.predict(x) == y) > 0.8  # it learned the classes, not noise


def test_the_convolutional_member_learns_where_the_energy_sits_and_exports_to_onnx(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # torch is in the train-torch group (make train), not in the test environment's defaults.
    pytest.importorskip("torch", reason="PyTorch is installed by make train (group train-torch)")
    onnxruntime = pytest.importorskip("onnxruntime")
    from benchmarks.fit import sample_type_cnn as cnn

    monkeypatch.setattr(cnn, "ROWS_PER_CLASS", 150)
    rng = np.random.default_rng(2)
    classes = ("kick", "snare", "hihat", "pad")
    y = np.array(classes[:3])[rng.integers(0, 3, 450)]  # no pad row: a class a fold may lack
    patches = rng.normal(-2.0, 0.3, size=(450, 32, 64)).astype(np.float32)
    for i, label in enumerate(y):  # energy low (kick), in the middle (snare) or high (hat)
        band = {"kick": 2, "snare": 14, "hihat": 27}[str(label)] + int(rng.integers(-2, 3))
        patches[i, band : band + 3, : int(rng.integers(8, 40))] = 2.0
    net = cnn.fit_cnn(patches[:300], y[:300], classes, seed=1, epochs=3)
    expected = cnn.predict_cnn(net, patches[300:])
    assert expected.shape == (150, 4)
    assert np.mean(np.array(classes)[expected.argmax(axis=1)] == y[300:]) > 0.9
    path = tmp_path / "cnn.onnx"
    cnn.export_cnn(net, (32, 64), path)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {"patch": patches[300:]})[-1]
    np.testing.assert_allclose(got, expected, atol=1e-5)
    one = session.run(None, {"patch": patches[300:301]})[-1]  # any batch size
    np.testing.assert_allclose(one, expected[:1], atol=1e-5)


def test_the_recorded_kits_are_labelled_by_their_own_key_map_not_general_midi() -> None:
    from benchmarks.soundfonts import SoundFont

    kit = SoundFont(
        "Black_Pearl_4_LV2", Path("/kit.sf2"), "fluidsynth", frozenset({0}), frozenset()
    )
    (job,) = train.plan_jobs({kit.name: kit}, seed=0, quick=True)
    labels = {pitch: label for _, _, pitch, _, _, label in job.notes}
    # GM calls 48 and 50 toms and 58, 60 percussion; on these kits they are a hi-hat swish, a
    # crash choke, a second crash's choke and a 22" Paiste.
    assert (labels[48], labels[50], labels[58], labels[60]) == (
        "hihat",
        "cymbal",
        "cymbal",
        "cymbal",
    )
    assert labels[36] == "kick" and labels[56] == "percussion"
    assert 35 not in labels and 61 not in labels  # no sample of their own


def test_only_the_named_banks_are_trained_on_whatever_else_is_installed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def font(name: str) -> SoundFont:
        return SoundFont(
            name=name,
            path=Path(f"/usr/share/sounds/sf2/{name}.sf2"),
            renderer="fluidsynth",
            melodic_programs=frozenset({0}),
            drum_kits=frozenset({0}),
        )

    found = {name: font(name) for name in ("FluidR3_GM", "TimGM6mb", "OPL-3_FM_128M")}
    with caplog.at_level("INFO"):
        used = train.training_fonts(found)
    assert sorted(used) == ["FluidR3_GM", "TimGM6mb"]
    assert "OPL-3_FM_128M is installed but not in TRAINING_FONTS" in caplog.text
    assert "sf_GMbank is not installed" in caplog.text
