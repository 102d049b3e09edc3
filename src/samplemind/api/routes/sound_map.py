"""``GET /api/map``: the sound map, the library's timbre vectors projected onto a plane."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status

from samplemind.api.deps import Client, State
from samplemind.api.schemas import SoundMapOut

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["library"])


@router.get("/map", response_model=SoundMapOut)
def sound_map(
    state: State,
    _client: Client,
    request: Request,
    response: Response,
    method: Annotated[
        Literal["auto", "pca", "tsne"] | None,
        Query(description="Projection; default: the server's `map_method` setting."),
    ] = None,
) -> Response | SoundMapOut:
    """Every analyzed sample as a point in [0, 1]², similar timbres close together, with its
    name and type for drawing. Computed on the server and cached until analyses change
    (`key`, also the ETag)."""
    library = state.library
    projection = library.sound_map(method=method)
    etag = f'"m{projection.key}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    response.headers.update(headers)
    labels = library.store.labels()
    keep = [i for i, sample_id in enumerate(projection.ids) if sample_id in labels]
    rows = [labels[projection.ids[i]] for i in keep]
    return SoundMapOut(
        method=projection.method,
        key=projection.key,
        ids=[projection.ids[i] for i in keep],
        x=[projection.x[i] for i in keep],
        y=[projection.y[i] for i in keep],
        names=[name for name, _, _ in rows],
        types=[kind or ("loop" if loop else "one-shot") for _, kind, loop in rows],
    )
