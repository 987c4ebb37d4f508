"""Search keys: Vietnamese text without diacritics, lowercased, so `cong chung` finds "Phòng Công chứng số 1"."""

from __future__ import annotations

import unicodedata


def search_key(text: str) -> str:
    """Strip tone and vowel marks (NFD, drop combining marks), `đ` → `d`, lowercase, single spaces."""
    text = text.replace("đ", "d").replace("Đ", "D")
    bare = "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")
    return " ".join(unicodedata.normalize("NFC", bare).lower().split())


def like_pattern(token: str) -> str:
    """A `LIKE ... ESCAPE '\\'` pattern matching `token` anywhere, with wildcards in it taken literally."""
    escaped = token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
