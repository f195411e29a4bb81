"""The evidence disk full, on a real server and both databases: the evidence directory is a 2 MB tmpfs.

The upload that does not fit is answered 507 ``evidence_storage_full`` with a Chinese message and leaves
nothing behind: no temporary or partial file, no ``evidence`` row, the record's flags as they were, the
earlier files intact. A thumbnail that cannot be cached is still served. Once space is freed the same
upload succeeds and is stored once (docs/deployment.md, "Faults")."""

from __future__ import annotations

import hashlib
import io
import os
import random
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import select

from tests.e2e.mqtt_helpers import wait_for
from tests.factories import body, record, station
from tests.servers import ServerProcess
from zhichao.adapters.db.tables import evidence, record_flags
from zhichao.adapters.evidence.filesystem import FilesystemEvidenceStore
from zhichao.bootstrap import Container, build
from zhichao.config import Settings
from zhichao.services.auth import add_user

KINDS = ("plate", "front", "side", "rear", "overview")
FILLER_BYTES = 1024 * 1024  # of the 2 MB: five photos of ~300 KB cannot all fit, the first always does


def noisy_jpeg(seed: int) -> bytes:
    """A 640 × 480 JPEG of noise (~300 KB: noise does not compress)."""
    pixels = random.Random(seed).randbytes(640 * 480 * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (640, 480), pixels).save(out, "JPEG", quality=92)
    return out.getvalue()


@pytest.fixture
def small_disk(settings: Settings) -> Iterator[Path]:
    """The evidence directory (``<data_dir>/evidence``) on a 2 MB tmpfs, unmounted at the end."""
    root = settings.data_dir / "evidence"
    root.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs for the evidence directory needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", str(root)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield root
    finally:
        if subprocess.run(["umount", str(root)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(root)], capture_output=True)


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def fill(path: Path) -> None:
    """Write to `path` until the file system has no room left."""
    with path.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 4096)
        except OSError:
            pass


class Station:
    def __init__(self, c: Container, url: str) -> None:
        self.c, self.http = c, httpx.Client(base_url=url, timeout=30)
        self.token = station(c, "S1")
        self.reader = add_user(c.users, c.hasher, "reviewer1", "reviewer", now=c.clock())[2]

    def upload(self, record_id: str, data: bytes) -> httpx.Response:
        sha = hashlib.sha256(data).hexdigest()
        return self.http.put(f"/api/v1/stations/S1/records/{record_id}/evidence/{sha}", content=data,
                             headers={"Authorization": f"Bearer {self.token}", "Content-Type": "image/jpeg"})

    def get(self, path: str) -> httpx.Response:
        return self.http.get(path, headers={"Authorization": f"Bearer {self.reader}"})

    def rows(self) -> tuple[list[str], list[Any]]:
        with self.c.db.reader.connect() as conn:
            shas = conn.execute(select(evidence.c.sha256).where(evidence.c.record_id == "r1")).scalars().all()
            flags = conn.execute(select(record_flags).where(record_flags.c.record_id == "r1")
                                 .order_by(record_flags.c.code)).all()
        return list(shas), [tuple(f) for f in flags]


def test_an_upload_that_does_not_fit_is_507_and_leaves_nothing_until_space_is_freed(
        settings: Settings, small_disk: Path) -> None:
    c = build(settings)
    photos = {kind: noisy_jpeg(i) for i, kind in enumerate(KINDS)}
    shas = {kind: hashlib.sha256(data).hexdigest() for kind, data in photos.items()}
    filler = small_disk / "filler.bin"
    filler.write_bytes(b"\0" * FILLER_BYTES)
    log: list[str] = []
    with ServerProcess(settings) as server:
        assert server.proc is not None and server.proc.stderr is not None
        stderr = server.proc.stderr
        threading.Thread(target=lambda: log.extend(line.decode(errors="replace") for line in stderr),
                         daemon=True).start()
        desk = Station(c, server.url)
        refs = [{"kind": k, "sha256": shas[k], "content_type": "image/jpeg"} for k in KINDS]
        answer = desk.http.post("/api/v1/stations/S1/records", content=body(record("r1", "S1", images=refs)),
                                headers={"Authorization": f"Bearer {desk.token}"})
        assert answer.status_code == 200 and answer.json()["accepted"] == 1

        stored: list[str] = []
        for kind in KINDS:
            before = desk.rows()
            answer = desk.upload("r1", photos[kind])
            if answer.status_code != 200:
                break
            stored.append(kind)
        else:
            pytest.fail("the disk never filled: the photos are too small for the test")
        assert stored, "the first photo must fit"
        assert answer.status_code == 507, answer.text
        error = answer.json()["error"]
        assert error["code"] == "evidence_storage_full"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])
        full = kind

        # nothing half-written: the store holds the earlier files and nothing else
        store = FilesystemEvidenceStore(small_disk)
        kept = {str(store.path_of(shas[k]).relative_to(small_disk)) for k in stored}
        assert files_under(small_disk) == kept | {"filler.bin"}
        assert desk.rows() == before, "no evidence row for the failed file, the record's flags unchanged"
        assert sorted(desk.rows()[0]) == sorted(shas[k] for k in stored)
        assert desk.get(f"/api/v1/evidence/{shas[full]}").status_code == 404
        for k in stored:
            assert desk.get(f"/api/v1/evidence/{shas[k]}").content == photos[k]

        # a thumbnail that cannot be cached is still made and served
        fill(small_disk / "topup.bin")
        thumb = desk.get(f"/api/v1/evidence/{shas[stored[0]]}/thumbnail")
        assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
        assert files_under(small_disk) == kept | {"filler.bin", "topup.bin"}, "no cached or temporary file"
        wait_for(lambda: any("not cached" in line for line in log), 10, "the log line of the uncached thumbnail")

        # space freed: the same upload now succeeds, once
        filler.unlink()
        (small_disk / "topup.bin").unlink()
        again = desk.upload("r1", photos[full])
        assert again.status_code == 200 and again.json()["stored"] is True, again.text
        resent = desk.upload("r1", photos[full])
        assert resent.status_code == 200 and resent.json()["stored"] is False
        assert desk.get(f"/api/v1/evidence/{shas[full]}").content == photos[full]
        assert desk.rows()[0].count(shas[full]) == 1
        assert files_under(small_disk) == kept | {str(store.path_of(shas[full]).relative_to(small_disk))}
        desk.http.close()
    c.close()
