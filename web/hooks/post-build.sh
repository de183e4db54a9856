#!/bin/sh
# Trunk's post-build hook (Trunk.toml): finish the page in Trunk's staging directory. Any step that
# cannot be done fails the build.
#
# 1. The page's data file (code excerpts, the notes' Python, the glossary), which web/build.rs
#    writes into the target directory as page-data-<content hash>.bin, goes beside the wasm: the
#    one whose name the built wasm carries (other builds may have left others there).
# 2. Every text and wasm file gets a gzip -9 copy beside it (name.gz): `interleave serve
#    --static-dir` sends it to a browser that accepts gzip, as nginx's `gzip_static on` does, so
#    the page's 1.2 MB of wasm cross a real network as under 0.5 MB without being compressed on
#    every request. The data file is deflated already.
set -eu
stage=${TRUNK_STAGING_DIR:?run by trunk}
data=${CARGO_TARGET_DIR:-target}/page-data

name=$(grep -aohE 'page-data-[0-9a-f]{16}[.]bin' "$stage"/*.wasm | head -n 1)
if [ -z "$name" ] || [ ! -f "$data/$name" ]; then
  echo "the page's data file (${name:-no name in the wasm}) is missing from $data" >&2
  exit 1
fi
cp "$data/$name" "$stage/"

# -n: no name or time stamp inside, so one build's copy is byte for byte the next one's.
find "$stage" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' \) \
  -exec gzip -9 -n -k -f {} +
