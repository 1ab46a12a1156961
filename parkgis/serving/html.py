"""A plain HTML view of any OGC API document (``f=html``): title, links, the JSON itself."""

from __future__ import annotations

import json
from html import escape
from typing import Any


def page(title: str, doc: dict[str, Any]) -> str:
    """An HTML page listing a document's links and showing its JSON (Chinese first)."""
    links = "".join(
        f'<li><a href="{escape(link["href"])}">{escape(link.get("title") or link["rel"])}</a>'
        f" <small>({escape(link['rel'])}, {escape(link.get('type', ''))})</small></li>"
        for link in doc.get("links", [])
        if link.get("type") != "text/html"
    )
    rows = ""
    for c in doc.get("collections", []):
        href = next(lk["href"] for lk in c["links"] if lk["rel"] == "self")
        rows += f'<li><a href="{escape(href)}?f=html">{escape(c["title"])}</a></li>'
    body = json.dumps({k: v for k, v in doc.items() if k != "links"}, ensure_ascii=False, indent=2)
    return (
        '<!doctype html><html lang="zh"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>"
        f"<ul>{links}</ul>{f'<h2>图层 / Collections</h2><ul>{rows}</ul>' if rows else ''}"
        f"<pre>{escape(body)}</pre></body></html>"
    )
