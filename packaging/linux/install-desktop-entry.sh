#!/bin/sh
# Register CaseView with the desktop for the current user: a menu entry, the icon, and .cvb files opening in it.
#   ./share/install-desktop-entry.sh            (run from the unpacked build folder, as the reviewer)
# With --system (as root) it writes to /usr/share instead, for every user of the machine.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
exe="$here/caseview"
[ -x "$exe" ] || { echo "error: $exe not found: run this from the unpacked CaseView folder" >&2; exit 1; }
if [ "${1:-}" = "--system" ]; then data=/usr/share; else data=${XDG_DATA_HOME:-$HOME/.local/share}; fi
mkdir -p "$data/applications" "$data/mime/packages" "$data/icons/hicolor/256x256/apps"
sed "s|@CASEVIEW@|\"$exe\"|" "$here/share/caseview.desktop" > "$data/applications/caseview.desktop"
cp "$here/share/caseview-mime.xml" "$data/mime/packages/caseview.xml"
cp "$here/_internal/resources/icons/caseview-256.png" "$data/icons/hicolor/256x256/apps/caseview.png"
command -v update-mime-database >/dev/null && update-mime-database "$data/mime" || true
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
# The reviewer's own default for the type (not for --system: that would write root's settings).
[ "${1:-}" = "--system" ] || { command -v xdg-mime >/dev/null && xdg-mime default caseview.desktop application/vnd.caseview.bundle+zip || true; }
echo "CaseView registered: .cvb files now open in $exe"
