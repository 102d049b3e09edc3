"""``/api/collections``: named, ordered sets of samples (kits in the making)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Response, status

from samplemind.api.deps import Client, State
from samplemind.api.schemas import CollectionCreate, ErrorBody
from samplemind.domain.library import Collection, Sample

__all__ = ["router"]

router = APIRouter(prefix="/api/collections", tags=["collections"])

CollectionName = Annotated[str, Path(min_length=1, max_length=200, pattern=r"\S")]
_404: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such collection."}
}


@router.get("")
def list_collections(state: State, _client: Client) -> list[Collection]:
    return state.library.collections()


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        404: {"model": ErrorBody, "description": "An unknown sample id (nothing created)."},
        409: {"model": ErrorBody, "description": "A collection has that name."},
    },
)
def create_collection(
    state: State, _client: Client, body: CollectionCreate, response: Response
) -> Collection:
    collection = state.library.create_collection(body.name.strip(), body.sample_ids)
    response.headers["Location"] = f"/api/collections/{quote(collection.name, safe='')}"
    return collection


@router.get("/{name}", responses=_404)
def collection_samples(state: State, _client: Client, name: CollectionName) -> list[Sample]:
    """The collection's samples in the order they were added."""
    return state.library.collection_samples(name)


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT, responses=_404)
def delete_collection(state: State, _client: Client, name: CollectionName) -> Response:
    """Delete the collection (its samples stay in the library)."""
    state.library.collection_delete(name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
