"""``python -m rag`` is ``reportbot``."""

from rag.cli import main

main()
