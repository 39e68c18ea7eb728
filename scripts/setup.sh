#!/usr/bin/env bash
# Installs what swift-attention needs on Debian 12 (as root) and fetches the real models.
# Idempotent: installs only what is missing. Swift 6 itself must already be on the machine (swift.org toolchain).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
  export PATH=/opt/swift/usr/bin:$PATH
fi
command -v swift >/dev/null 2>&1 || { echo "setup: Swift 6 is not installed (see https://www.swift.org/install/linux/)" >&2; exit 1; }

# chromium + chromium-driver: the headless browser test of the attention viewer (tools/test_viewer.py).
packages=(libopenblas-dev pkg-config zlib1g-dev python3 python3-pip chromium chromium-driver)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# python3/pip may come from elsewhere (pyenv): only ask apt for them when the commands are absent.
command -v python3 >/dev/null 2>&1 && missing=("${missing[@]/python3}")
python3 -m pip --version >/dev/null 2>&1 && missing=("${missing[@]/python3-pip}")
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Selenium drives the system chromedriver (nothing is downloaded when the test runs). Debian's own Python refuses a
# plain pip install (PEP 668), hence the second try.
if ! python3 -c "import selenium" >/dev/null 2>&1; then
  echo "setup: installing selenium (pip)"
  python3 -m pip install -q selenium || python3 -m pip install -q --break-system-packages selenium
fi

python3 tools/fetch_models.py
