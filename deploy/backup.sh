#!/bin/sh
# Back up reportbot while the bot runs: deploy/backup.sh RAG_HOME DEST [CHROMA_DIR]
#
#   bot.sqlite3  copied with SQLite's online backup (sqlite3 ".backup", or Python's
#                sqlite3 backup API when the sqlite3 tool is missing): a consistent
#                copy even while the bot writes (WAL mode: copying the file can miss
#                the last answers and feedback).
#   chroma/ lexical/ vocabulary/   copied while holding RAG_HOME/write.lock, the
#                lock `reportbot ingest` and `remove` take, so no writer runs
#                meanwhile (an ingest started now waits, up to 10 minutes).
#   CHROMA_DIR   the Chroma server's --path (/var/lib/reportbot-chroma), copied
#                under the same lock, as DEST/chroma-server.
#   vectors/     (the embedding cache) is left out: it only saves re-embedding.
#
# Run it as the service user so the lock file keeps its owner:
#   sudo -u reportbot /opt/reportbot/deploy/backup.sh /var/lib/reportbot \
#       /var/backups/reportbot/$(date +%F-%H%M) /var/lib/reportbot-chroma
set -eu

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: $0 RAG_HOME DEST [CHROMA_DIR]" >&2
    exit 2
fi
home=$1
dest=$2
chroma_dir=${3:-}

[ -d "$home" ] || { echo "error: RAG_HOME $home is not a folder" >&2; exit 2; }
if [ -n "$chroma_dir" ] && [ ! -d "$chroma_dir" ]; then
    echo "error: CHROMA_DIR $chroma_dir is not a folder" >&2; exit 2
fi
mkdir -p "$dest"

if [ -f "$home/bot.sqlite3" ]; then
    if command -v sqlite3 >/dev/null 2>&1 && [ "${REPORTBOT_BACKUP_PYTHON:-}" = "" ]; then
        sqlite3 "$home/bot.sqlite3" ".backup '$dest/bot.sqlite3'"
    else
        "${PYTHON:-python3}" -c '
import sqlite3, sys
src = sqlite3.connect(sys.argv[1])
dst = sqlite3.connect(sys.argv[2])
with dst:
    src.backup(dst)
dst.close(); src.close()
' "$home/bot.sqlite3" "$dest/bot.sqlite3"
    fi
    echo "bot.sqlite3 -> $dest/bot.sqlite3"
fi

# Hold the writers' lock (flock(1) and reportbot's filelock share flock(2)) while
# the index folders are copied.
flock -w 600 "$home/write.lock" sh -eu -c '
home=$1; dest=$2; chroma_dir=$3
for part in chroma lexical vocabulary; do
    if [ -d "$home/$part" ]; then
        rm -rf "$dest/$part"
        if [ "$part" = lexical ]; then
            # a bot process updates the lexical index under this lock of its own
            flock -w 600 "$home/lexical/lock" cp -a "$home/$part" "$dest/$part"
        else
            cp -a "$home/$part" "$dest/$part"
        fi
        echo "$part/ -> $dest/$part"
    fi
done
if [ -n "$chroma_dir" ]; then
    rm -rf "$dest/chroma-server"
    cp -a "$chroma_dir" "$dest/chroma-server"
    echo "$chroma_dir -> $dest/chroma-server"
fi
' backup "$home" "$dest" "$chroma_dir"
