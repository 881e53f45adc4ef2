#!/usr/bin/env bash
# Install the browser and CJK fonts the dashboard browser test needs (Debian packages).
# Idempotent: does nothing when chromium and a CJK font are already present.
set -euo pipefail

need=()
if [ ! -x /usr/bin/chromium ]; then
    need+=(chromium)
fi
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
    need+=(fonts-noto-cjk)
fi
if [ ${#need[@]} -eq 0 ]; then
    echo "setup-browser: chromium and CJK fonts already installed"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
echo "setup-browser: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
if ! $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" fontconfig; then
    # fonts-noto-cjk is large; fall back to the smaller WenQuanYi font.
    $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei fontconfig
fi
fc-cache -f >/dev/null 2>&1 || true
echo "setup-browser: done"
