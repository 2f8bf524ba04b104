"""Every command the README shows runs as shown (the non-interactive ones).

The commands are read from the README's ``sh`` blocks, so a command added there is
run here too, or must be named in SKIPPED with the reason it cannot run in a test.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHARED

pytestmark = pytest.mark.slow

#: Command prefixes not run here, and why.
SKIPPED = {
    "make ": "the make targets are what CI itself runs",
    ".venv/bin/reportbot chat": "interactive",
    ".venv/bin/reportbot bot": "runs until stopped (tests/integration/test_bot.py runs the bot)",
    ".venv/bin/reportbot ingest && .venv/bin/reportbot bot": "runs until stopped",
    ".venv/bin/reportbot logs": "needs a bot that has run (tests/integration/test_cli.py)",
    ".venv/bin/reportbot eval": "minutes per run (tests/integration/test_eval.py runs the gate)",
    ".venv/bin/python eval/": "writes the shipped calibration / runs for minutes",
    "export ": "placeholders for a real Telegram token",
}


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    out = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command:
                out.append(command)
    return out


def test_readme_shows_commands() -> None:
    commands = readme_commands()
    assert any(c.startswith(".venv/bin/reportbot ask") for c in commands)
    assert any(c.startswith(".venv/bin/reportbot doctor") for c in commands)


def test_every_readme_command_runs_as_shown(tmp_path: Path) -> None:
    if not SHARED.is_dir():
        pytest.skip("the README's commands ingest ../shared/corpus, which is not here")
    env = {**os.environ, "RAG_HOME": str(tmp_path / "home")}
    for name in ("RAG_CHROMA_URL", "RAG_LLM_BASE_URL", "OPENAI_BASE_URL", "RAG_TELEGRAM_TOKEN"):
        env.pop(name, None)
    bin_dir = str(Path(sys.executable).parent)
    ran = []
    for command in readme_commands():
        if any(command.startswith(prefix) for prefix in SKIPPED):
            continue
        argv = shlex.split(command.replace(".venv/bin/", bin_dir + "/"))
        result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=900)
        assert result.returncode == 0, f"{command}\n{result.stderr[-2000:]}"
        assert result.stdout.strip(), f"{command} printed nothing"
        ran.append(command)
    # The shown order matters: ingest first, remove last, and everything in between ran.
    assert ran[0].startswith(".venv/bin/reportbot ingest") and "remove" in ran[-1]
    assert len(ran) >= 10
