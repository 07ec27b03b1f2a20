#!/usr/bin/env bash
# Renders the committed PNG icons (hicolor/<N>x<N>/recforge.png) from the scalable master recforge.svg.
# The PNGs are committed so that building the package needs no SVG renderer; run this after editing the SVG.
# Needs rsvg-convert (Debian: librsvg2-bin).
set -euo pipefail
cd "$(dirname "$0")"
command -v rsvg-convert >/dev/null || { echo "render.sh: needs rsvg-convert (apt-get install librsvg2-bin)" >&2; exit 1; }
for n in 16 32 48 64 128 256; do
  mkdir -p "hicolor/${n}x${n}"
  rsvg-convert -w "$n" -h "$n" recforge.svg -o "hicolor/${n}x${n}/recforge.png"
done
echo "render.sh: wrote $(ls hicolor/*/recforge.png | tr '\n' ' ')"
