#!/bin/sh
# Installs sms-bridge for the current user on macOS or Linux: trusts its local CA, starts
# it at login and writes the add-in manifest. Downloads nothing; it only runs the
# sms-bridge binary that sits next to this script (or the one on the PATH).
#   ./install.sh              install
#   ./install.sh --dry-run    show every step, change nothing
#   ./install.sh uninstall    undo the install (also takes --dry-run)
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
if [ -x "$here/sms-bridge" ]; then
    bridge="$here/sms-bridge"
elif command -v sms-bridge >/dev/null 2>&1; then
    bridge=$(command -v sms-bridge)
else
    echo "install.sh: sms-bridge not found next to this script or on the PATH" >&2
    exit 1
fi

action=install
if [ "${1:-}" = "uninstall" ]; then
    action=uninstall
    shift
fi

exec "$bridge" "$action" "$@"
