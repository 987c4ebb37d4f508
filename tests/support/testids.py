"""A page's test hooks: the elements with a `data-testid`, their attributes and text (stdlib parser only)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class Tags(HTMLParser):
    """Elements with a `data-testid`: their attributes and text (the hooks the pages promise)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[dict[str, Any]] = []
        self.open: list[tuple[str, dict[str, Any] | None]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = None
        if any(k == "data-testid" for k, _ in attrs):
            node = {**{k: v for k, v in attrs}, "text": ""}
            self.found.append(node)
        if tag not in self.VOID:
            self.open.append((tag, node))

    def handle_endtag(self, tag: str) -> None:
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        for _, node in self.open:
            if node is not None:
                node["text"] += data

    def all(self, testid: str, **where: str) -> list[dict[str, Any]]:
        return [n for n in self.found if n["data-testid"] == testid and all(n.get(k) == v for k, v in where.items())]

    def one(self, testid: str, **where: str) -> dict[str, Any]:
        [node] = self.all(testid, **where)
        return node
