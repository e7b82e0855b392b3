#!/usr/bin/env bash
# Opens the page of `signpost report --html` in a real headless browser and saves what it shows as
# docs/report.png (and the page itself as docs/report.html).
#
# The page comes from `report_page_for_the_screenshot` in tests/it/learn.rs (ignored in the normal run): two weeks of
# the dev set's questions, answered by the real engine, written to a fresh store through the `Learn` trait with
# deterministic votes, then `signpost report --html`. (The fake-Discord scripted run of the same file checks the
# page's structure; it spans one day, which makes a poor plot.) Needs Debian's chromium
# (`apt-get install -y chromium`); offline otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "no chromium found: apt-get install -y chromium" >&2
    exit 1
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

SIGNPOST_REPORT_HTML="$out/report.html" cargo test --locked --test it -- --ignored --exact \
    learn::report_page_for_the_screenshot
# --no-sandbox: CI containers run as root, where chromium's sandbox cannot start.
run_browser() {
    "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars "$@" 2>"$out/chromium.log" || {
        cat "$out/chromium.log" >&2
        exit 1
    }
}
# A headless screenshot is as tall as the window: measure the whole page first (a copy that writes its own
# height into the DOM), so the shot holds every row of the votes chart and nothing below.
cp "$out/report.html" "$out/measure.html"
echo '<script>document.body.setAttribute("data-height", document.documentElement.scrollHeight)</script>' \
    >>"$out/measure.html"
height=$(run_browser --window-size=760,800 --dump-dom "file://$out/measure.html" |
    sed -n 's/.*data-height="\([0-9]*\)".*/\1/p' | head -n 1)
if [ -z "$height" ]; then
    echo "could not measure the page's height" >&2
    exit 1
fi
run_browser --window-size="760,$height" --screenshot="$out/report.png" "file://$out/report.html"
cp "$out/report.html" docs/report.html
cp "$out/report.png" docs/report.png
echo "docs/report.png written ($(stat -c %s docs/report.png) bytes)"
