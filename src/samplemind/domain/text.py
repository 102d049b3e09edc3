"""Words for free-text search, the same for every store.

Names and paths are split into lower-case alphanumeric words, and camelCase is split too, so
``"DarkKick_01.wav"`` is found by ``dark``, ``kick`` and ``01``. Stores index these words; queries
match a word by prefix.

Example:
    >>> words("Drums/808s/DarkKick_01.WAV")
    ['drums', '808s', 'dark', 'kick', '01', 'wav']
    >>> search_words("Kick Kick kick-2")
    'kick 2'
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["search_words", "words"]

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SPLIT = re.compile(r"[^0-9a-z]+")


def words(text: str) -> list[str]:
    """Lower-case ASCII words of ``text`` in order (accents folded, camelCase split)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    folded = _CAMEL.sub(" ", folded).lower()
    return [word for word in _SPLIT.split(folded) if word]


def search_words(text: str) -> str:
    """Distinct words of ``text`` in first-seen order, space separated (what stores index)."""
    return " ".join(dict.fromkeys(words(text)))
