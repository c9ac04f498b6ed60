"""HTML to PDF with WeasyPrint, with a URL fetcher that fetches nothing.

The report embeds every figure as a ``data:`` URI and its stylesheet inline,
so the renderer never needs the network or the file system. The fetcher
decodes ``data:`` URIs itself (they carry their content; nothing is fetched)
and refuses every other URL — ``file:``, ``http:``, ``https:``, ``ftp:`` and
anything else — with :class:`URLRefusedError`, which stops the rendering.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_to_bytes

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

__all__ = ["RefusingURLFetcher", "URLRefusedError", "html_to_pdf"]


class URLRefusedError(FatalURLFetchingError):
    """The report renderer was asked to fetch a URL; it fetches none."""


class RefusingURLFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that refuses every URL except inline ``data:`` URIs."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False)

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        """Decode a ``data:`` URI; raise :class:`URLRefusedError` for anything else."""
        if not isinstance(url, str) or not url[:5].lower() == "data:":
            raise URLRefusedError(f"the report renderer fetches no URL; refused {url!r:.80}")
        header, sep, payload = url[5:].partition(",")
        if not sep:
            raise URLRefusedError("malformed data: URI in the report")
        params = header.split(";")
        mime = params[0] or "text/plain"
        if "base64" in (p.strip().lower() for p in params[1:]):
            try:
                body = base64.b64decode(payload, validate=False)
            except (binascii.Error, ValueError) as err:
                raise URLRefusedError("malformed base64 data: URI in the report") from err
        else:
            body = unquote_to_bytes(payload)
        return URLFetcherResponse(url, body=body, headers={"Content-Type": mime})


def html_to_pdf(html: str) -> bytes:
    """Render an HTML string to PDF bytes without fetching any URL.

    Parameters
    ----------
    html : str
        A self-contained HTML document (inline CSS, ``data:`` images).

    Returns
    -------
    bytes
        The PDF document.

    Raises
    ------
    URLRefusedError
        If the document refers to any URL other than a ``data:`` URI.
    """
    from weasyprint import HTML

    return HTML(string=html, base_url=None, url_fetcher=RefusingURLFetcher()).write_pdf()
