"""The ``Library`` façade: what every delivery layer (CLI, API, MCP) calls.

Example:
    >>> import tempfile, samplemind
    >>> from samplemind.library import open_library
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     settings = samplemind.Settings(data_dir=tmp, vector_backend="memory")
    ...     with open_library(settings) as library:
    ...         library.stats()["samples"]
    0
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import orjson

from samplemind.config import Settings
from samplemind.domain.ai import AiDescription
from samplemind.domain.analysis import SAMPLE_TYPES, AnalysisResult
from samplemind.domain.library import (
    Collection,
    Sample,
    SampleRecord,
    ScanRun,
    ScanStatus,
    ScanSummary,
    SearchHit,
    Tag,
    TagSource,
)
from samplemind.domain.midi import Transcription
from samplemind.domain.query import SearchQuery
from samplemind.errors import (
    AccessDeniedError,
    AudioNotFoundError,
    ConfigError,
    SampleMindError,
    SampleNotFoundError,
    UnsupportedFormatError,
)
from samplemind.index.base import VectorIndex
from samplemind.index.spaces import spaces_fingerprint
from samplemind.library.pipeline import ScanOptions, run_scan
from samplemind.library.vectors import INPUT_ANALYZERS, META_DIRTY, META_SPACES, VectorWriter
from samplemind.search.engine import Reference, SearchEngine
from samplemind.search.parse import parse_query
from samplemind.storage.base import SampleStore

if TYPE_CHECKING:
    from samplemind.audio.export import ExportOutcome
    from samplemind.audio.peaks import Waveform
    from samplemind.library.derive import Executor, Lineage, Transformed
    from samplemind.library.soundmap import SoundMap
    from samplemind.processing.options import OutputFormat, ProcessSpec

__all__ = ["DuplicateGroup", "IndexStatus", "Library", "LibraryFolder", "open_library"]

log = logging.getLogger(__name__)

#: How long :meth:`Library.roots` trusts what it read (another process may scan meanwhile).
_ROOTS_TTL_S = 10.0


@dataclass(frozen=True)
class IndexStatus:
    """How the similarity index compares with the database.

    The index is stale when it was built by other space definitions (fingerprint), when a scan
    that was writing to it did not finish (``dirty``: a ``kill -9`` between a database commit and
    the index write), or when it is empty while the database holds analyses (deleted or lost).
    """

    indexed: int
    analyzed: int
    fingerprint_ok: bool
    dirty: bool

    @property
    def stale(self) -> bool:
        return not self.fingerprint_ok or self.dirty or (self.indexed <= 0 and self.analyzed > 0)


@dataclass(frozen=True)
class LibraryFolder:
    """A folder the library holds: ``configured`` in settings, or given to a scan."""

    path: str
    configured: bool
    exists: bool


@dataclass(frozen=True)
class DuplicateGroup:
    """Samples that are the same sound: ``exact`` (same bytes) or ``audio`` (same audio in a
    different file); ``similarity`` per sample to the first one (1.0 for exact)."""

    kind: Literal["exact", "audio"]
    samples: tuple[Sample, ...]
    similarity: tuple[float, ...]


class Library:
    """A producer's sample library: scan, search, similar sounds, organise, export."""

    def __init__(
        self,
        store: SampleStore,
        index: VectorIndex | Callable[[], VectorIndex],
        settings: Settings,
    ) -> None:
        """Args:
        store: The database.
        index: The similarity index, or a factory called on first use (so commands that
            never compare sounds never pay for opening it).
        settings: The settings the library was opened with.
        """
        self.store = store
        self.settings = settings
        self._index: VectorIndex | None = index if isinstance(index, VectorIndex) else None
        self._index_factory = None if isinstance(index, VectorIndex) else index
        self.engine = SearchEngine(store, lambda: self.index, settings)
        self._index_checked = False
        # Servers call in from many threads: the index opens, and is checked, once.
        self._index_lock = threading.RLock()
        self._roots: tuple[float, list[Path]] | None = None
        self._map: SoundMap | None = None
        self._maps: dict[str, tuple[tuple[Any, ...] | None, SoundMap]] = {}
        self._map_lock = threading.Lock()

    @property
    def index(self) -> VectorIndex:
        """The similarity index (opened on first use)."""
        if self._index is None:
            with self._index_lock:
                if self._index is None:
                    assert self._index_factory is not None
                    self._index = self._index_factory()
        return self._index

    # --- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Close the database and the index."""
        try:
            if self._index is not None:
                self._index.close()
        finally:
            self.store.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- scanning ---------------------------------------------------------------------------
    def scan(
        self,
        roots: Sequence[str | Path],
        *,
        options: ScanOptions | None = None,
        progress: Any = None,
        stop: threading.Event | None = None,
    ) -> ScanSummary:
        """Index ``roots`` and analyze what needs it (see :mod:`samplemind.library.pipeline`)."""

        def index() -> VectorIndex:
            self.ensure_index()
            return self.index

        self._roots = None  # the scan records its roots: folders the library now holds
        return run_scan(
            self.store,
            index,
            roots,
            settings=self.settings,
            options=options or ScanOptions(),
            progress=progress,
            stop=stop,
        )

    def watch(
        self,
        roots: Sequence[str | Path],
        *,
        options: ScanOptions | None = None,
        stop: threading.Event,
        on_change: Callable[[list[str], ScanSummary], None] | None = None,
        debounce_ms: int = 800,
    ) -> None:
        """Keep the library in sync with ``roots`` until ``stop`` is set.

        File-system events (watchfiles: inotify/FSEvents/ReadDirectoryChangesW) are batched;
        each batch re-scans just the changed paths, so an added file is analyzed, an edited one
        re-analyzed, a deleted one marked missing and a moved one relinked.

        Args:
            roots: Folders to watch (recursively).
            options: Scan options for each batch.
            stop: Set it to return.
            on_change: Called with the changed paths and the batch's scan summary.
            debounce_ms: Events closer together than this form one batch.
        """
        from watchfiles import watch as watch_changes

        for changes in watch_changes(
            *roots, stop_event=stop, debounce=debounce_ms, raise_interrupt=False, rust_timeout=500
        ):
            changed = sorted({path for _, path in changes})
            summary = self.scan(changed, options=options)
            if on_change is not None:
                on_change(changed, summary)

    def scans(self, limit: int = 20) -> list[ScanRun]:
        return self.store.scans(limit)

    # --- reading ----------------------------------------------------------------------------
    def get(self, ref: int | str) -> Sample:
        """A sample by id or path.

        Raises:
            SampleNotFoundError.
        """
        text = str(ref).strip()
        if text.isdigit():
            return self.store.get(int(text))
        sample = self.store.get_by_path(os.path.abspath(os.path.expanduser(text)))
        if sample is None:
            raise SampleNotFoundError(f"no sample {text!r} in the library")
        return sample

    def analysis(self, ref: int | str) -> AnalysisResult | None:
        return self.store.analysis(self.get(ref).id)

    def search(
        self, query: str | SearchQuery = "", *, limit: int = 50, offset: int = 0
    ) -> list[SearchHit]:
        """Run a query in the query language (docs/query-language.md).

        Raises:
            QuerySyntaxError: pointing at the bad token.
        """
        return self.engine.search(self._parsed(query), limit=limit, offset=offset)

    def _parsed(self, query: str | SearchQuery) -> SearchQuery:
        """``query`` parsed; a ``like:`` query gets the similarity index ready first."""
        parsed = parse_query(query) if isinstance(query, str) else query
        if parsed.like is not None:
            self.ensure_index()
        return parsed

    def count(self, query: str | SearchQuery = "") -> int:
        parsed = parse_query(query) if isinstance(query, str) else query
        return self.engine.count(parsed)

    def search_page(
        self, query: str | SearchQuery = "", *, limit: int = 50, offset: int = 0
    ) -> tuple[list[SearchHit], int]:
        """``(search(query, limit=, offset=), count(query))``, in one statement where it can.

        Raises:
            QuerySyntaxError: pointing at the bad token.
        """
        return self.engine.search_page(self._parsed(query), limit=limit, offset=offset)

    def record(self, ref: int | str) -> SampleRecord:
        """A sample with its analysis, collections and lineage links, read together.

        Raises:
            SampleNotFoundError.
        """
        text = str(ref).strip()
        return self.store.record(int(text) if text.isdigit() else self.get(text).id)

    def data_version(self) -> Hashable | None:
        """A token that changes whenever the library's records may have changed, here or in
        another process; None where the store cannot tell (see
        :meth:`SampleStore.data_version`). What it does not cover: the similarity index and
        the files themselves."""
        return self.store.data_version()

    def similar(
        self,
        ref: int | str | Path,
        *,
        aspect: str = "overall",
        n: int = 20,
        query: str | SearchQuery | None = None,
    ) -> tuple[Reference, list[SearchHit]]:
        """Samples that sound like ``ref`` (a sample id, a library path or any audio file)."""
        self.ensure_index()
        reference = self.engine.reference(str(ref))
        parsed = parse_query(query) if isinstance(query, str) else query
        return reference, self.engine.similar(reference, aspect=aspect, n=n, query=parsed)

    def similar_to_analysis(
        self,
        result: AnalysisResult,
        *,
        label: str,
        aspect: str = "overall",
        n: int = 20,
        query: str | SearchQuery | None = None,
    ) -> list[SearchHit]:
        """Samples that sound like an analysis made elsewhere (an uploaded file's, say)."""
        self.ensure_index()
        parsed = parse_query(query) if isinstance(query, str) else query
        reference = self.engine.reference_from(result, label)
        return self.engine.similar(reference, aspect=aspect, n=n, query=parsed)

    def sound_map(self, *, method: str | None = None) -> SoundMap:
        """Every analyzed sample's timbre projected onto a plane (see
        :mod:`samplemind.library.soundmap`), cached per library state in memory and under
        ``<data dir>/cache/maps``.

        Args:
            method: ``auto``, ``pca`` or ``tsne``; None: ``settings.map_method``.

        Raises:
            ConfigError: an unknown method.
        """
        from samplemind.library.soundmap import (
            SoundMap,
            map_key,
            project,
            resolve_method,
            timbre_matrix,
        )

        wanted = method or self.settings.map_method
        # Fast path: nothing scanned, re-analyzed or forgotten since this map was made.
        token = self._map_token()
        known = self._maps.get(wanted)
        if token is not None and known is not None and known[0] == token:
            return known[1]
        ids, matrix = timbre_matrix(self.store.analyzer_outputs(["timbre"]))
        key = map_key(ids, matrix, resolve_method(wanted, len(ids)))
        cached = self._map
        if cached is not None and cached.key == key:
            self._maps[wanted] = (token, cached)
            return cached
        with self._map_lock:  # one computation at a time; the others wait for its result
            if self._map is not None and self._map.key == key:
                self._maps[wanted] = (token, self._map)
                return self._map
            entry = self.settings.resolved_data_dir() / "cache" / "maps" / f"{key}.json"
            try:
                result = SoundMap.from_json(orjson.loads(entry.read_bytes()))
            except (OSError, ValueError, KeyError, TypeError):
                started = time.perf_counter()
                used, points = project(matrix, wanted)
                log.info(
                    "sound map of %d samples by %s in %.1f s",
                    len(ids),
                    used,
                    time.perf_counter() - started,
                )
                result = SoundMap(
                    method=used,
                    key=key,
                    ids=tuple(ids),
                    x=tuple(round(float(v), 5) for v in points[:, 0]),
                    y=tuple(round(float(v), 5) for v in points[:, 1]),
                )
                _write_atomically(entry, orjson.dumps(result.to_json()))
            self._map = result
            self._maps[wanted] = (token, result)
            return result

    def _map_token(self) -> tuple[Any, ...] | None:
        """What changes whenever analyses may have: the last scan run (every analysis goes
        through one, in this process or another) and the number of present samples (a
        forgotten one); None while a scan runs."""
        last = self.store.scans(limit=1)
        if last and last[0].status is ScanStatus.RUNNING:
            return None
        run = (last[0].id, last[0].status, last[0].finished_at) if last else None
        return (run, self.store.count())

    def stats(self) -> dict[str, Any]:
        """Counts: samples, analysis states, loops, favourites, collections, by type and key,
        and a BPM histogram of loops (see :meth:`SampleStore.stats`)."""
        return self.store.stats()

    # --- files --------------------------------------------------------------------------------
    def uploads_dir(self) -> Path:
        """Where files added through the API are kept (a library folder itself)."""
        return self.settings.resolved_data_dir() / "uploads"

    def roots(self) -> list[Path]:
        """The folders the library holds, resolved: ``settings.library_folders``, the uploads
        folder and every root a scan was given. A filesystem root is never one (a database
        naming ``/`` must not open the whole disk). Cached for a few seconds."""
        cached = self._roots
        if cached is not None and time.monotonic() - cached[0] < _ROOTS_TTL_S:
            return cached[1]
        candidates = [*self.settings.library_folders, self.uploads_dir()]
        candidates += [Path(root) for root in self.store.scan_roots()]
        roots: list[Path] = []
        for candidate in candidates:
            resolved = Path(os.path.realpath(candidate.expanduser()))
            if resolved.parent != resolved and resolved not in roots:
                roots.append(resolved)
        self._roots = (time.monotonic(), roots)
        return roots

    def folders(self) -> list[LibraryFolder]:
        """The library's folders: the configured ones, then every other folder a scan was
        given (file paths that watch mode or uploads recorded are left out), by path."""
        configured = [_absolute(folder) for folder in self.settings.library_folders]
        found: dict[str, LibraryFolder] = {
            str(path): LibraryFolder(path=str(path), configured=True, exists=path.is_dir())
            for path in configured
        }
        for root in self.store.scan_roots():
            path = _absolute(Path(root))
            if str(path) not in found and path.is_dir():
                found[str(path)] = LibraryFolder(path=str(path), configured=False, exists=True)
        return sorted(found.values(), key=lambda f: (not f.configured, f.path))

    def scan_folders(self, requested: Sequence[str] | None = None) -> list[str]:
        """The folders a scan asked for by a client (the API) may scan.

        Args:
            requested: Folders to scan; None: every folder of :meth:`folders` that exists.
                A folder that is not one yet is accepted when ``settings.allow_new_folders``
                is on, if it is an existing directory, not a filesystem root and not inside
                the data directory; the scan makes it a library folder.

        Raises:
            ConfigError: nothing to scan, or a folder that may not be scanned (why is said).
        """
        known = {f.path: f for f in self.folders()}
        if requested is None:
            roots = [path for path, folder in known.items() if folder.exists]
            if not roots:
                raise ConfigError(
                    "the library has no folders yet: configure SAMPLEMIND_LIBRARY_FOLDERS "
                    "or scan a folder"
                )
            return roots
        roots = []
        data_dir = _absolute(self.settings.resolved_data_dir())
        for text in requested:
            path = _absolute(Path(text))
            if str(path) in known:
                roots.append(str(path))
                continue
            if not self.settings.allow_new_folders:
                raise ConfigError(f"{text!r} is not one of the library folders")
            if not Path(text).expanduser().is_absolute():
                raise ConfigError(f"{text!r}: give the folder's absolute path on the server")
            if not path.is_dir():
                raise ConfigError(f"{text!r} is not a folder on the server")
            if path.parent == path:
                raise ConfigError(f"{text!r} is a filesystem root: choose a folder of samples")
            if path.is_relative_to(data_dir) or data_dir.is_relative_to(path):
                raise ConfigError(f"{text!r} holds the library's own data: choose another")
            roots.append(str(path))
        return list(dict.fromkeys(roots))

    def audio_file(self, ref: int | str) -> tuple[Sample, Path]:
        """A sample and its file, checked safe to hand out: present, a regular file inside one
        of :meth:`roots` after resolving every symlink, with a supported audio extension, and
        audio by content.

        Raises:
            SampleNotFoundError: no such sample.
            AudioNotFoundError: the file is gone.
            AccessDeniedError: the path (or a link on it) leads outside the library's folders,
                or the file is not audio.
        """
        from samplemind.audio.formats import is_supported
        from samplemind.audio.sniff import sniff_file

        sample = self.get(ref)
        resolved = Path(os.path.realpath(sample.path))
        if not any(resolved.is_relative_to(root) for root in self.roots()):
            raise AccessDeniedError(f"sample {sample.id}: its file is outside the library folders")
        if not resolved.is_file():
            raise AudioNotFoundError(f"sample {sample.id}: {sample.name} is missing")
        if not is_supported(resolved):
            raise AccessDeniedError(f"sample {sample.id}: {resolved.name} is not an audio file")
        try:
            sniff_file(resolved)
        except UnsupportedFormatError as exc:
            raise AccessDeniedError(f"sample {sample.id}: {exc.message}") from exc
        return sample, resolved

    def waveform(self, ref: int | str, *, points: int = 800) -> Waveform:
        """Peaks for a waveform display (WaveSurfer.js ``peaks``), cached on disk by content
        hash, so a file is decoded once per size asked for.

        Raises:
            the errors of :meth:`audio_file`, and AudioError when the file does not decode.
        """
        from samplemind.audio.peaks import Waveform, compute_peaks

        sample, path = self.audio_file(ref)
        cache = self.settings.resolved_data_dir() / "cache" / "waveforms"
        entry = cache / f"{sample.content_hash}-{points}.json"
        try:
            return Waveform.model_validate_json(entry.read_bytes())
        except (OSError, ValueError):
            pass  # not cached yet, or a torn write: compute it again
        waveform = compute_peaks(path, settings=self.settings, points=points)
        _write_atomically(entry, waveform.model_dump_json().encode())
        return waveform

    def add_file(
        self, source: str | Path, *, name: str, analysis: AnalysisResult | None = None
    ) -> Sample:
        """Copy a file into :meth:`uploads_dir` and add it to the library.

        Args:
            source: The file (a finished upload, say).
            name: The name to keep; made safe (no folders, no reserved names), and made unique
                in the folder.
            analysis: Its analysis when already made; None: analyze it now.
        """
        import shutil

        from samplemind.audio.export import safe_file_name

        folder = self.uploads_dir()
        folder.mkdir(parents=True, exist_ok=True)
        safe = safe_file_name(name.replace("\\", "/").rsplit("/", 1)[-1])
        stem, dot, ext = safe.rpartition(".")
        if not dot:
            stem, ext = safe, ""
        target = folder / safe
        number = 1
        while True:
            try:
                with target.open("xb") as out, open(source, "rb") as data:
                    shutil.copyfileobj(data, out)
                break
            except FileExistsError:
                number += 1
                target = folder / f"{stem} ({number}){dot}{ext}"
        self.scan([target], options=ScanOptions(analyze=analysis is None, jobs=1))
        sample = self.get(str(target))
        if analysis is not None:
            self.store.save_analysis(sample.id, analysis.model_copy(update={"path": str(target)}))
            self.ensure_index()
            writer = VectorWriter(self.index)
            writer.begin()
            writer.add(sample.id, analysis.model_dump(mode="json"))
            writer.finish()
        return self.store.get(sample.id)

    # --- organising -------------------------------------------------------------------------
    def tag(
        self, ref: int | str, names: Iterable[str], *, source: TagSource = TagSource.USER
    ) -> Sample:
        sample = self.get(ref)
        self.store.add_tags(sample.id, [Tag(name=n.strip().lower(), source=source) for n in names])
        return self.store.get(sample.id)

    def untag(self, ref: int | str, names: Iterable[str]) -> Sample:
        sample = self.get(ref)
        self.store.remove_tags(sample.id, [n.strip().lower() for n in names])
        return self.store.get(sample.id)

    def set_sample_type(self, ref: int | str, sample_type: str | None) -> Sample:
        """Your sample type for a sample; it wins over the model's, re-analysis included.

        Args:
            ref: Sample id or path.
            sample_type: One of :data:`~samplemind.domain.analysis.SAMPLE_TYPES` (not
                ``unknown``); case and a plural are forgiven (``Kicks``). None: forget your
                type, so the model's counts again.

        Raises:
            SampleNotFoundError, ConfigError: a type that is not a sample type (the message
                lists them).
        """
        sample = self.get(ref)
        self.store.set_user_sample_type(sample.id, _sample_type(sample_type))
        return self.store.get(sample.id)

    def midi(
        self, ref: int | str, *, mode: str = "auto", quantize: str | None = None
    ) -> tuple[Transcription, bytes]:
        """A sample as a MIDI file (:mod:`samplemind.analysis.midi`), on its analysed tempo;
        ``auto`` mode follows its sample type (yours first).

        Raises:
            the errors of :meth:`audio_file`; ConfigError: a bad mode or grid.
        """
        from samplemind.analysis.midi import midi_bytes, transcribe_file

        sample, path = self.audio_file(ref)
        analysis = self.store.analysis(sample.id)
        bpm = analysis.tempo.bpm if analysis is not None and analysis.tempo is not None else None
        transcription = transcribe_file(
            path,
            settings=self.settings,
            mode=mode,
            quantize=quantize,
            bpm=bpm,
            sample_type=sample.sample_type if sample.sample_type != "unknown" else None,
        )
        return transcription, midi_bytes(transcription)

    def favourite(self, ref: int | str, value: bool = True) -> Sample:
        sample = self.get(ref)
        self.store.set_favourite(sample.id, value)
        return self.store.get(sample.id)

    def forget(self, ref: int | str) -> None:
        """Remove a sample's record (never the file)."""
        sample = self.get(ref)
        self.store.delete_sample(sample.id)
        try:
            self.index.delete([sample.id])
        except SampleMindError as exc:
            log.warning("similarity index not updated (%s)", exc.message)

    def collections(self) -> list[Collection]:
        return self.store.collections()

    def create_collection(self, name: str, refs: Iterable[int | str] = ()) -> Collection:
        """A new collection holding ``refs`` (in that order).

        Raises:
            DuplicateCollectionError: a collection has that name.
            SampleNotFoundError: a ref is unknown (nothing is created).
        """
        ids = [self.get(r).id for r in refs]
        collection = self.store.create_collection(name)
        if ids:
            self.store.add_to_collection(collection.name, ids)
        return next(c for c in self.store.collections() if c.id == collection.id)

    def collection_add(self, name: str, refs: Iterable[int | str]) -> int:
        return self.store.add_to_collection(name, [self.get(r).id for r in refs])

    def collection_remove(self, name: str, refs: Iterable[int | str]) -> int:
        return self.store.remove_from_collection(name, [self.get(r).id for r in refs])

    def collections_of(self, ref: int | str) -> list[str]:
        """Names of the collections a sample is in."""
        return self.store.collections_of(self.get(ref).id)

    def collection_samples(self, name: str) -> list[Sample]:
        return self.store.collection_samples(name)

    def collection_delete(self, name: str) -> None:
        self.store.delete_collection(name)

    # --- duplicates and export ---------------------------------------------------------------
    def duplicates(
        self, *, strictness: str = "normal", exact_only: bool = False
    ) -> list[DuplicateGroup]:
        """Exact duplicates (same bytes) and near-duplicates (the same sound re-encoded,
        resampled, gain-changed or renamed), largest groups first.

        Args:
            strictness: ``exact-audio``, ``strict``, ``normal`` or ``loose`` (see
                :func:`samplemind.analysis.duplicates.near_duplicate_groups`).
            exact_only: Only byte-identical files (no audio comparison).
        """
        from samplemind.analysis.duplicates import near_duplicate_groups

        groups = [
            DuplicateGroup("exact", tuple(group), tuple(1.0 for _ in group))
            for group in self.store.duplicate_hashes()
        ]
        if exact_only:
            return groups
        fingerprints: dict[int, np.ndarray] = {}
        for sample_id, outputs in self.store.analyzer_outputs(["fingerprint"]):
            vector = outputs.get("fingerprint")
            if vector:
                fingerprints[sample_id] = np.asarray(vector, dtype=np.float32)
        durations: dict[int, float] = {}
        ids = sorted(fingerprints)
        for start in range(0, len(ids), 1000):
            for sample in self.store.get_many(ids[start : start + 1000]):
                if sample.duration_s is not None and not sample.missing:
                    durations[sample.id] = sample.duration_s
        items = [(i, durations[i], fingerprints[i]) for i in ids if i in durations]
        for group in near_duplicate_groups(items, strictness=strictness):
            samples = self.store.get_many([sample_id for sample_id, _ in group])
            if len({s.content_hash for s in samples}) < 2:
                continue  # already an exact group
            groups.append(DuplicateGroup("audio", tuple(samples), tuple(sim for _, sim in group)))
        groups.sort(key=lambda g: (-len(g.samples), g.kind, g.samples[0].id))
        return groups

    def export(
        self,
        query: str | SearchQuery,
        dest: str | Path,
        *,
        pattern: str | None = None,
        mode: Literal["copy", "link", "symlink"] = "copy",
        overwrite: bool = False,
        limit: int = 10_000,
        write_tags: bool = False,
    ) -> list[ExportOutcome]:
        """Copy or link a query's results into ``dest`` as a kit.

        Args:
            query: What to export (``collection:NAME`` exports a collection).
            dest: Target folder (created).
            pattern: File name pattern such as ``{type}_{bpm}_{key}_{name}``; None keeps names.
            mode: ``copy``, ``link`` (hard link; copies across devices) or ``symlink``.
            overwrite: Replace existing files in ``dest``.
            limit: At most this many samples.
            write_tags: Write BPM and key into the exported copies' metadata (copy mode only,
                so the library's own files are never changed).
        """
        from samplemind.audio.export import export_files, render_name

        hits = self.search(query, limit=limit)
        items: list[tuple[Path, str]] = []
        for index, hit in enumerate(hits, start=1):
            s = hit.sample
            source = Path(s.path)
            if pattern is None:
                items.append((source, source.name))
                continue
            fields: dict[str, object] = {
                "name": source.stem,
                "ext": source.suffix.lstrip(".").lower(),
                "type": s.sample_type or ("loop" if s.is_loop else "oneshot"),
                "bpm": round(s.bpm) if s.bpm and s.is_loop else None,
                "key": s.key,
                "camelot": s.camelot,
                "root": s.root_note,
                "dur": round(s.duration_s, 2) if s.duration_s is not None else None,
                "id": s.id,
                "index": index,
            }
            items.append((source, render_name(pattern, fields)))  # appends .ext itself
        outcomes = export_files(items, Path(dest), mode=mode, overwrite=overwrite)
        if write_tags and mode == "copy":
            from samplemind.audio.metadata import write_tags as write_file_tags

            by_source = {str(hit.sample.path): hit.sample for hit in hits}
            for outcome in outcomes:
                sample = by_source.get(str(outcome.source))
                if outcome.ok and outcome.target is not None and sample is not None:
                    try:
                        write_file_tags(
                            outcome.target,
                            bpm=sample.bpm if sample.is_loop else None,
                            key=sample.key,
                        )
                    except SampleMindError as exc:
                        log.warning("%s: tags not written (%s)", outcome.target, exc.message)
        return outcomes

    def write_metadata(
        self, query: str | SearchQuery, *, limit: int = 100_000
    ) -> list[tuple[Sample, SampleMindError | None]]:
        """Write each result's BPM (loops) and key into the file's own metadata tags
        (ID3/Vorbis/RIFF via mutagen); audio bytes are never touched."""
        from samplemind.audio.metadata import write_tags as write_file_tags

        results: list[tuple[Sample, SampleMindError | None]] = []
        for hit in self.search(query, limit=limit):
            s = hit.sample
            if s.bpm is None and s.key is None:
                continue
            try:
                write_file_tags(Path(s.path), bpm=s.bpm if s.is_loop else None, key=s.key)
                results.append((s, None))
            except SampleMindError as exc:
                results.append((s, exc))
        return results

    # --- transforms (docs/processing.md) -----------------------------------------------------
    def _transforms(self) -> Any:
        from samplemind.library.derive import Transforms

        return Transforms(self)

    def process(
        self,
        ref: int | str | Path,
        spec: ProcessSpec,
        *,
        output: str | Path | None = None,
        name: str | None = None,
        overwrite: bool = False,
        in_place: bool = False,
        add: bool = True,
        executor: Executor | None = None,
    ) -> Transformed:
        """Trim, stretch, shift, normalize, fade or convert a sample (or any audio file) into a
        new file, added to the library and linked to its source.

        Args:
            ref: A sample id or library path (its stored analysis gives the BPM, key and root
                note to start from), or any audio file (analyzed now if needed).
            spec: What to do, applied in the order :class:`ProcessSpec` documents.
            output: The file to write; None: beside the source, named by what was done.
            name: A file name to write beside the source (the API's form of ``output``).
            overwrite: Replace ``output`` if it exists.
            in_place: Replace the source file itself (same format only) and re-analyze it.
            add: Add the output to the library (with its analysis and the link).
            executor: ``executor(fn, *args)`` runs the transform (e.g. in a worker pool);
                None: in this thread.

        Raises:
            ConfigError: bad options, or an output that is the source without ``in_place``.
            OutputExistsError: the output exists and ``overwrite`` is False.
            ProcessingError: the transform cannot be done (e.g. no BPM to stretch from).
            AudioError, SampleNotFoundError, AccessDeniedError.
        """
        result: Transformed = self._transforms().process(
            ref,
            spec,
            output=output,
            name=name,
            overwrite=overwrite,
            in_place=in_place,
            add=add,
            executor=executor,
        )
        return result

    def master(
        self,
        ref: int | str | Path,
        reference: int | str | Path,
        *,
        output: str | Path | None = None,
        name: str | None = None,
        fmt: OutputFormat | None = None,
        overwrite: bool = False,
        add: bool = True,
        executor: Executor | None = None,
    ) -> Transformed:
        """Master a track after a reference track (matchering); the result is added and linked.

        Raises:
            TooShortError: the track or reference is shorter than matchering accepts.
            ProcessingError: they are the same audio, or matchering failed.
            ConfigError, OutputExistsError, AudioError, SampleNotFoundError.
        """
        result: Transformed = self._transforms().master(
            ref,
            reference,
            output=output,
            name=name,
            fmt=fmt,
            overwrite=overwrite,
            add=add,
            executor=executor,
        )
        return result

    def separate(
        self,
        ref: int | str | Path,
        *,
        method: str = "hpss",
        folder: str | Path | None = None,
        fmt: OutputFormat | None = None,
        overwrite: bool = False,
        add: bool = True,
        executor: Executor | None = None,
    ) -> Transformed:
        """Split a sample into stems (``hpss``: harmonic + percussive; ``demucs``: drums, bass,
        other, vocals when demucs is installed), each added and linked to the source.

        Raises:
            MissingDependencyError: demucs (or its weights) is not installed.
            ConfigError, OutputExistsError, AudioError, ProcessingError, SampleNotFoundError.
        """
        result: Transformed = self._transforms().separate(
            ref,
            method=method,
            folder=folder,
            fmt=fmt,
            overwrite=overwrite,
            add=add,
            executor=executor,
        )
        return result

    def lineage(self, ref: int | str) -> Lineage:
        """Where a sample came from (its derivation and source) and the samples made from it.

        Raises:
            SampleNotFoundError.
        """
        lineage: Lineage = self._transforms().lineage(ref)
        return lineage

    def ai_description(self, ref: int | str) -> AiDescription | None:
        """The sample's stored AI description (``samplemind ai describe``), if it has one.

        Raises:
            SampleNotFoundError.
        """
        return self.store.ai_description(self.get(ref).id)

    # --- the similarity index ---------------------------------------------------------------
    def readiness(self) -> dict[str, str]:
        """``{"database": ..., "index": ...}``: ``"ok"``, or what is wrong with that part."""
        checks: dict[str, str] = {}
        for part, probe in (
            ("database", lambda: self.store.scans(limit=1)),
            ("index", lambda: self.index.count("timbre")),
        ):
            try:
                probe()
                checks[part] = "ok"
            except SampleMindError as exc:
                checks[part] = f"{exc.code}: {exc.message}"
        return checks

    def index_status(self) -> IndexStatus:
        analyzed = int(self.store.stats().get("analyzed", 0))
        try:
            indexed = self.index.count("timbre")
            fingerprint_ok = self.index.get_meta(META_SPACES) == spaces_fingerprint()
            dirty = self.index.get_meta(META_DIRTY) == "1"
        except SampleMindError:
            indexed, fingerprint_ok, dirty = -1, False, True
        return IndexStatus(
            indexed=indexed, analyzed=analyzed, fingerprint_ok=fingerprint_ok, dirty=dirty
        )

    def ensure_index(self) -> bool:
        """Rebuild the index from the database if it is lost or stale (once per session).

        Returns:
            True when a rebuild ran.
        """
        if self._index_checked:
            return False
        with self._index_lock:
            if self._index_checked:
                return False
            rebuilt = self._ensure_index()
            self._index_checked = True
            return rebuilt

    def _ensure_index(self) -> bool:
        status = self.index_status()
        if not status.stale:
            return False
        log.log(
            logging.WARNING if status.analyzed else logging.DEBUG,
            "similarity index is stale (%d indexed, %d analyzed): rebuilding from the database",
            status.indexed,
            status.analyzed,
        )
        self.rebuild_index()
        return True

    def rebuild_index(self, *, batch_size: int = 512) -> int:
        """Recompute every similarity vector from stored analyses; returns samples indexed.

        Raises:
            VectorIndexError: the index failed (it stays marked stale).
        """
        self.index.clear()
        writer = VectorWriter(self.index, batch_size=batch_size, strict=True)
        writer.begin()
        count = sum(
            writer.add(sample_id, outputs)
            for sample_id, outputs in self.store.analyzer_outputs(INPUT_ANALYZERS)
        )
        writer.finish(rebuilt=True)
        return count


def _absolute(path: Path) -> Path:
    """``path`` with ``~`` expanded, absolute and resolved (symlinks too)."""
    return Path(os.path.realpath(path.expanduser()))


def _write_atomically(path: Path, data: bytes) -> None:
    """Write a cache file so readers never see half of it; a failure is only logged."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        partial.write_bytes(data)
        partial.replace(path)
    except OSError as exc:
        log.warning("cache file %s not written (%s)", path.name, exc)


def _sample_type(value: str | None) -> str | None:
    if value is None:
        return None
    name = value.strip().lower().replace("_", "-").replace(" ", "-")
    valid = [t for t in SAMPLE_TYPES if t != "unknown"]
    for candidate in (name, name.removesuffix("s"), name.removesuffix("es")):
        if candidate in valid:
            return candidate
    raise ConfigError(f"unknown sample type {value!r}; valid: {', '.join(valid)}")


def open_library(settings: Settings | None = None) -> Library:
    """Open the library the settings describe (SQLite + embedded ChromaDB by default).

    Raises:
        StorageUnavailableError: the database cannot be reached.
        ConfigError: an unknown backend.
    """
    from samplemind.library.factory import create_index, create_store

    settings = settings or Settings()
    store = create_store(settings)
    resolved = settings
    return Library(store, lambda: create_index(resolved), settings)
