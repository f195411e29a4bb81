"""The evidence store's contract, the same tests on every adapter: real files in a temporary directory,
and a real S3-compatible server on 127.0.0.1 (moto's ThreadedMotoServer: an HTTP server, not a mock),
both with conditional writes (``If-None-Match: *``) and with the HEAD-then-PUT fallback."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import socket
import struct
import threading
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from moto.server import ThreadedMotoServer
from PIL import Image

from zhichao.adapters.evidence import EvidenceStore, FilesystemEvidenceStore
from zhichao.adapters.evidence.s3 import S3EvidenceStore, s3_client
from zhichao.adapters.evidence.thumbnails import make_thumbnail, thumbnail_for, thumbnail_name
from zhichao.domain.evidence import InvalidEvidence

ADAPTERS = ["filesystem", "s3", "s3-head-only"]


@dataclass
class Backend:
    store: EvidenceStore
    plant: Callable[[str, bytes], None]  # put an object at a hash's place behind the adapter's back
    keys: Callable[[], list[str]]  # every stored name, temporary files included


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def filesystem_backend(root: Path) -> Backend:
    store = FilesystemEvidenceStore(root / "evidence")

    def plant(sha: str, data: bytes) -> None:
        store.path_of(sha).parent.mkdir(parents=True, exist_ok=True)
        store.path_of(sha).write_bytes(data)

    def keys() -> list[str]:
        return sorted(str(p.relative_to(store.root)) for p in store.root.rglob("*") if p.is_file())

    return Backend(store, plant, keys)


def s3_backend(endpoint: str, conditional: bool) -> Backend:
    client = s3_client(endpoint, "zhichao-test", "zhichao-test-secret", "us-east-1")
    bucket = f"evidence-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    store = S3EvidenceStore(client, bucket, conditional_writes=None if conditional else False)

    def plant(sha: str, data: bytes) -> None:
        client.put_object(Bucket=bucket, Key=store.key_of(sha), Body=data)

    def keys() -> list[str]:
        return sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", []))

    return Backend(store, plant, keys)


@pytest.fixture(params=ADAPTERS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "filesystem":
        return filesystem_backend(tmp_path)
    return s3_backend(request.getfixturevalue("s3_endpoint"), conditional=request.param == "s3")


def jpeg(width: int = 640, height: int = 360, colour: tuple[int, int, int] = (40, 50, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the store ---

def test_stored_evidence_comes_back_byte_for_byte(backend: Backend) -> None:
    data = jpeg()
    assert backend.store.put(sha(data), data, "image/jpeg") is True
    assert backend.store.exists(sha(data))
    assert hashlib.sha256(backend.store.get(sha(data))).hexdigest() == sha(data)


def test_a_second_put_of_the_same_hash_answers_false_and_stores_nothing_new(backend: Backend) -> None:
    data = jpeg()
    assert backend.store.put(sha(data), data, "image/jpeg") is True
    before = backend.keys()
    assert backend.store.put(sha(data), data, "image/jpeg") is False
    assert backend.keys() == before and len(before) == 1


def test_an_object_already_at_the_key_is_kept_as_is(backend: Backend) -> None:
    data = jpeg()
    backend.plant(sha(data), b"what was there first")
    assert backend.store.put(sha(data), data, "image/jpeg") is False
    assert backend.store.get(sha(data)) == b"what was there first"


def test_bytes_are_never_filed_under_a_hash_that_is_not_theirs(backend: Backend) -> None:
    with pytest.raises(ValueError, match="hash"):
        backend.store.put(sha(b"something else"), jpeg(), "image/jpeg")
    with pytest.raises(ValueError):
        backend.store.put("../" + "a" * 61, b"x", "image/jpeg")
    assert backend.keys() == []


def test_absent_evidence_raises_key_error(backend: Backend) -> None:
    with pytest.raises(KeyError):
        backend.store.get(sha(b"never stored"))
    with pytest.raises(KeyError):
        backend.store.get("not a hash")
    assert not backend.store.exists(sha(b"never stored"))


def test_derived_files_round_trip_and_may_be_replaced(backend: Backend) -> None:
    name = thumbnail_name(sha(b"x"))
    assert backend.store.get_derived(name) is None
    backend.store.put_derived(name, b"first", "image/jpeg")
    backend.store.put_derived(name, b"second", "image/jpeg")
    assert backend.store.get_derived(name) == b"second"
    with pytest.raises(ValueError):
        backend.store.put_derived("../escape", b"x", "image/jpeg")


def test_concurrent_puts_of_one_object_leave_one_copy(backend: Backend) -> None:
    data = jpeg(colour=(90, 20, 20))
    threads_n = 8
    barrier, answers = threading.Barrier(threads_n), []

    def put() -> None:
        barrier.wait()
        answers.append(backend.store.put(sha(data), data, "image/jpeg"))

    threads = [threading.Thread(target=put) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == threads_n
    assert len(backend.keys()) == 1  # no second copy, no temporary file left behind
    assert sha(backend.store.get(sha(data))) == sha(data)
    if isinstance(backend.store, FilesystemEvidenceStore):
        assert answers.count(True) == 1  # os.link admits one writer
    else:
        # S3 and MinIO settle If-None-Match atomically, but moto checks and stores without a lock, and
        # HEAD-then-PUT leaves a window by design: racing writers may each write the same bytes.
        # That only one conditional write wins is shown deterministically by the next test.
        assert answers.count(True) >= 1


class LateHeadStore(S3EvidenceStore):
    """A store whose HEAD always comes too late: another writer stores the object right after it."""

    def exists(self, sha256: str) -> bool:
        return False


def test_a_conditional_write_loses_to_the_object_already_there(s3_endpoint: str) -> None:
    backend = s3_backend(s3_endpoint, conditional=True)
    assert isinstance(backend.store, S3EvidenceStore)
    store = LateHeadStore(backend.store.client, backend.store.bucket)
    data = jpeg()
    backend.plant(sha(data), b"what was there first")
    assert store.put(sha(data), data, "image/jpeg") is False  # 412 PreconditionFailed
    assert store.conditional_writes and store.get(sha(data)) == b"what was there first"


def test_s3_objects_carry_their_type_and_hash(s3_endpoint: str) -> None:
    backend = s3_backend(s3_endpoint, conditional=True)
    assert isinstance(backend.store, S3EvidenceStore)
    data = jpeg()
    backend.store.put(sha(data), data, "image/jpeg")
    head: dict[str, Any] = backend.store.client.head_object(Bucket=backend.store.bucket, Key=f"evidence/"
                                                            f"{sha(data)[:2]}/{sha(data)}")
    assert (head["ContentType"], head["Metadata"]) == ("image/jpeg", {"sha256": sha(data)})


def test_evidence_files_are_read_only(tmp_path: Path) -> None:
    store = FilesystemEvidenceStore(tmp_path / "evidence")
    data = jpeg()
    store.put(sha(data), data, "image/jpeg")
    path = store.path_of(sha(data))
    assert path == tmp_path / "evidence" / sha(data)[:2] / sha(data)[2:4] / sha(data)
    assert os.stat(path).st_mode & 0o777 == 0o444


# --- thumbnails ---

def bomb_png() -> bytes:
    """A PNG whose header claims 100 000 × 100 000 pixels (10 gigapixels) in a few bytes."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b""))
            + chunk(b"IEND", b""))


def test_a_thumbnail_is_made_once_then_served_from_the_cache(backend: Backend) -> None:
    data = jpeg(1280, 720)
    backend.store.put(sha(data), data, "image/jpeg")
    thumbnail = thumbnail_for(backend.store, sha(data))
    assert thumbnail is not None
    with Image.open(io.BytesIO(thumbnail)) as image:
        assert (image.format, image.size) == ("JPEG", (320, 180))
    assert backend.store.get_derived(thumbnail_name(sha(data))) == thumbnail


def test_a_cached_thumbnail_is_not_rendered_again(backend: Backend) -> None:
    data = jpeg()
    backend.store.put(sha(data), data, "image/jpeg")
    backend.store.put_derived(thumbnail_name(sha(data)), b"sentinel", "image/jpeg")
    assert thumbnail_for(backend.store, sha(data)) == b"sentinel"


def test_a_decompression_bomb_gets_no_thumbnail(backend: Backend) -> None:
    data = bomb_png()
    backend.store.put(sha(data), data, "image/png")
    with pytest.raises(InvalidEvidence) as raised:
        thumbnail_for(backend.store, sha(data))
    assert raised.value.code == "too_many_pixels"
    assert backend.store.get_derived(thumbnail_name(sha(data))) is None


def test_an_image_over_a_lower_limit_is_refused_before_decoding() -> None:
    with pytest.raises(InvalidEvidence, match="640×360"):
        make_thumbnail(jpeg(), max_pixels=100_000)


def test_a_video_gets_no_thumbnail(backend: Backend) -> None:
    video = struct.pack(">I", 20) + b"ftypisom\x00\x00\x02\x00isom" + struct.pack(">I", 8) + b"mdat"
    backend.store.put(sha(video), video, "video/mp4")
    assert thumbnail_for(backend.store, sha(video)) is None


def test_the_thumbnail_of_absent_evidence_raises_key_error(backend: Backend) -> None:
    with pytest.raises(KeyError):
        thumbnail_for(backend.store, sha(b"never stored"))
