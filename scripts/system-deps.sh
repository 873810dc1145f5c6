#!/usr/bin/env bash
# Debian packages the product needs beyond Python: CJK fonts for PDFs, Pango for weasyprint,
# Chromium for the browser tests, poppler for PDF checks. Installs only what is missing.
set -euo pipefail
wanted=(fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 chromium poppler-utils)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
((${#missing[@]} == 0)) && exit 0
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
  echo "warning: missing Debian packages: ${missing[*]} (install them as root: apt-get install ${missing[*]})" >&2
  exit 0
fi
echo "installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
