"""Wait until a Chroma server answers its heartbeat: ``python wait_for_chroma.py URL [SECONDS]``.

reportbot-chroma.service runs it as ExecStartPost, so units ordered After= the
server (reportbot-bot.service) start only once it answers. Exit 0 when it
answers, 1 after SECONDS (default 30).
"""

from __future__ import annotations

import sys
import time
import urllib.error
import urllib.request


def wait(url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    base = url.rstrip("/")
    while True:
        for path in ("/api/v2/heartbeat", "/api/v1/heartbeat"):  # Chroma 1.x, then 0.x
            try:
                with urllib.request.urlopen(base + path, timeout=1):
                    return True
            except urllib.error.HTTPError as exc:
                if exc.code != 404:
                    break
            except OSError:
                break
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__.splitlines()[0])
    target, limit = sys.argv[1], float(sys.argv[2]) if len(sys.argv) == 3 else 30.0
    if not wait(target, limit):
        sys.exit(f"no heartbeat from {target} within {limit:g} s")
