"""Derived samples: run a transform on a library sample (or any file), add what it wrote to
the library with its analysis, and link each new sample to its source.

The transform and the analysis of its outputs are one call
(:func:`~samplemind.processing.jobs.run_job`), made in this process or handed to an
``executor`` (the API runs it in its isolated worker pool, so the event loop and the server
never carry the DSP). The bookkeeping after it (records, analyses, similarity vectors, the
``derivations`` link) is done here, in the caller's thread.

Originals are never written unless asked: an output path equal to the source is refused
unless ``in_place``, which replaces the source file atomically and re-analyzes its record (an
in-place edit links nothing: the sample is still itself).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from samplemind.domain.analysis import AnalysisResult
from samplemind.domain.library import Derivation, Sample
from samplemind.errors import AudioNotFoundError, ConfigError, ProcessingError
from samplemind.library.pipeline import ScanOptions
from samplemind.library.vectors import VectorWriter

if TYPE_CHECKING:
    from samplemind.library.library import Library
    from samplemind.processing.jobs import JobResult, TransformJob
    from samplemind.processing.options import OutputFormat, ProcessSpec
    from samplemind.processing.render import TransformReport

__all__ = ["Derived", "Executor", "Lineage", "Transformed", "Transforms"]

log = logging.getLogger(__name__)

#: Runs ``fn(*args)`` and returns its value: in this process by default, or in a worker.
Executor = Callable[..., Any]


def _here(fn: Callable[..., Any], *args: Any) -> Any:
    return fn(*args)


@dataclass(frozen=True)
class Derived:
    """One file a transform wrote, and what the library made of it."""

    path: Path
    sample: Sample | None = None  # None with add=False
    derivation: Derivation | None = None  # None for an in-place edit or add=False
    analysis: AnalysisResult | None = None
    error: tuple[str, str] | None = None  # (code, message) when its analysis failed
    stem: str | None = None


@dataclass(frozen=True)
class Transformed:
    """A transform's report, its source's record (None: a file outside the library) and its
    outputs."""

    report: TransformReport
    source: Sample | None
    outputs: list[Derived] = field(default_factory=list)


@dataclass(frozen=True)
class Lineage:
    """Where a sample came from and what was made from it."""

    derivation: Derivation | None
    source: Sample | None
    derivatives: list[tuple[Sample, Derivation]]


def _same(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


class Transforms:
    """The library's transforms (see :class:`~samplemind.library.library.Library`)."""

    def __init__(self, library: Library) -> None:
        self._library = library

    # --- sources -----------------------------------------------------------------------------
    def source(self, ref: int | str | Path) -> tuple[Sample | None, Path]:
        """A library sample's record and checked file (id or library path), or any audio file.

        Raises:
            SampleNotFoundError, AccessDeniedError: for a sample id (see ``audio_file``).
            AudioNotFoundError: a path that is not a file.
        """
        library = self._library
        text = str(ref).strip()
        if isinstance(ref, int) or text.isdigit():
            return library.audio_file(int(text))
        path = Path(os.path.abspath(os.path.expanduser(text)))
        if not path.is_file():
            raise AudioNotFoundError(f"{path}: no such file")
        return library.store.get_by_path(str(path)), path

    def _facts(self, sample: Sample | None) -> Any:
        from samplemind.processing.render import facts_from_analysis

        if sample is None:
            return None
        return facts_from_analysis(self._library.store.analysis(sample.id))

    @staticmethod
    def _output(
        source: Path, output: str | Path | None, name: str | None, *, in_place: bool
    ) -> Path | None:
        if output is not None and name is not None:
            raise ConfigError("give an output path or a name, not both")
        if name is not None:
            from samplemind.audio.export import safe_file_name

            output = source.parent / safe_file_name(name.replace("\\", "/").rsplit("/", 1)[-1])
        path = (
            Path(os.path.abspath(os.path.expanduser(str(output)))) if output is not None else None
        )
        if in_place:
            if path is not None and not _same(path, source) and path != source:
                raise ConfigError("--in-place replaces the source itself: give no output path")
            return source
        if path is not None and (path == source or _same(path, source)):
            raise ConfigError(
                f"{path.name} is the source: its original is kept unless you pass --in-place"
            )
        return path

    # --- running ---------------------------------------------------------------------------------
    def _run(self, job: TransformJob, executor: Executor | None) -> JobResult:
        from samplemind.processing.jobs import run_job

        result: JobResult = (executor or _here)(run_job, job, self._library.settings.model_dump())
        return result

    def _adopt(
        self,
        result: JobResult,
        source: Sample | None,
        *,
        add: bool,
        in_place: bool,
        extra: dict[str, Any] | None = None,
    ) -> Transformed:
        library = self._library
        report = result.report
        if extra:
            report = report.model_copy(update={"params": {**report.params, **extra}})
        outputs: list[Derived] = []
        added: list[tuple[int, AnalysisResult]] = []
        if add and report.outputs:  # one index pass records (or updates) every output
            library.scan(
                [output.path for output in report.outputs],
                options=ScanOptions(analyze=False, jobs=1),
            )
        for index, output in enumerate(report.outputs):
            path = Path(output.path)
            analysis = result.analyses[index] if index < len(result.analyses) else None
            error = result.errors[index] if index < len(result.errors) else None
            if not add:
                outputs.append(Derived(path, analysis=analysis, error=error, stem=output.stem))
                continue
            sample = library.get(str(path))
            if analysis is not None:
                library.store.save_analysis(
                    sample.id, analysis.model_copy(update={"path": str(path)})
                )
                added.append((sample.id, analysis))
            elif error is not None:
                library.store.save_failure(sample.id, *error)
            derivation = None
            if not in_place:
                params: dict[str, Any] = dict(report.params)
                if output.stem is not None:
                    params["stem"] = output.stem
                params["steps"] = report.steps
                derivation = library.store.record_derivation(
                    sample.id, source.id if source is not None else None, report.kind, params
                )
            outputs.append(
                Derived(
                    path,
                    sample=library.store.get(sample.id),
                    derivation=derivation,
                    analysis=analysis,
                    error=error,
                    stem=output.stem,
                )
            )
        if added:
            library.ensure_index()
            writer = VectorWriter(library.index)
            writer.begin()
            for sample_id, analysis in added:
                writer.add(sample_id, analysis.model_dump(mode="json"))
            writer.finish()
        fresh_source = library.store.get(source.id) if source is not None else None
        return Transformed(report=report, source=fresh_source, outputs=outputs)

    # --- the transforms --------------------------------------------------------------------------
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
        from samplemind.processing.jobs import TransformJob

        spec.check()
        sample, path = self.source(ref)
        target = self._output(path, output, name, in_place=in_place)
        job = TransformJob(
            "process",
            {
                "source": str(path),
                "spec": spec,
                "output": str(target) if target is not None else None,
                "overwrite": overwrite or in_place,
                "facts": self._facts(sample),
            },
        )
        return self._adopt(self._run(job, executor), sample, add=add, in_place=in_place)

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
        from samplemind.processing.jobs import TransformJob

        sample, path = self.source(ref)
        reference_sample, reference_path = self.source(reference)
        if reference_path == path or _same(reference_path, path):
            raise ProcessingError(
                f"the track and the reference are the same audio ({path.name}): nothing to match"
            )
        target = self._output(path, output, name, in_place=False)
        job = TransformJob(
            "master",
            {
                "target": str(path),
                "reference": str(reference_path),
                "output": str(target) if target is not None else None,
                "fmt": fmt,
                "overwrite": overwrite,
            },
        )
        extra = {"reference_id": reference_sample.id} if reference_sample is not None else None
        return self._adopt(self._run(job, executor), sample, add=add, in_place=False, extra=extra)

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
        from samplemind.processing.jobs import TransformJob

        sample, path = self.source(ref)
        where = os.path.abspath(os.path.expanduser(str(folder))) if folder is not None else None
        job = TransformJob(
            "separate",
            {
                "source": str(path),
                "method": method,
                "output_dir": where,
                "fmt": fmt,
                "overwrite": overwrite,
            },
        )
        return self._adopt(self._run(job, executor), sample, add=add, in_place=False)

    def lineage(self, ref: int | str) -> Lineage:
        library = self._library
        sample = library.get(ref)
        store = library.store
        derivation = store.derivation(sample.id)
        source = None
        if derivation is not None and derivation.source_id is not None:
            found = store.get_many([derivation.source_id])
            source = found[0] if found else None
        links = store.derivatives(sample.id)
        by_id = {s.id: s for s in store.get_many([link.sample_id for link in links])}
        derivatives = [(by_id[link.sample_id], link) for link in links if link.sample_id in by_id]
        return Lineage(derivation=derivation, source=source, derivatives=derivatives)
