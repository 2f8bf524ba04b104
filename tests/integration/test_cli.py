"""The `reportbot` command line, in-process (click's runner) and as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture
def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, corpus_copy: Path) -> Path:
    monkeypatch.setenv("RAG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("RAG_CORPUS_DIR", str(corpus_copy))
    monkeypatch.delenv("RAG_CHROMA_URL", raising=False)
    return tmp_path / "home"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_commands_end_to_end(cli_home: Path) -> None:
    code, out, err = run("search", "anything")
    assert code == 1 and "reportbot ingest" in err and len(err.strip().splitlines()) == 1

    code, out, _ = run("ingest", "--json")
    summary = json.loads(out)
    assert code == 0 and summary["added"] == 1 and summary["units"] == 64

    code, out, _ = run("docs", "--json")
    (doc,) = json.loads(out)
    assert doc["id"] == "CTOC_COP_WG.4_2019_draft" and doc["paragraphs"] == 50
    code, out, _ = run("docs")  # in a pipe: tab-separated, nothing cut
    assert out.splitlines()[0].split("\t") == ["id", "symbol", "date", "¶", "units", "title"]
    assert out.splitlines()[1].split("\t")[0] == doc["id"]
    assert out.splitlines()[1].split("\t")[-1] == doc["title"]

    code, out, _ = run("search", "What did China say about DNA databases?", "-k", "3", "--json")
    hits = json.loads(out)["hits"]
    assert code == 0 and len(hits) == 3 and hits[0]["label"] == "10"
    assert {"doc", "label", "score", "text", "section"} <= set(hits[0])

    code, out, _ = run("show", "CTOC_COP_WG.4_2019_draft", "Recommendation 6")
    assert code == 0 and "national DNA database" in out

    code, out, _ = run("show", "CTOC_COP_WG.4_2019_draft", "10", "--json")
    assert json.loads(out)["text"].startswith("Ms. Qingtian Meng")

    code, _, err = run("show", "CTOC_COP_WG.4_2019_draft", "77")
    assert code == 1 and "has no paragraph '77'" in err

    code, _, err = run("search", "x", "--doc", "A_HRC_1_1")
    assert code == 1 and "unknown document" in err and "CTOC_COP_WG.4_2019_draft" in err

    code, _, err = run("ingest", "/does/not/exist")
    assert code == 2 and "no such file" in err
    code, out, _ = run("docs", "--json")
    assert len(json.loads(out)) == 1  # nothing already indexed was lost

    code, out, _ = run("remove", "CTOC_COP_WG.4_2019_draft", "--json")
    assert code == 0 and json.loads(out)["removed"]["id"] == "CTOC_COP_WG.4_2019_draft"


def test_cold_process_search(cli_home: Path, corpus_copy: Path) -> None:
    env = {**os.environ, "RAG_HOME": str(cli_home)}
    exe = [sys.executable, "-m", "rag"]
    subprocess.run([*exe, "ingest", str(corpus_copy)], env=env, check=True, capture_output=True)
    out = subprocess.run(
        [*exe, "search", "Who chaired the Working Group?", "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert json.loads(out)["hits"][0]["label"] == "24"
    # The query path never imports torch or sentence-transformers.
    probe = (
        "import sys, rag.cli, rag.index, rag.retrieve\n"
        "from rag.settings import Settings\nfrom rag.index import Index\n"
        "from rag.retrieve import search, Query\n"
        "s = Settings(); search(Index(s), Query('media', 3), s.retrieval)\n"
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'langchain_openai', 'openai')"
        " if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    assert loaded == "[]"


def test_show_prints_a_long_paragraph_whole_and_a_part_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A paragraph over 6,000 characters is indexed in parts; `show` of its label prints
    the whole paragraph (and says how it is cited), `show` of a part prints that part."""
    monkeypatch.setenv("RAG_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("RAG_CHROMA_URL", raising=False)
    items = "\n".join(f"{n}. To consider measure number {n} on the protection of migrants "
                      f"and refugees in all regions (Country {n});" for n in range(1, 81))
    report = tmp_path / "long.txt"
    report.write_text(f"Report of the Working Group\n\nI. Recommendations\n\n"
                      f"1. The recommendations below will be examined:\n{items}\n\n"
                      f"2. The report was adopted.\n", encoding="utf-8")
    code, out, err = run("ingest", str(report))
    assert code == 0 and "cut into parts" in out + err, (out, err)
    code, out, _ = run("show", "long", "1", "--json")
    parts = json.loads(out)["parts"]
    assert parts[:2] == ["1", "1 part 2"] and len(parts) >= 3
    code, out, _ = run("show", "long", "1")
    assert code == 0 and "(Country 1);" in out and "(Country 80);" in out
    assert f"{len(parts)} parts" in out
    code, out, _ = run("show", "long", parts[-1])
    assert code == 0 and "(Country 80);" in out and "(Country 1);" not in out
