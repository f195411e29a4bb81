"""Evidence storage: one port (``port.EvidenceStore``), two adapters.

- ``filesystem.FilesystemEvidenceStore``: files under ``<data_dir>/evidence`` (the default);
- ``s3.S3EvidenceStore``: an S3-compatible bucket such as MinIO (imports boto3, so import it explicitly);
- ``thumbnails``: JPEG thumbnails made once per image and cached as derived files.
"""

from zhichao.adapters.evidence.filesystem import FilesystemEvidenceStore
from zhichao.adapters.evidence.port import EvidenceStore

__all__ = ["EvidenceStore", "FilesystemEvidenceStore"]
