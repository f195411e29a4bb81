"""A case document as PDF: a Jinja2 HTML template and one stylesheet, laid out by WeasyPrint.

Templates ship in ``zhichao/data/documents/`` (``<kind>.html``, ``base.html``, ``documents.css``). With
``templates_dir`` (setting ``documents_dir``), a file there of the same name replaces the shipped one, so
the bureau edits copies and never the package. Templates run in Jinja2's sandbox with autoescaping and
strict undefined values: a misspelt field is an error, not a blank in an official document.

The platform runs on a closed network, and a template must never make it reach anything: WeasyPrint gets
a URL fetcher that serves ``data:`` URIs only (the photos are embedded as such) and refuses every other
URL (http, file, …), which WeasyPrint then leaves out of the page. Fonts come from fontconfig
(Noto Serif CJK SC, per documents.css); WeasyPrint embeds the subset each document uses.

A missing or broken template raises ``DocumentTemplateError`` (code ``template_error``) naming the file.
"""

from __future__ import annotations

import base64
import binascii
import traceback
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote_to_bytes

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from zhichao.domain.documents import NO_CASH, DocumentContext, DocumentTemplateError, check_kind, cn_date, yuan_in_words
from zhichao.domain.parties import PARTY_ROLES

SHIPPED_DIR = Path(__file__).resolve().parents[2] / "data" / "documents"
STYLESHEET = "documents.css"


class DataOnlyFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type information
    """Serves ``data:`` URIs from their own bytes; refuses every other URL without opening anything."""

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        if not url.lower().startswith("data:"):
            raise ValueError(f"文书模板只能引用 data: 资源，已拒绝 {url[:80]}")
        header, comma, payload = url[5:].partition(",")
        if not comma:
            raise ValueError("data: URI without a comma")
        params = header.split(";")
        media_type = ";".join(p for p in params if p.lower() != "base64") or "text/plain;charset=US-ASCII"
        body = unquote_to_bytes(payload)
        if any(p.lower() == "base64" for p in params[1:]):
            try:
                body = base64.b64decode(body, validate=True)
            except binascii.Error as error:
                raise ValueError(f"data: URI with bad base64: {error}") from None
        return URLFetcherResponse(url, body, {"Content-Type": media_type})


def tonnes(kg: int) -> str:
    """60 320 → "60.32" (as domain/explain.py writes tonnes)."""
    return f"{kg / 1000:.3f}".rstrip("0").rstrip(".")


def or_dash(value: object) -> object:
    return value if value not in (None, "") else "—"


def sandboxed_environment(templates_dir: Path | None) -> SandboxedEnvironment:
    """The shipped templates (``data/documents/``), each overridable by a file of the same name in
    ``templates_dir``; sandboxed, escaped, and strict about undefined names."""
    shipped = jinja2.FileSystemLoader(SHIPPED_DIR, encoding="utf-8")
    loader: jinja2.BaseLoader = shipped
    if templates_dir is not None:
        loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(templates_dir, encoding="utf-8"), shipped])
    return SandboxedEnvironment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                                trim_blocks=True, lstrip_blocks=True)


@lru_cache(maxsize=8)
def _environment(templates_dir: Path | None) -> SandboxedEnvironment:
    env = sandboxed_environment(templates_dir)
    env.filters.update(cn_date=cn_date, tonnes=tonnes, yuan_words=yuan_in_words, or_dash=or_dash)
    env.globals.update(NO_CASH=NO_CASH, PARTY_ROLES=PARTY_ROLES)
    return env


def _where(error: BaseException, default: str) -> str:
    """The template file and line where ``error`` happened ("base.html 第 12 行"). Syntax errors carry them;
    for errors while rendering, Jinja2 puts the template's frames into the traceback."""
    name, line = getattr(error, "filename", None) or getattr(error, "name", None), getattr(error, "lineno", None)
    if not name:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith((".html", ".css"))]
        if frames:
            name, line = frames[-1].filename, frames[-1].lineno
    where = Path(name).name if isinstance(name, str) and name else default
    return f"{where} 第 {line} 行" if line else where


def _template_error(error: Exception, default: str) -> DocumentTemplateError:
    if isinstance(error, jinja2.TemplateNotFound):
        return DocumentTemplateError(f"文书模板 {Path(error.name or default).name} 不存在")
    if isinstance(error, jinja2.TemplateSyntaxError):
        return DocumentTemplateError(f"文书模板 {_where(error, default)}：语法错误（{error.message}）")
    return DocumentTemplateError(f"文书模板 {_where(error, default)}：渲染失败（{error}）")


def templates_dir_setting(value: Path) -> Path | None:
    """The ``documents_dir`` setting as ``render_pdf`` takes it: unset (``Path("")``, which is ".") is None."""
    return None if value == Path("") else value


def render_html(kind: str, context: DocumentContext, *, templates_dir: Path | None = None) -> tuple[str, str]:
    """The document's HTML and its stylesheet's text, from the templates (``templates_dir`` first).

    A ``templates_dir`` that is not a directory is an error rather than a silent fallback to the shipped
    templates: the bureau would otherwise issue documents it believes it changed."""
    name = f"{check_kind(kind)}.html"
    if templates_dir is not None and not templates_dir.is_dir():
        raise DocumentTemplateError(f"文书模板目录 {templates_dir} 不存在")
    env = _environment(templates_dir)
    try:
        html = env.get_template(name).render(ctx=context)
        assert env.loader is not None
        css, _, _ = env.loader.get_source(env, STYLESHEET)
    # TypeError … LookupError: raised by a filter, a test or a method the template called
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError, LookupError) as error:
        raise _template_error(error, name) from error
    return html, css


def render_pdf(kind: str, context: DocumentContext, *, templates_dir: Path | None = None) -> bytes:
    """The PDF of document ``kind`` for ``context``: A4, fonts embedded, nothing fetched but ``data:`` URIs."""
    html, css = render_html(kind, context, templates_dir=templates_dir)
    fetcher = DataOnlyFetcher()
    stylesheet = CSS(string=css, url_fetcher=fetcher)
    pdf: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[stylesheet])
    return pdf
