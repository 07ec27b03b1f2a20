#!/usr/bin/env bash
# Sets up a Debian 12 machine for RecForge and builds it into build/. Idempotent: packages already
# present are not reinstalled, and an existing build is only brought up to date.
#   scripts/setup.sh            # packages + build (Qt workbench and tests included)
#   scripts/setup.sh --no-qt    # packages + core and recforge-cli only (GPU servers)
#   scripts/setup.sh --no-qt --torch-from-python
#                               # as above, against the LibTorch bundled with an installed PyTorch
#                               # (CUDA machines); Debian's libtorch-dev is then not installed
set -euo pipefail
cd "$(dirname "$0")/.."

with_qt=ON
torch_from_python=0
for arg in "$@"; do
  case "$arg" in
    --no-qt) with_qt=OFF ;;
    --torch-from-python) torch_from_python=1 ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

packages=(g++ cmake ninja-build pkg-config libopenblas0-pthread nlohmann-json3-dev libsqlite3-dev)
# The .deb (installer/): dpkg-shlibdeps and file work out its Depends; installer/check-package.sh needs them.
packages+=(dpkg-dev file)
cmake_extra=()
if [ "$torch_from_python" = 1 ]; then
  prefix=$(python3 -c "import torch; print(torch.utils.cmake_prefix_path)")
  cmake_extra+=("-DCMAKE_PREFIX_PATH=$prefix")
else
  packages+=(libtorch-dev)
fi
if [ "$with_qt" = ON ]; then
  packages+=(qt6-base-dev libqcustomplot-dev libqcustomplot2.1-qt6)
  # installer/check-package.sh validates the desktop entry and the AppStream metadata (workbench only).
  packages+=(desktop-file-utils appstream)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install packages" >&2; exit 1; }
    sudo_cmd=(sudo)
  fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# LibTorch runs 45x slower on the reference BLAS; libopenblas0-pthread takes over libblas.so.3 via
# the alternatives system when installed, but say so loudly if something else still wins.
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
case "$blas" in
  *openblas*) ;;
  *) echo "setup: warning: libblas.so.3 points at '$blas', not OpenBLAS; matmuls will be slow" >&2 ;;
esac

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DRECFORGE_WITH_QT="$with_qt" "${cmake_extra[@]}" >/dev/null
cmake --build build -j "$(nproc)"
echo "setup: built into $(pwd)/build"
