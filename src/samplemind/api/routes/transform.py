"""``POST /api/samples/{id}/process | master | stems``: reshape a sample into new ones.

The transform and the analysis of its outputs run in the app's isolated worker pool (the same
address-space and time limits as uploads; ``SAMPLEMIND_PROCESS_TIMEOUT_S``), awaited from the
threadpool, so the event loop keeps serving. Outputs are written beside the source (a name
given by the client is a file name, never a path), added to the library and linked to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Response, status

from samplemind.api.deps import ApiState, Expensive, State
from samplemind.api.routes.samples import SampleId
from samplemind.api.schemas import (
    DerivedOut,
    ErrorBody,
    ErrorDetail,
    MasterRequest,
    ProcessRequest,
    StemsRequest,
    TransformOut,
)
from samplemind.errors import SampleMindError
from samplemind.library.derive import Transformed

__all__ = ["router"]

router = APIRouter(prefix="/api/samples", tags=["transforms"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Bad options, or demucs is not installed here."},
    403: {"model": ErrorBody, "description": "The sample's file is outside the library."},
    404: {"model": ErrorBody, "description": "No such sample, or its file is gone."},
    409: {"model": ErrorBody, "description": "The output exists (pass `overwrite`)."},
    422: {"model": ErrorBody, "description": "The transform cannot be done on this audio."},
    429: {"model": ErrorBody, "description": "Rate limited; see Retry-After."},
}


def _isolated(state: ApiState, kind: str) -> Callable[..., Any]:
    def run(fn: Callable[..., Any], *args: Any) -> Any:
        future = state.pool.call(
            fn, *args, timeout_s=state.settings.process_timeout_s, label=f"the {kind}"
        )
        return future.result()

    return run


def _counted(state: ApiState, kind: str, work: Callable[[], Transformed]) -> Transformed:
    try:
        done = work()
    except SampleMindError as exc:
        state.metrics.transforms.labels(kind, exc.code).inc()
        raise
    state.metrics.transforms.labels(kind, "ok").inc()
    return done


def _out(done: Transformed, response: Response) -> TransformOut:
    assert done.source is not None  # API sources are library samples
    outputs = [
        DerivedOut(
            **output.model_dump(),
            sample=derived.sample,
            analysis_error=(
                ErrorDetail(code=derived.error[0], message=derived.error[1])
                if derived.error is not None
                else None
            ),
        )
        for output, derived in zip(done.report.outputs, done.outputs, strict=True)
    ]
    first = outputs[0].sample if outputs else None
    if first is not None:
        response.headers["Location"] = f"/api/samples/{first.id}"
    return TransformOut(
        kind=done.report.kind,
        source_id=done.source.id,
        outputs=outputs,
        steps=done.report.steps,
        params=done.report.params,
        elapsed_s=done.report.elapsed_s,
    )


@router.post(
    "/{sample_id}/process",
    status_code=status.HTTP_201_CREATED,
    responses=_ERRORS,
    dependencies=[Expensive],
)
def process_sample(
    state: State, sample_id: SampleId, body: ProcessRequest, response: Response
) -> TransformOut:
    """Trim, stretch to a BPM, shift to a key or note, normalize loudness, fade, convert.

    The sample's stored analysis gives the BPM, key and root note to start from. The
    original is kept unless `in_place` (then the same record is re-analyzed, 200).
    """
    spec = body.spec()
    done = _counted(
        state,
        "process",
        lambda: state.library.process(
            sample_id,
            spec,
            name=body.output_name,
            overwrite=body.overwrite,
            in_place=body.in_place,
            executor=_isolated(state, "process"),
        ),
    )
    if body.in_place:
        response.status_code = status.HTTP_200_OK
    return _out(done, response)


@router.post(
    "/{sample_id}/master",
    status_code=status.HTTP_201_CREATED,
    responses=_ERRORS,
    dependencies=[Expensive],
)
def master_sample(
    state: State, sample_id: SampleId, body: MasterRequest, response: Response
) -> TransformOut:
    """Master the sample after a reference sample (matchering: loudness, tone, width)."""
    from samplemind.processing.options import OutputFormat

    fmt = OutputFormat.parse(body.format) if body.format else None
    done = _counted(
        state,
        "master",
        lambda: state.library.master(
            sample_id,
            body.reference_id,
            name=body.output_name,
            fmt=fmt,
            overwrite=body.overwrite,
            executor=_isolated(state, "master"),
        ),
    )
    return _out(done, response)


@router.post(
    "/{sample_id}/stems",
    status_code=status.HTTP_201_CREATED,
    responses=_ERRORS,
    dependencies=[Expensive],
)
def separate_sample(
    state: State, sample_id: SampleId, body: StemsRequest, response: Response
) -> TransformOut:
    """Split the sample into stems, each a new sample linked to it."""
    from samplemind.processing.options import OutputFormat

    fmt = OutputFormat.parse(body.format) if body.format else None
    done = _counted(
        state,
        "stems",
        lambda: state.library.separate(
            sample_id,
            method=body.method,
            fmt=fmt,
            overwrite=body.overwrite,
            executor=_isolated(state, "separation"),
        ),
    )
    return _out(done, response)
