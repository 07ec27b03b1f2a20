#!/usr/bin/env bash
# Builds the .deb from an already built tree and proves it works without the source tree or the build folder:
#   installer/check-package.sh [BUILD_DIR]      (default: build; KEEP=1 keeps the unpacked root)
# 1. cpack -G DEB in BUILD_DIR (it packages what the build holds; run setup.sh or ninja first);
# 2. the package's control fields and contents (binaries, resources, sample data, and with the workbench the
#    desktop entry, AppStream metadata and icons), validated with desktop-file-validate and appstreamcli;
# 3. unpacks it with dpkg-deb -x into a temporary root and, from an empty folder with a throw-away HOME,
#    runs ROOT/usr/bin/recforge-cli --version and a short headless job on the installed sample data
#    (import, stats, a prompt from the installed presets, teacher traces, a SASRec fit with LibTorch), and
#    the workbench offscreen (--screenshot), which makes the sample project from the installed sample data;
# 4. proves those runs read the installed files: the binaries also fall back to the source tree they were
#    compiled from (core/text/prompt_presets.cpp), which would hide a package missing its resources, so it
#    marks the installed template and checks the marker comes out.
# Needs dpkg-dev (dpkg-shlibdeps), file, desktop-file-utils and appstream: scripts/setup.sh installs them.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
SECONDS=0
step() { echo "== check-package: $*"; }
fail() { echo "check-package: FAIL: $*" >&2; exit 1; }
trap 'echo "check-package: FAIL: the command at line $LINENO failed" >&2' ERR

with_qt=$(sed -n 's/^RECFORGE_WITH_QT:BOOL=//p' "$build/CMakeCache.txt")
[ -n "$with_qt" ] || fail "$build is not a configured RecForge build folder"
[ -x "$build/recforge-cli" ] || fail "$build/recforge-cli is not built"

step "cpack -G DEB in $build"
rm -f "$build"/recforge_*.deb
(cd "$build" && cpack -G DEB) | sed 's/^/  /'
debs=("$build"/recforge_*.deb)
[ ${#debs[@]} = 1 ] && [ -f "${debs[0]}" ] || fail "cpack wrote no single recforge_*.deb"
deb=${debs[0]}
echo "  $(basename "$deb"): $(du -h "$deb" | cut -f1)"

step "control fields"
dpkg-deb -f "$deb" Package Version Architecture Section Installed-Size Depends | sed 's/^/  /'
depends=$(dpkg-deb -f "$deb" Depends)
need=(libopenblas0-pthread libtorch1.13 libsqlite3-0)
[ "$with_qt" = ON ] && need+=(libqt6widgets6 libqt6gui6 libqcustomplot2.1-qt6)
for p in "${need[@]}"; do
  [[ ", $depends," == *", $p"[\ ,]* ]] || fail "Depends lacks $p"
done

step "contents"
contents=$(dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|')
id=io.github.recforge.RecForge
expect=(/usr/bin/recforge-cli /usr/share/recforge/resources/templates/presets.json
        /usr/share/recforge/resources/rewards/reczero.json /usr/share/recforge/sample_data/world.json
        /usr/share/recforge/sample_data/interactions.csv /usr/share/doc/recforge/README.md)
unexpected=()
desktop_files=(/usr/bin/recforge /usr/share/applications/$id.desktop /usr/share/metainfo/$id.metainfo.xml
               /usr/share/icons/hicolor/scalable/apps/$id.svg)
for n in 16 32 48 64 128 256; do desktop_files+=(/usr/share/icons/hicolor/${n}x${n}/apps/$id.png); done
if [ "$with_qt" = ON ]; then expect+=("${desktop_files[@]}"); else unexpected+=("${desktop_files[@]}"); fi
for f in "${expect[@]}"; do grep -qx "$f" <<<"$contents" || fail "package lacks $f"; done
for f in "${unexpected[@]}"; do ! grep -qx "$f" <<<"$contents" || fail "a build without Qt packages $f"; done
echo "  $(grep -vc '/$' <<<"$contents") files, all ${#expect[@]} expected ones present"

root=$(mktemp -d /tmp/recforge-pkg.XXXXXX)
if [ "${KEEP:-0}" = 1 ]; then echo "  (keeping $root)"; else trap 'rm -rf "$root"' EXIT; fi
dpkg-deb -x "$deb" "$root/root"
R=$root/root

if [ "$with_qt" = ON ]; then
  step "desktop-file-validate, appstreamcli validate"
  desktop-file-validate "$R/usr/share/applications/$id.desktop"
  appstreamcli validate --no-net "$R/usr/share/metainfo/$id.metainfo.xml"
  grep -qx "Icon=$id" "$R/usr/share/applications/$id.desktop" || fail "the desktop entry's Icon is not $id"
  grep -q "<launchable type=\"desktop-id\">$id.desktop</launchable>" "$R/usr/share/metainfo/$id.metainfo.xml" \
    || fail "the metainfo's launchable is not $id.desktop"
fi

step "run from the unpacked root $R"
ldd "$R/usr/bin/recforge-cli" | grep "not found" && fail "recforge-cli has unresolved libraries"
if readelf -d "$R/usr/bin/recforge-cli" | grep -E 'R(UN)?PATH' | grep -q "$build"; then fail "recforge-cli keeps an RPATH into $build"; fi
work=$root/work
mkdir -p "$work/home"
cd "$work"
# Nothing from the caller's environment may point at the source tree or the user's settings.
unset RECFORGE_RESOURCES
export HOME=$work/home XDG_DATA_HOME=$work/home/.local/share XDG_CONFIG_HOME=$work/home/.config
export XDG_RUNTIME_DIR=$work/run && mkdir -m 700 -p "$XDG_RUNTIME_DIR"
cli=$R/usr/bin/recforge-cli
data=$R/usr/share/recforge/sample_data
run() { echo "  \$ ${*/#$R/ROOT}"; "$@" 2>&1 | sed 's/^/    /'; }
run "$cli" --version
"$cli" --version | grep -qx "recforge-cli $(dpkg-deb -f "$deb" Version)" || fail "--version does not print the package version"
run "$cli" info
run "$cli" data import --project proj --path "$data" --replace
"$cli" data stats --data proj > stats.txt
echo "  \$ recforge-cli data stats --data proj:" $(grep -E '^(users|items|interactions) ' stats.txt | awk '{print $1, $2}')
grep -q "^source .*$data" stats.txt || fail "data stats does not name the installed sample_data/ as the source"
"$cli" prompt --recipe list --data proj --user u0001 > prompt.txt
echo "  \$ recforge-cli prompt --recipe list --data proj --user u0001: $(wc -l < prompt.txt) lines"
grep -q "recommender system" prompt.txt || fail "the prompt does not come from the list preset"
run "$cli" traces --recipe list --data proj --out traces.jsonl --users 5
[ "$(wc -l < traces.jsonl)" = 5 ] || fail "traces.jsonl does not hold 5 traces"
"$cli" eval --data proj --model sasrec --candidates 0 --json > sasrec.json
echo "  \$ recforge-cli eval --data proj --model sasrec --candidates 0 --json: ndcg@10 $(sed -n 's/.*"ndcg@10": \([0-9.]*\).*/\1/p' sasrec.json | head -1)"
grep -q '"ndcg@10"' sasrec.json || fail "the SASRec evaluation printed no ndcg@10"

if [ "$with_qt" = ON ]; then
  # No project given and no settings: the workbench makes the sample project from the installed sample_data/.
  run env QT_QPA_PLATFORM=offscreen timeout 120 "$R/usr/bin/recforge" --screenshot shots
  [ "$(ls shots/*.png | wc -l)" -ge 5 ] || fail "the workbench wrote fewer than 5 screenshots"
  sample=$XDG_DATA_HOME/RecForge/recforge/sample-project
  run "$cli" data list --project "$sample"
  "$cli" data list --project "$sample" | grep -q "$R/usr/share/recforge/sample_data" \
    || fail "the sample project was not made from the installed sample_data/"
fi

step "the runs read the installed files, not the source tree"
marker="installed-template-marker-$$"
echo "$marker" >> "$R/usr/share/recforge/resources/templates/list.jinja"
"$cli" prompt --recipe list --data proj --user u0001 | grep -q "$marker" \
  || fail "recforge-cli read the list template from somewhere other than $R/usr/share/recforge/resources"
echo "  the installed list template wins over the source tree's"

echo "check-package: OK: $(basename "$deb") ($(du -h "$deb" | cut -f1)) in ${SECONDS}s"
