"""What a unit's vectors are a function of, and the key that names them.

Two units with the same heading and text get the same vectors, whatever
report they sit in; the store keeps those vectors once, under this key.
"""

from __future__ import annotations

import hashlib

from rag.types import Unit

#: Bump when what is embedded for a unit changes (``embed_prefix`` / ``embed_text``).
EMBED_TEXT_VERSION = "2"


def embed_prefix(unit: Unit) -> str:
    """What the embedding model sees before a part's text: the heading it sits under
    (:attr:`Unit.heading`; and a recommendation's label, which its text does not repeat)."""
    heading = unit.heading
    head = f"{unit.label}. " if unit.kind == "recommendation" else ""
    return f"{heading}\n{head}" if heading else head


def content_key(unit: Unit) -> str:
    """The key of a unit's vectors: its parts are cut from its text alone, so
    prefix and text decide every part's vector (for one embedding model)."""
    h = hashlib.blake2b(digest_size=12)
    h.update(f"{EMBED_TEXT_VERSION}\0{embed_prefix(unit)}\0{unit.text}".encode())
    return h.hexdigest()
