"""The check of an uploaded statement file (domain/attachments.py) as a table: real small files, and files
that only look like one by their name."""

from __future__ import annotations

import hashlib

import pytest

from tests.factories import jpeg, pdf
from tests.unit.test_evidence_checks import png
from zhichao.domain.attachments import (
    MAX_ATTACHMENT_BYTES,
    AttachmentFacts,
    InvalidAttachment,
    check_attachment,
    clean_filename,
)

PDF_FILE, JPEG_FILE, PNG_FILE = pdf("statement"), jpeg("statement"), png()
BIG_PDF = b"%PDF-1.4\n" + b"0" * (MAX_ATTACHMENT_BYTES - 16) + b"\n%%EOF\n"  # exactly at the limit


@pytest.mark.parametrize(("filename", "data", "kept_as", "content_type"), [
    ("陈述申辩书.pdf", PDF_FILE, "陈述申辩书.pdf", "application/pdf"),
    ("scan.JPG", JPEG_FILE, "scan.JPG", "image/jpeg"),
    ("photo.png", PNG_FILE, "photo.png", "image/png"),
    ("statement", PDF_FILE, "statement", "application/pdf"),  # the bytes decide, not the extension
    ("scan.pdf", JPEG_FILE, "scan.pdf", "image/jpeg"),
    ("big.pdf", BIG_PDF, "big.pdf", "application/pdf"),
    ("C:\\Users\\张三\\Desktop\\申辩.pdf", PDF_FILE, "申辩.pdf", "application/pdf"),
    ("../../etc/passwd.pdf", PDF_FILE, "passwd.pdf", "application/pdf"),
    ("  申辩\x00\x1b[31m\u202e.pdf  ", PDF_FILE, "申辩[31m.pdf", "application/pdf"),
    ("x" * 124 + ".pdf", PDF_FILE, "x" * 124 + ".pdf", "application/pdf"),
])  # fmt: skip
def test_an_acceptable_file_is_described_by_its_own_bytes(filename: str, data: bytes, kept_as: str,
                                                           content_type: str) -> None:
    facts = check_attachment(filename, data)
    assert facts == AttachmentFacts(kept_as, content_type, hashlib.sha256(data).hexdigest(), len(data))


@pytest.mark.parametrize(("filename", "data", "code", "words"), [
    ("statement.pdf", "我对处罚有异议。".encode(), "unsupported_type", "只接受 PDF、JPG 或 PNG 文件"),
    ("statement.pdf", PDF_FILE.replace(b"%%EOF", b"%%END"), "unsupported_type", "不是完整的"),
    ("statement.pdf", PDF_FILE[:200], "unsupported_type", "不是完整的"),  # cut off: no %%EOF
    ("statement.pdf", b"%PDF-1.4\n" + b"0" * 2000 + b"\n%%EOF\n" + b"0" * 2000, "unsupported_type", "PDF"),
    ("clip.gif", b"GIF89a" + b"\x00" * 32, "unsupported_type", "按文件内容判断"),
    ("empty.pdf", b"", "empty_file", "文件为空"),
    ("big.pdf", BIG_PDF + b"0", "too_large", "超过 10 MB"),
    ("", PDF_FILE, "invalid_filename", "文件名为空"),
    ("C:\\scans\\", PDF_FILE, "invalid_filename", "文件名为空"),
    ("\x00\x01\x7f", PDF_FILE, "invalid_filename", "文件名为空"),
    ("..", PDF_FILE, "invalid_filename", "文件名为空"),
    ("x" * 125 + ".pdf", PDF_FILE, "invalid_filename", "最多 128 个字符"),
])  # fmt: skip
def test_a_file_that_cannot_be_accepted_is_refused_with_a_stable_code(filename: str, data: bytes, code: str,
                                                                     words: str) -> None:
    with pytest.raises(InvalidAttachment) as refused:
        check_attachment(filename, data)
    assert refused.value.code == code and words in refused.value.message


def test_the_size_check_comes_before_anything_is_read_of_a_big_file() -> None:
    with pytest.raises(InvalidAttachment) as refused:
        check_attachment("", b"x" * (MAX_ATTACHMENT_BYTES + 1))
    assert refused.value.code == "too_large"
    assert refused.value.details == {"size": MAX_ATTACHMENT_BYTES + 1, "max_bytes": MAX_ATTACHMENT_BYTES}


def test_only_the_base_name_is_kept() -> None:
    assert clean_filename("/tmp/uploads/a b.pdf") == "a b.pdf"
    assert clean_filename("a\\b/c.png") == "c.png"
