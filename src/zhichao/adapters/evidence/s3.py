"""Evidence in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW…): key ``evidence/ab/<sha256>``.

No overwrite: ``put`` first asks ``HEAD`` (a resend then costs no upload), then writes with
``If-None-Match: *``, so that of two writers racing on the same hash the server stores the first and
answers 412 PreconditionFailed to the other, which reports False. Servers without conditional writes
either refuse the header (501 NotImplemented / 400): the adapter then falls back to HEAD-then-PUT for
the rest of its life; or ignore it silently: configure ``conditional_writes=False`` for those. Without
conditional writes two racing writers of one hash may both write, the same bytes by construction, so
the content is unchanged; a bucket with versioning or object lock keeps every version in any case.
Each object carries its content type, its SHA-256 as metadata and as ``x-amz-checksum-sha256``, which
the server verifies on upload. Derived files (thumbnails) go under ``derived/`` and may be replaced.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from zhichao.adapters.evidence.port import checked_content, checked_derived_name, checked_key

_ABSENT = {"404", "NoSuchKey", "NotFound"}
_UNSUPPORTED = {"NotImplemented", "501"}
_CONFLICT_RETRIES = 3  # AWS answers 409 ConditionalRequestConflict while a racing write is in flight


def s3_client(endpoint_url: str | None, access_key: str, secret_key: str, region: str) -> Any:
    """A boto3 S3 client with path-style addressing (``http://host:9000/bucket/key``), as MinIO needs.
    Empty keys leave the credentials to boto3's own chain (environment, instance role)."""
    config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 5, "mode": "standard"},
                    connect_timeout=5, read_timeout=60)
    return boto3.client("s3", endpoint_url=endpoint_url or None, aws_access_key_id=access_key or None,
                        aws_secret_access_key=secret_key or None, region_name=region, config=config)


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class S3EvidenceStore:
    """`client` is a boto3 S3 client (see ``s3_client``). `conditional_writes`: None to detect (use
    ``If-None-Match`` until the server refuses it), False for servers known to ignore it."""

    def __init__(self, client: Any, bucket: str, conditional_writes: bool | None = None) -> None:
        self.client = client
        self.bucket = bucket
        self.conditional_writes = conditional_writes is not False

    @staticmethod
    def key_of(sha256: str) -> str:
        key = checked_key(sha256)
        return f"evidence/{key[:2]}/{key}"

    def put(self, sha256: str, data: bytes, content_type: str) -> bool:
        checked_content(sha256, data)
        for _ in range(_CONFLICT_RETRIES):
            if self.exists(sha256):
                return False
            try:
                self._put_once(sha256, data, content_type)
                return True
            except ClientError as error:
                code = _error_code(error)
                if code == "PreconditionFailed":
                    return False  # another writer stored it between our HEAD and our PUT
                if code not in ("ConditionalRequestConflict", "OperationAborted"):
                    raise
        raise RuntimeError(f"evidence {sha256}: the server kept reporting conflicting writes")

    def _put_once(self, sha256: str, data: bytes, content_type: str) -> None:
        arguments: dict[str, Any] = {
            "Bucket": self.bucket, "Key": self.key_of(sha256), "Body": data, "ContentType": content_type,
            "Metadata": {"sha256": sha256},
            "ChecksumSHA256": base64.b64encode(hashlib.sha256(data).digest()).decode("ascii"),
        }
        if not self.conditional_writes:
            self.client.put_object(**arguments)
            return
        try:
            self.client.put_object(IfNoneMatch="*", **arguments)
        except ClientError as error:
            if _error_code(error) not in _UNSUPPORTED:
                raise
            self.conditional_writes = False  # this server cannot; HEAD-then-PUT from now on
            self.client.put_object(**arguments)

    def get(self, sha256: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.key_of(sha256))
        except ValueError:
            raise KeyError(sha256) from None
        except ClientError as error:
            if _error_code(error) in _ABSENT:
                raise KeyError(sha256) from None
            raise
        return bytes(response["Body"].read())

    def exists(self, sha256: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key_of(sha256))
        except ValueError:
            return False
        except ClientError as error:
            if _error_code(error) in _ABSENT:
                return False
            raise
        return True

    def put_derived(self, name: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=f"derived/{checked_derived_name(name)}", Body=data,
                               ContentType=content_type)

    def get_derived(self, name: str) -> bytes | None:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=f"derived/{checked_derived_name(name)}")
        except ClientError as error:
            if _error_code(error) in _ABSENT:
                return None
            raise
        return bytes(response["Body"].read())
