"""Render documents to PDF with WeasyPrint, offline.

Documents never fetch anything from the network: the URL fetcher only reads
``data:`` URLs and files under the project's asset folders. Rendering cannot
hang on an unreachable host, and text written by editors (course pages,
legal texts) cannot pull a server file into a PDF, e.g. as an attachment.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from enrolments.documents.context import contract_context, contract_language, invoice_context
from enrolments.models import Enrolment, Invoice

__all__ = ["contract_context", "contract_pdf", "invoice_pdf", "render_pdf"]

DOCUMENTS_TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates" / "documents"


def _asset_roots() -> list[Path]:
    roots = [DOCUMENTS_TEMPLATE_DIR, Path(settings.STATIC_ROOT)]
    roots += [Path(entry[1] if isinstance(entry, tuple) else entry) for entry in settings.STATICFILES_DIRS]
    return [root.resolve() for root in roots]


class LocalAssetFetcher(URLFetcher):
    """Fetches ``data:`` URLs and ``file:`` URLs under ``roots``; refuses everything else."""

    def __init__(self, roots: list[Path]) -> None:
        super().__init__(timeout=2, allowed_protocols={"file", "data"}, allow_redirects=False)
        self._roots = roots

    def fetch(self, url, headers=None):
        if url.lower().startswith("file:"):
            path = Path(unquote(urlsplit(url).path)).resolve()
            if not any(path.is_relative_to(root) for root in self._roots):
                raise ValueError(f"Documents may only read their own assets, not {url}")
        return super().fetch(url, headers)


def render_pdf(*, template_name: str, context: dict, base_url: str | None = None) -> bytes:
    """Render ``template_name`` with ``context`` and return the PDF.

    Relative URLs in the template resolve against ``base_url``, by default
    the documents' template folder. Call it under the document's language.
    """
    html = render_to_string(template_name, context)
    base_url = base_url or DOCUMENTS_TEMPLATE_DIR.as_uri() + "/"
    document = HTML(string=html, base_url=base_url, url_fetcher=LocalAssetFetcher(_asset_roots()))
    return document.write_pdf()


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice or credit note as a PDF, in the language it was issued in."""
    with translation.override(invoice.language):
        return render_pdf(template_name="documents/invoice.html", context=invoice_context(invoice))


def contract_pdf(enrolment: Enrolment, *, language: str | None = None) -> bytes:
    """The individual training contract (L6353-3 to L6353-7) as a PDF.

    ``language`` defaults to the language of the order's invoice, then the
    active language (the learner's, when they download it themselves).
    """
    language = contract_language(enrolment, language)
    with translation.override(language):
        return render_pdf(
            template_name="documents/contract.html", context=contract_context(enrolment, language=language)
        )
