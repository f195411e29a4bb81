"""Every case document renders to a PDF with its CJK fonts embedded, from templates the bureau may override,
and a template can never make the process fetch anything but ``data:`` URIs.

The PNG of each document's first page is written to tests/e2e/screenshots/documents/ (git-ignored) for a
person to look at.
"""

from __future__ import annotations

import http.server
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.factories import jpeg
from zhichao.adapters.documents.pdf import SHIPPED_DIR, render_pdf, templates_dir_setting
from zhichao.config import Settings
from zhichao.domain.document_context import document_context, photo
from zhichao.domain.documents import (
    DEFAULT_NUMBER_PATTERN,
    KIND_TITLES,
    KINDS,
    Deadlines,
    DocumentContext,
    DocumentTemplateError,
    Issuer,
    document_number,
)
from zhichao.domain.explain import explain_verdict
from zhichao.domain.judge import judge
from zhichao.domain.rulesets import get_rule_set
from zhichao.domain.vehicles import Vehicle

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("pdffonts") is None, reason="needs poppler-utils (pdffonts, pdftotext, pdftoppm)"),
]

SCREENSHOTS = Path(__file__).resolve().parents[1] / "e2e" / "screenshots" / "documents"
SHANGHAI = timezone(timedelta(hours=8))
ISSUER = Issuer(
    authority_name="绍兴市交通运输局",
    payment_instructions="持本决定书通过“浙里办”电子缴款或到绍兴市各农商银行网点缴纳罚款，缴款时注明决定书文号",
    owner_portal_url="http://127.0.0.1:8000/owner",
)
# (gross kg, kind): the LEGAL.md §2 example (60.32 t → 456 yuan); 55 t is 12.24 % over, the ≤ 20 % band.
GROSS = {"education": 55_000}
PARTIES = [
    {"role": "driver", "name": "李建国", "id_number": "330621198503150036", "phone": "13905751234",
     "address": "浙江省绍兴市柯桥区柯岩街道鉴湖路 88 号", "licence": "驾驶证 330621198503150036"},
    {"role": "owner", "name": "绍兴市柯桥区顺达物流有限公司", "id_number": "91330621MA2BC3DE4F",
     "address": "浙江省绍兴市柯桥区华舍街道纺都路 1208 号", "phone": "0575-84561234", "licence": "浙绍 330621012345"},
    {"role": "enterprise", "name": "绍兴市柯桥区顺达物流有限公司", "id_number": "91330621MA2BC3DE4F",
     "licence": "浙交运管许可绍字 330621001234 号"},
    {"role": "source", "name": "诸暨市浣东建材有限公司", "address": "浙江省诸暨市浣东街道建材路 6 号"},
]  # fmt: skip


def context_for(kind: str, *, plate: str = "") -> DocumentContext:
    """A realistic context of ``kind``: a 6-axle articulated train weighed at G104 in 柯桥区 (a non-local
    one for the transfer letter)."""
    plate = plate or ("苏E7K321" if kind == "transfer_letter" else "浙D12345")
    gross = GROSS.get(kind, 60_320)
    weights = [7_000, 10_000, 10_000, 11_000, 11_000, gross - 49_000]
    rules = get_rule_set("ZJ-2020")
    verdict = judge(Vehicle(6, gross, (1, 2, 3), "articulated_train"), rules)
    record = {
        "plate": plate, "plate_color": "yellow", "vehicle_type": "articulated_train", "axle_count": 6,
        "axle_groups": "1+2+3", "axle_weights_kg": weights, "gross_weight_kg": gross,
        "captured_at": datetime(2026, 11, 26, 5, 30, tzinfo=UTC), "rule_set": "ZJ-2020",
        "limit_kg": verdict.limit_kg, "limit_basis": verdict.limit_basis, "limit_inferred": False,
        "overload_kg": verdict.overload_kg, "overload_rate_x100": verdict.overload_rate_x100,
    }  # fmt: skip
    station = {"name": "G104 柯桥钱清超限检测站", "road": "G104", "stake": "K1587+300", "county_code": "330603",
               "direction": "往杭州方向", "cert_number": "浙量检字[2026]第0001号", "cert_valid_to": date(2027, 12, 31)}
    case = {"id": 1234, "notice_code": "K7M2Q9", "fine_yuan": verdict.fine_yuan, "decided_on": date(2026, 12, 14),
            "paid_on": date(2026, 12, 20)}
    return document_context(
        kind,
        number=document_number(DEFAULT_NUMBER_PATTERN, kind, 2026, 17),
        issued_on=date(2027, 1, 18) if kind == "reminder" else date(2026, 12, 14),
        issuer=ISSUER, case=case, record=record, station=station, parties=PARTIES,
        explanation=explain_verdict(gross, verdict.to_contract(), rules), tz=SHANGHAI,
        photos=[photo("plate", jpeg("plate", (440, 140)), "image/jpeg"),
                photo("side", jpeg("side", (1280, 720)), "image/jpeg"),
                photo("overview", jpeg("overview", (1280, 720)), "image/jpeg")],
        deadlines=Deadlines(report_due=date(2026, 12, 29), statement_due=date(2026, 12, 21),
                            payment_due=date(2026, 12, 31), court_after=date(2027, 2, 3)),
        hearing=kind == "pre_decision",
        decision_number=document_number(DEFAULT_NUMBER_PATTERN, "decision", 2026, 9),
        transfer={"region": "江苏省苏州市", "authority": "苏州市交通运输局", "long_triangle": True,
                  "transport_certificate": "苏交运管苏字 320500123456 号"},
    )  # fmt: skip


def text_of(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text without whitespace (lines of CJK text wrap anywhere; letter-spaced titles gain spaces)."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", text)


def fonts_of(pdf: bytes, tmp_path: Path) -> list[tuple[str, str]]:
    """(font name, "yes"/"no" embedded) for every font in the PDF, as pdffonts reports them."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    header = lines[0]
    emb = header.index("emb")
    return [(line.split()[0], line[emb:emb + 3].strip()) for line in lines[2:]]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_a_pdf_with_embedded_cjk_fonts_and_its_facts(kind: str, tmp_path: Path) -> None:
    ctx = context_for(kind)
    started = time.perf_counter()
    pdf = render_pdf(kind, ctx)
    elapsed = time.perf_counter() - started

    assert pdf.startswith(b"%PDF-")
    fonts = fonts_of(pdf, tmp_path)
    assert fonts and all(embedded == "yes" for _, embedded in fonts), fonts
    assert any(re.search(r"Noto-?(Serif|Sans)-?CJK", name) for name, _ in fonts), fonts
    text = text_of(pdf, tmp_path)
    assert KIND_TITLES[kind] in text
    assert ctx.number in text
    assert ctx.vehicle.plate in text
    assert ("不予行政处罚" if kind == "education" else "456元") in text
    assert any(article.citation in text for article in ctx.articles)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"{kind}.pdf").write_bytes(pdf)  # the whole document, to page through by hand
    first_page = ["-f", "1", "-l", "1", "-singlefile"]
    pdf_path = SCREENSHOTS / f"{kind}.pdf"
    subprocess.run(["pdftoppm", "-r", "80", "-png", *first_page, str(pdf_path), str(SCREENSHOTS / kind)], check=True)
    assert (SCREENSHOTS / f"{kind}.png").stat().st_size > 10_000
    print(f"{kind}: {elapsed:.2f} s, {len(pdf)} bytes")


def test_user_text_is_escaped_not_interpreted(tmp_path: Path) -> None:
    pdf = render_pdf("notice", context_for("notice", plate="<b>浙D1</b>&amp;"))
    assert "<b>浙D1</b>&amp;" in text_of(pdf, tmp_path)


def test_a_template_in_templates_dir_overrides_the_shipped_one(tmp_path: Path) -> None:
    override = tmp_path / "templates"
    override.mkdir()
    (override / "notice.html").write_text(
        '{% extends "base.html" %}{% block main %}<p>本局自定义通知正文</p>{% endblock %}', encoding="utf-8")
    text = text_of(render_pdf("notice", context_for("notice"), templates_dir=override), tmp_path)
    assert "本局自定义通知正文" in text
    assert "违法行为通知书" in text  # base.html still comes from the package


def test_the_stylesheet_can_be_overridden_too(tmp_path: Path) -> None:
    override = tmp_path / "templates"
    override.mkdir()
    css = (SHIPPED_DIR / "documents.css").read_text(encoding="utf-8")
    (override / "documents.css").write_text(css + '\n.case-ref::after { content: "样式已替换"; }\n', encoding="utf-8")
    assert "样式已替换" in text_of(render_pdf("notice", context_for("notice"), templates_dir=override), tmp_path)


@pytest.mark.parametrize(
    ("files", "named"),
    [
        ({"notice.html": '{% extends "base.html" %}{% block main %}{% if %}{% endblock %}'}, "notice.html"),
        ({"notice.html": '{% extends "base.html" %}{% block main %}{{ ctx.no_such_field }}{% endblock %}'},
         "notice.html"),
        ({"base.html": "<html>{{ ctx.title }</html>"}, "base.html"),
        ({"notice.html": '{% extends "missing_base.html" %}'}, "missing_base.html"),
        ({"notice.html": "{{ ctx.__class__.__mro__ }}"}, "notice.html"),  # the sandbox refuses internals
    ],
)
def test_a_broken_template_is_a_template_error_naming_the_file(files: dict[str, str], named: str,
                                                               tmp_path: Path) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(DocumentTemplateError) as caught:
        render_pdf("notice", context_for("notice"), templates_dir=tmp_path)
    assert caught.value.code == "template_error"
    assert named in caught.value.message


def test_a_templates_dir_that_does_not_exist_is_an_error_not_a_silent_fallback(tmp_path: Path) -> None:
    with pytest.raises(DocumentTemplateError, match="不存在") as caught:
        render_pdf("notice", context_for("notice"), templates_dir=tmp_path / "nowhere")
    assert caught.value.code == "template_error"


def test_the_unset_documents_dir_setting_means_the_shipped_templates() -> None:
    assert templates_dir_setting(Settings().documents_dir) is None
    assert templates_dir_setting(Path("/srv/templates")) == Path("/srv/templates")


@pytest.fixture
def counting_server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request it gets (there must be none)."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b'body::after { content: "FETCHED"; }')

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()


def test_a_template_cannot_reach_the_network_or_the_files(tmp_path: Path, counting_server: tuple[str, list[str]],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    attempts: list[object] = []
    real_connect = socket.socket.connect

    def spy(self: socket.socket, address: object) -> None:
        attempts.append(address)
        real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", spy)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: attempts.append(a) or [])
    base, requests = counting_server
    secret = tmp_path / "secret.css"
    secret.write_text('body::after { content: "LEAKED"; }', encoding="utf-8")
    (tmp_path / "notice.html").write_text(
        '{% extends "base.html" %}{% block main %}'
        '<link rel="stylesheet" href="' + base + '/x.css">'
        f'<link rel="stylesheet" href="{secret.as_uri()}">'
        '<style>@import url("file:///etc/passwd"); @import url("' + base + '/y.css");</style>'
        '<img src="http://example.com/x.png"><img src="file:///etc/passwd"><img src="' + base + '/z.png">'
        f'<link rel="attachment" href="{secret.as_uri()}"><a rel="attachment" href="{base}/a.txt">附件</a>'
        '<p>正文照常</p>{% endblock %}', encoding="utf-8")

    pdf = render_pdf("notice", context_for("notice"), templates_dir=tmp_path)
    text = text_of(pdf, tmp_path)

    assert "正文照常" in text
    assert b"/EmbeddedFile" not in pdf
    assert "LEAKED" not in text and "FETCHED" not in text and "root:" not in text
    assert requests == []
    assert attempts == []
