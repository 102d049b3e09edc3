"""``/api/samples``: search, read, organise, forget; audio, waveform and similar sounds."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Callable
from dataclasses import replace
from typing import Annotated, Any, Literal

import anyio
import orjson
from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import FileResponse
from pydantic import BaseModel

from samplemind.api.cache import CacheEntry, cache_key
from samplemind.api.deps import ApiState, Client, Expensive, State
from samplemind.api.schemas import (
    ErrorBody,
    ReferenceOut,
    SampleDetail,
    SamplePage,
    SamplePatch,
    SimilarPage,
)
from samplemind.audio.peaks import MAX_POINTS, Waveform
from samplemind.domain.library import Sample
from samplemind.domain.query import And, Flag, Node, Not, Or, Range, SearchQuery
from samplemind.errors import ConfigError, QuerySyntaxError
from samplemind.search.parse import format_query, parse_query

__all__ = ["AUDIO_TYPES", "router"]

router = APIRouter(prefix="/api/samples", tags=["samples"])

#: Content type by extension (the audio route only serves these).
AUDIO_TYPES = {
    ".wav": "audio/wav",
    ".wave": "audio/wav",
    ".aif": "audio/aiff",
    ".aiff": "audio/aiff",
    ".aifc": "audio/aiff",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".mp3": "audio/mpeg",
}

SampleId = Annotated[int, Path(ge=1, le=2**62, description="The sample's id.")]
Aspect = Literal["overall", "timbre", "pitch", "rhythm", "envelope"]
_404: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such sample."}
}


# --- search -------------------------------------------------------------------------------------
def _quoted(field: str, value: str) -> str:
    return f'{field}:"{value.replace(chr(34), chr(34) * 2)}"'


def _any_of(field: str, values: list[str], param: str) -> Node | None:
    nodes: list[Node] = []
    for value in values:
        try:
            where = parse_query(_quoted(field, value)).where
        except QuerySyntaxError as exc:
            raise ConfigError(f"{param}={value!r}: {exc.message}") from exc
        if where is not None:
            nodes.append(where)
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))


def _combined(
    q: str,
    *,
    types: list[str],
    keys: list[str],
    tags: list[str],
    bpm_min: float | None,
    bpm_max: float | None,
    loop: bool | None,
    fav: bool | None,
    sort: str | None,
) -> SearchQuery:
    query = parse_query(q)
    nodes: list[Node | None] = [
        query.where,
        _any_of("type", types, "type"),
        _any_of("key", keys, "key"),
        _any_of("tag", tags, "tag"),
    ]
    if bpm_min is not None or bpm_max is not None:
        nodes.append(Range("bpm", bpm_min, bpm_max))
    if loop is not None:
        nodes.append(Flag("loop" if loop else "oneshot"))
    if fav is not None:
        nodes.append(Flag("favourite") if fav else Not(Flag("favourite")))
    present = tuple(n for n in nodes if n is not None)
    where = None if not present else present[0] if len(present) == 1 else And(present)
    query = replace(query, where=where)
    if sort:
        try:
            query = replace(query, sort=parse_query(f"sort:{sort}").sort)
        except QuerySyntaxError as exc:
            raise ConfigError(f"sort={sort!r}: {exc.message}") from exc
    return query


# --- answers the cache keeps (api/cache.py answers hits before routing) ----------------------
async def _answer(
    state: ApiState, request: Request, make: Callable[[], BaseModel], *, cacheable: bool = True
) -> Response:
    """Make the answer (reads, JSON, gzip) and keep it under the data version read before.

    An answer the cache will keep, from an embedded store (SQLite), is made right here on the
    event loop: such misses are rare, and in a worker thread they would hold the GIL that the
    cache hits on the loop wait for (measured: a quarter of the throughput, and half-second
    tails for the hits). Otherwise (no cache, or a database server, whose reads are waits)
    at most two worker threads make them, so one slow query does not stop every other.
    """
    version = state.data_version() if cacheable else None
    route = request.scope.get("route")

    def build() -> CacheEntry:
        model = make()
        return state.responses.entry(model.__pydantic_serializer__.to_json(model), route=route)

    if version is not None and state.library.store.embedded:
        entry = build()
    else:
        entry = await anyio.to_thread.run_sync(build, limiter=state.readers)
    if version is not None:
        state.responses.store(version, cache_key(request.scope), entry)
        state.metrics.cache.labels("miss").inc()
    return entry.response(accept_gzip=_accepts_gzip(request))


def _accepts_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "")


def _fingerprint(query: SearchQuery) -> str:
    return hashlib.blake2s(format_query(query).encode(), digest_size=6).hexdigest()


def _encode_cursor(offset: int, query: SearchQuery) -> str:
    raw = orjson.dumps({"o": offset, "q": _fingerprint(query)})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, query: SearchQuery) -> int:
    try:
        data = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset, fingerprint = int(data["o"]), str(data["q"])
    except (binascii.Error, ValueError, TypeError, KeyError, orjson.JSONDecodeError) as exc:
        raise ConfigError("cursor is not one this API gave out") from exc
    if fingerprint != _fingerprint(query):
        raise ConfigError("cursor belongs to another query: start again without it")
    if not 0 <= offset <= 10_000_000:
        raise ConfigError("cursor is out of range")
    return offset


@router.get("", summary="Search the library with the query language", response_model=SamplePage)
async def search_samples(
    request: Request,
    state: State,
    _client: Client,
    q: Annotated[str, Query(max_length=2000, description="docs/query-language.md")] = "",
    type: Annotated[list[str], Query(max_length=20, description="Sample types (any of).")] = [],  # noqa: B006
    key: Annotated[list[str], Query(max_length=24, description="Keys or Camelot codes.")] = [],  # noqa: B006
    tag: Annotated[list[str], Query(max_length=20, description="Tags (any of).")] = [],  # noqa: B006
    bpm_min: Annotated[float | None, Query(ge=0, le=1000)] = None,
    bpm_max: Annotated[float | None, Query(ge=0, le=1000)] = None,
    loop: Annotated[bool | None, Query(description="Loops (true) or one-shots (false).")] = None,
    fav: Annotated[bool | None, Query(description="Favourites (true) or the others.")] = None,
    sort: Annotated[str | None, Query(max_length=200, description="e.g. -bpm,name")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    offset: Annotated[
        int | None,
        Query(
            ge=0,
            le=10_000_000,
            description="Start at this row instead of a cursor (random access: a virtual "
            "list jumping to row 90,000); not with `cursor`.",
        ),
    ] = None,
) -> Response:
    """Filters are ANDed with `q`; results rank by relevance (or similarity with `like:`)."""
    await state.open_library()
    query = _combined(
        q,
        types=type,
        keys=key,
        tags=tag,
        bpm_min=bpm_min,
        bpm_max=bpm_max,
        loop=loop,
        fav=fav,
        sort=sort,
    )
    if cursor and offset is not None:
        raise ConfigError("give a cursor or an offset, not both")
    start = _decode_cursor(cursor, query) if cursor else offset or 0
    library = state.library

    def page() -> SamplePage:
        hits, total = library.search_page(query, limit=limit + 1, offset=start)
        more = len(hits) > limit
        return SamplePage(
            items=hits[:limit],
            total=total,
            next_cursor=_encode_cursor(start + limit, query) if more else None,
        )

    # `like:` answers depend on the similarity index, which the data version does not cover.
    return await _answer(state, request, page, cacheable=query.like is None)


# --- one sample -----------------------------------------------------------------------------------
@router.get("/{sample_id}", responses=_404, response_model=SampleDetail)
async def get_sample(
    request: Request, state: State, _client: Client, sample_id: SampleId
) -> Response:
    library = await state.open_library()

    def detail() -> SampleDetail:
        record = library.record(sample_id)
        return SampleDetail(
            sample=record.sample,
            analysis=record.analysis,
            collections=list(record.collections),
            derived_from=record.derived_from,
            derivatives=list(record.derivatives),
        )

    return await _answer(state, request, detail)


@router.patch("/{sample_id}", responses=_404)
def patch_sample(state: State, _client: Client, sample_id: SampleId, patch: SamplePatch) -> Sample:
    """Tags, favourite, collections and your sample type; removals first, then additions."""
    for name in patch.names():
        if not name.strip() or len(name) > 200:
            raise ConfigError(f"{name!r} is not a valid tag or collection name")
    library = state.library
    library.get(sample_id)  # 404 before any change
    if "sample_type" in patch.model_fields_set:
        library.set_sample_type(sample_id, patch.sample_type)  # 400 before other changes
    if patch.tags_remove:
        library.untag(sample_id, patch.tags_remove)
    if patch.tags_add:
        library.tag(sample_id, patch.tags_add)
    for name in patch.collections_remove:
        library.collection_remove(name, [sample_id])
    for name in patch.collections_add:
        library.collection_add(name, [sample_id])
    if patch.favourite is not None:
        library.favourite(sample_id, patch.favourite)
    return library.get(sample_id)


@router.delete("/{sample_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_404)
def forget_sample(state: State, _client: Client, sample_id: SampleId) -> Response:
    """Remove the record (tags, favourite, collections); the file itself is never touched."""
    state.library.forget(sample_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- audio, waveform, similar ---------------------------------------------------------------------
def _etag_matches(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    wanted = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in wanted or etag in wanted


@router.get(
    "/{sample_id}/audio",
    response_class=FileResponse,
    responses={
        200: {"content": {t: {} for t in sorted(set(AUDIO_TYPES.values()))}},
        206: {"description": "The requested byte range."},
        304: {"description": "Not modified (If-None-Match)."},
        403: {"model": ErrorBody, "description": "The file is outside the library folders."},
        **_404,
    },
)
def sample_audio(state: State, _client: Client, sample_id: SampleId, request: Request) -> Response:
    """The file, with byte ranges (seeking in a player) and ETag revalidation."""
    sample, path = state.library.audio_file(sample_id)
    stat = os.stat(path)
    etag = f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if _etag_matches(request, etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    media_type = AUDIO_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return FileResponse(
        path,
        media_type=media_type,
        headers=headers,
        stat_result=stat,
        filename=sample.name,
        content_disposition_type="inline",
    )


@router.get("/{sample_id}/waveform", responses=_404, response_model=Waveform)
async def sample_waveform(
    state: State,
    _client: Client,
    sample_id: SampleId,
    request: Request,
    response: Response,
    points: Annotated[int, Query(ge=16, le=MAX_POINTS)] = 800,
) -> Response | Waveform:
    """Peaks for WaveSurfer.js (`peaks`, `duration`), computed once and cached."""
    library = state.library
    sample = await anyio.to_thread.run_sync(library.get, sample_id)
    etag = f'"w{sample.content_hash}-{points}"'
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "private, max-age=3600"
    if _etag_matches(request, etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=dict(response.headers))
    return await anyio.to_thread.run_sync(lambda: library.waveform(sample_id, points=points))


@router.get("/{sample_id}/similar", responses=_404, dependencies=[Expensive])
def similar_samples(
    state: State,
    sample_id: SampleId,
    aspect: Aspect = "overall",
    n: Annotated[int, Query(ge=1, le=200)] = 20,
    q: Annotated[str, Query(max_length=2000, description="Only samples matching this.")] = "",
) -> SimilarPage:
    reference, hits = state.library.similar(sample_id, aspect=aspect, n=n, query=q or None)
    return SimilarPage(
        reference=ReferenceOut(sample_id=reference.sample_id, label=reference.label),
        aspect=aspect,
        items=hits,
    )


@router.post(
    "/{sample_id}/midi",
    response_class=Response,
    dependencies=[Expensive],
    responses={
        200: {"content": {"audio/midi": {}}, "description": "A Standard MIDI File."},
        400: {"model": ErrorBody, "description": "A bad mode or grid."},
        403: {"model": ErrorBody, "description": "The file is outside the library folders."},
        **_404,
    },
)
def sample_midi(
    state: State,
    sample_id: SampleId,
    mode: Annotated[Literal["auto", "tonal", "drums"], Query()] = "auto",
    quantize: Annotated[
        str | None,
        Query(max_length=8, pattern=r"^1/\d{1,3}t?$", description="Grid, e.g. 1/16 or 1/8t."),
    ] = None,
) -> Response:
    """The sample transcribed to MIDI: notes with pitch bends, or a GM drum pattern on its
    analysed tempo (`mode=auto` follows its sample type, yours first)."""
    sample = state.library.get(sample_id)
    transcription, data = state.library.midi(sample_id, mode=mode, quantize=quantize)
    stem = sample.name.rsplit(".", 1)[0] or "sample"
    safe = "".join(c if (c.isascii() and c.isalnum()) or c in "-_ ." else "_" for c in stem)[:100]
    return Response(
        content=data,
        media_type="audio/midi",
        headers={
            "Content-Disposition": f'attachment; filename="{safe}.mid"',
            "X-Transcription-Mode": transcription.mode.value,
            "X-Transcription-BPM": f"{transcription.bpm:g}",
        },
    )
