#!/usr/bin/env bash
# Opens the page of `signpost report --html` in a real headless browser and saves what it shows as
# docs/report.png (and the page itself as docs/report.html).
#
# The page comes from the scripted run of `tests/it/learn.rs` (report_on_a_scripted_run_text_json_examples_and_html:
# the real bot against the fake Discord, then `signpost report --html`), so the screenshot shows what the tests
# check. Needs Debian's chromium (`apt-get install -y chromium`); offline otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "no chromium found: apt-get install -y chromium" >&2
    exit 1
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

SIGNPOST_REPORT_HTML="$out/report.html" cargo test --locked --test it -- --exact \
    learn::report_on_a_scripted_run_text_json_examples_and_html
# --no-sandbox: CI containers run as root, where chromium's sandbox cannot start.
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=760,1500 \
    --screenshot="$out/report.png" "file://$out/report.html" 2>"$out/chromium.log" || {
    cat "$out/chromium.log" >&2
    exit 1
}
cp "$out/report.html" docs/report.html
cp "$out/report.png" docs/report.png
echo "docs/report.png written ($(stat -c %s docs/report.png) bytes)"
