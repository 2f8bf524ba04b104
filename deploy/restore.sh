#!/bin/sh
# Restore a backup made by deploy/backup.sh: deploy/restore.sh BACKUP RAG_HOME [CHROMA_DIR]
#
# Stop the bot first (sudo systemctl stop reportbot-bot reportbot-chroma): this
# replaces bot.sqlite3 and the index folders. The stale bot.sqlite3-wal and
# -shm are removed: SQLite would otherwise replay the old journal into the
# restored file. Run it as the service user (sudo -u reportbot …) so the
# files keep their owner.
set -eu

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: $0 BACKUP RAG_HOME [CHROMA_DIR]" >&2
    exit 2
fi
backup=$1
home=$2
chroma_dir=${3:-}

[ -d "$backup" ] || { echo "error: backup $backup is not a folder" >&2; exit 2; }
mkdir -p "$home"

if [ -f "$backup/bot.sqlite3" ]; then
    rm -f "$home/bot.sqlite3" "$home/bot.sqlite3-wal" "$home/bot.sqlite3-shm"
    cp "$backup/bot.sqlite3" "$home/bot.sqlite3"
    echo "$backup/bot.sqlite3 -> $home/bot.sqlite3"
fi
for part in chroma lexical vocabulary; do
    if [ -d "$backup/$part" ]; then
        rm -rf "$home/$part"
        cp -a "$backup/$part" "$home/$part"
        echo "$backup/$part -> $home/$part"
    fi
done
if [ -n "$chroma_dir" ] && [ -d "$backup/chroma-server" ]; then
    mkdir -p "$chroma_dir"
    # Empty the server's folder, keep the folder itself (systemd's StateDirectory).
    find "$chroma_dir" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
    cp -a "$backup/chroma-server/." "$chroma_dir/"
    echo "$backup/chroma-server -> $chroma_dir"
fi
