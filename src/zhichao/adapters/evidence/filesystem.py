"""Evidence as files under a root directory (``<data_dir>/evidence``): ``ab/cd/<sha256>``, read-only.

No overwrite, even between processes: the bytes go to a temporary file in the target directory, are
fsynced and made read-only, and are then published with ``os.link``, which fails with FileExistsError
when the name exists, so a second writer of the same hash (a resend, or a race) can never replace or
expose a half-written file. The directory is fsynced after the link so the new name survives a crash.
The content type is not kept here: it is determined from the bytes and the database records it.
Derived files (thumbnails) live under ``<root>/derived/`` and are replaced atomically (``os.replace``).
A full disk (or quota) raises ``InsufficientStorage`` (``evidence_storage_full``, 507) after the temporary
file is removed: nothing of the file is left under the root.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from zhichao.adapters.evidence.port import checked_content, checked_derived_name, checked_key
from zhichao.services.errors import InsufficientStorage

READ_ONLY = 0o444
_NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT})


class FilesystemEvidenceStore:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path_of(self, sha256: str) -> Path:
        key = checked_key(sha256)
        return self.root / key[:2] / key[2:4] / key

    def put(self, sha256: str, data: bytes, content_type: str) -> bool:
        checked_content(sha256, data)
        path = self.path_of(sha256)
        if path.exists():
            return False
        with _room_checked():
            _make_dirs(path.parent, self.root)
            temporary = _write_temporary(path.parent, data, READ_ONLY)
            try:
                os.link(temporary, path)
            except FileExistsError:
                return False  # another writer got there first; its file is the evidence
            finally:
                os.unlink(temporary)
            _fsync_dir(path.parent)
        return True

    def get(self, sha256: str) -> bytes:
        try:
            return self.path_of(sha256).read_bytes()
        except (FileNotFoundError, ValueError):
            raise KeyError(sha256) from None

    def exists(self, sha256: str) -> bool:
        try:
            return self.path_of(sha256).is_file()
        except ValueError:
            return False

    def put_derived(self, name: str, data: bytes, content_type: str) -> None:
        path = self.root / "derived" / checked_derived_name(name)
        with _room_checked():
            _make_dirs(path.parent, self.root)
            temporary = _write_temporary(path.parent, data, 0o644)
            try:
                os.replace(temporary, path)
            except BaseException:
                os.unlink(temporary)
                raise

    def get_derived(self, name: str) -> bytes | None:
        try:
            return (self.root / "derived" / checked_derived_name(name)).read_bytes()
        except FileNotFoundError:
            return None


@contextlib.contextmanager
def _room_checked() -> Iterator[None]:
    """Turn a full disk or an exhausted quota into the service's error (the caller has cleaned up)."""
    try:
        yield
    except OSError as error:
        if error.errno in _NO_ROOM:
            raise InsufficientStorage("evidence_storage_full",
                                      "证据存储空间已满，文件未保存；请联系管理员清理或扩容后重新上传") from error
        raise


def _write_temporary(directory: Path, data: bytes, mode: int) -> str:
    """A new, fsynced file holding `data` in `directory` (same file system as the final name)."""
    fd, name = tempfile.mkstemp(dir=directory, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fchmod(file.fileno(), mode)
            os.fsync(file.fileno())
    except BaseException:
        os.unlink(name)
        raise
    return name


def _make_dirs(directory: Path, root: Path) -> None:
    """Create `directory` and its missing parents, fsyncing each parent that gains an entry."""
    if directory.is_dir():
        return
    if directory != root:
        _make_dirs(directory.parent, root)
    with contextlib.suppress(FileExistsError):
        directory.mkdir(parents=directory == root)
        _fsync_dir(directory.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
