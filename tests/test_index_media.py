"""Preview media of a collection's items: stored durably per id, replaced and deleted with the item."""

import numpy as np
import pytest

from bindspace.index import Database, Item, MaintenanceConfig
from bindspace.index.media import MediaStore, StoredMedia


def unit(seed: int, dimension: int = 8) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(dimension).astype(np.float32)
    return vector / np.linalg.norm(vector)


@pytest.fixture()
def collection(tmp_path):
    with Database(tmp_path / "data", maintenance=MaintenanceConfig(background=False)) as db:
        yield db.create_collection("photos", 8, media="thumbnail")


def test_media_store_round_trip_and_leftover_staging_files(tmp_path) -> None:
    store = MediaStore(tmp_path / "media")
    assert store.get("a") is None and store.remove(["a"]) == 0
    store.put("albums/2024/ünïcode id", StoredMedia("image/png", b"\x89PNG\nbytes\n"))
    store.put("b", StoredMedia("audio/wav", b""))
    assert store.get("albums/2024/ünïcode id") == StoredMedia("image/png", b"\x89PNG\nbytes\n")
    assert store.get("b") == StoredMedia("audio/wav", b"")
    (tmp_path / "media" / ".staging-interrupted").write_bytes(b"half a file")
    reopened = MediaStore(tmp_path / "media")
    assert sorted(p.name.startswith(".") for p in (tmp_path / "media").iterdir()) == [False, False]
    assert reopened.remove(["b", "missing"]) == 1 and reopened.get("b") is None
    with pytest.raises(ValueError):
        store.put("c", StoredMedia("text/plain\nX-Injected: 1", b""))


def test_collection_replaces_and_deletes_media_with_its_items(collection) -> None:
    assert collection.info().media == "thumbnail" and collection.spec.media == "thumbnail"
    collection.upsert([Item("a", unit(1), "image"), Item("b", unit(2), "image")],
                      {"a": StoredMedia("image/jpeg", b"a1"), "b": StoredMedia("image/jpeg", b"b1")})
    collection.upsert([Item("a", unit(3), "image")], {"a": StoredMedia("image/jpeg", b"a2")})
    assert collection.media.get("a").data == b"a2"
    collection.upsert([Item("b", unit(4), "image")])  # replaced without media: the old preview goes
    assert collection.media.get("b") is None
    assert collection.delete(["a"]) == 1
    assert collection.media.get("a") is None
    assert list((collection.directory / "media").iterdir()) == []


def test_media_option_is_validated_and_persisted(tmp_path) -> None:
    from bindspace.index import InvalidIndexSpecError

    with Database(tmp_path / "data") as db:
        with pytest.raises(InvalidIndexSpecError, match="media must be one of none, original, thumbnail"):
            db.create_collection("bad", 8, media="everything")
        db.create_collection("kept", 8, media="original")
        db.create_collection("plain", 8)
    with Database(tmp_path / "data") as db:
        assert {c.name: c.media for c in db.list_collections()} == {"kept": "original", "plain": "none"}
