"""Small builders for test data: contract records and registered stations."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from typing import Any

import msgspec

from zhichao.bootstrap import Container
from zhichao.services.stations import add_station


def record(record_id: str = "r1", station_id: str = "S1", **changes: Any) -> dict[str, Any]:
    """A valid contract record: a 6-axle train (1+2+3) at 60 320 kg, the LEGAL.md §2 example."""
    base: dict[str, Any] = {
        "record_id": record_id, "station_id": station_id, "lane": 1,
        "captured_at": "2026-11-26T13:30:00+08:00", "plate": "浙D12345", "plate_color": "yellow",
        "speed_kmh": 62.5, "axle_count": 6,
        "axle_weights_kg": [7000, 10000, 10000, 11000, 11000, 11320], "gross_weight_kg": 60320,
        "axle_groups": "1+2+3",
    }
    base.update(changes)
    return base


def light(record_id: str, station_id: str = "S1", **changes: Any) -> dict[str, Any]:
    """A 2-axle truck well within its 18 000 kg limit."""
    values: dict[str, Any] = {"axle_count": 2, "axle_weights_kg": [4000, 8000], "gross_weight_kg": 12000,
                              "axle_groups": "1+1", "plate": "浙D5F678"}
    return record(record_id, station_id, **{**values, **changes})


def body(*records: Any) -> bytes:
    return msgspec.json.encode(list(records))


def station(c: Container, station_id: str = "S1", lanes: int = 4) -> str:
    """A registered station with a valid verification certificate for 2026–2027 and a verified speed range."""
    device = {"road": "G104", "accuracy_class": "5", "cert_number": "浙量检字[2026]第0001号",
              "cert_body": "绍兴市质量技术监督检测院", "cert_valid_from": date(2026, 1, 1),
              "cert_valid_to": date(2027, 12, 31), "speed_min_kmh": 5.0, "speed_max_kmh": 100.0}
    return add_station(c.stations, station_id, f"测试站 {station_id}", lanes, now=c.clock(), county_code="330603",
                       extra=device)


def jpeg(label: str, size: tuple[int, int] = (64, 48)) -> bytes:
    """A small real JPEG whose bytes depend on ``label`` (it is written into a JPEG comment)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (40, 44, 52)).save(out, "JPEG", quality=80, comment=label.encode())
    return out.getvalue()


def photos(record_id: str, kinds: tuple[str, ...] = ("plate", "side", "overview")) -> dict[str, bytes]:
    """The photos of one passage, by kind."""
    return {kind: jpeg(f"{record_id}/{kind}") for kind in kinds}


def image_refs(files: dict[str, bytes]) -> list[dict[str, str]]:
    return [{"kind": kind, "sha256": hashlib.sha256(data).hexdigest(), "content_type": "image/jpeg"}
            for kind, data in files.items()]


def pdf(text: str = "statement") -> bytes:
    """A small valid one-page PDF, written by hand: four objects, an exact xref table, a trailer, %%EOF."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
