"""What makes a file acceptable as a case attachment: for now the party's written statement and defence
(陈述申辩书, 行政处罚法 Art. 45), uploaded by an officer or a leader for the party, or by the owner.

``check_attachment`` accepts a file only when

- it is not empty and at most ``MAX_ATTACHMENT_BYTES`` (10 MiB);
- its name, reduced to its base name (after the last ``/`` or ``\\``) without control characters and
  surrounding blanks, is not empty and at most ``MAX_FILENAME_CHARS`` characters;
- its bytes themselves are a PDF (``%PDF-`` first, ``%%EOF`` within the last 1 024 bytes, where readers
  look for it), a JPEG or a PNG. The name's extension and the declared content type are not trusted.

Each refusal raises ``InvalidAttachment`` with a stable ``code`` (``empty_file``, ``too_large``,
``invalid_filename``, ``unsupported_type``) and a Chinese message for the person uploading. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from zhichao.domain.errors import DomainError
from zhichao.domain.evidence import JPEG, PNG, sniff

PDF = "application/pdf"
STATEMENT = "statement"
ATTACHMENT_KINDS = {STATEMENT: "陈述申辩书"}
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_FILENAME_CHARS = 128
ACCEPTED = "PDF、JPG 或 PNG"
_PDF_TRAILER_WINDOW = 1024  # PDF readers look for %%EOF in the last 1 024 bytes


class InvalidAttachment(DomainError):
    """An attachment cannot be accepted; ``code`` says why, ``details`` holds the values compared."""

    code = "invalid_attachment"

    def __init__(self, code: str, message: str, details: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.details = details


@dataclass(frozen=True, slots=True)
class AttachmentFacts:
    filename: str
    content_type: str
    sha256: str
    size: int


def attachment_type(data: bytes) -> str | None:
    """PDF, JPEG or PNG as the bytes show it, else None."""
    if data.startswith(b"%PDF-"):
        return PDF if b"%%EOF" in data[-_PDF_TRAILER_WINDOW:] else None
    found = sniff(data)
    return found if found in (JPEG, PNG) else None


def clean_filename(name: str) -> str:
    """The base name (a browser or a script may send a whole path), without control or format characters
    (U+202E, right-to-left override, makes ``a<U+202E>fdp.exe`` read as ``aexe.pdf``)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable()).strip()


def check_attachment(filename: str, data: bytes) -> AttachmentFacts:
    """The facts of an uploaded file, or ``InvalidAttachment``."""
    if not data:
        raise InvalidAttachment("empty_file", "文件为空（0 字节），请选择要上传的文件")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise InvalidAttachment("too_large", f"文件 {len(data)} 字节，超过 10 MB（{MAX_ATTACHMENT_BYTES} 字节）的上限",
                                {"size": len(data), "max_bytes": MAX_ATTACHMENT_BYTES})
    name = clean_filename(filename)
    if not name or name in {".", ".."}:
        raise InvalidAttachment("invalid_filename", "文件名为空或无效，请重新选择文件")
    if len(name) > MAX_FILENAME_CHARS:
        raise InvalidAttachment("invalid_filename",
                                f"文件名过长（{len(name)} 个字符），最多 {MAX_FILENAME_CHARS} 个字符，请改短后重新上传",
                                {"chars": len(name), "max_chars": MAX_FILENAME_CHARS})
    content_type = attachment_type(data)
    if content_type is None:
        raise InvalidAttachment("unsupported_type", f"只接受 {ACCEPTED} 文件（按文件内容判断，与扩展名无关）；"
                                "该文件不是完整的 PDF、JPG 或 PNG 文件", {"head": data[:8].hex(" ")})
    return AttachmentFacts(name, content_type, hashlib.sha256(data).hexdigest(), len(data))
