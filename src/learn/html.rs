//! `signpost report --html FILE`: the report as one self-contained page (no script, no external file): answers per
//! day, the abstention rate over time and votes per entry as inline SVG, then the unanswered questions.

use std::fmt::Write as _;

use super::report::{date, Report};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const W: f64 = 640.0;
const H: f64 = 200.0;
const PAD: f64 = 36.0;

/// Stacked bars: answered (blue) and unanswered (orange) per day.
fn answers_per_day(r: &Report) -> String {
    let mut s = format!(r#"<svg viewBox="0 0 {W} {}" role="img" aria-label="answers per day">"#, H + 30.0);
    let max = r.days.iter().map(|d| d.answered + d.unanswered).max().unwrap_or(0).max(1) as f64;
    let n = r.days.len().max(1) as f64;
    let slot = (W - PAD * 2.0) / n;
    let bar = (slot * 0.7).min(60.0);
    let _ = write!(s, r##"<line x1="{PAD}" y1="{H}" x2="{}" y2="{H}" stroke="#888"/>"##, W - PAD);
    let _ = write!(s, r##"<text x="4" y="16" font-size="11" fill="#555">{max}</text>"##);
    for (i, d) in r.days.iter().enumerate() {
        let x = PAD + slot * i as f64 + (slot - bar) / 2.0;
        let ha = (H - 20.0) * d.answered as f64 / max;
        let hu = (H - 20.0) * d.unanswered as f64 / max;
        let _ = write!(
            s,
            r##"<rect x="{x:.1}" y="{:.1}" width="{bar:.1}" height="{ha:.1}" fill="#2f80ed"><title>{}: {} answered</title></rect>"##,
            H - ha,
            d.day,
            d.answered
        );
        let _ = write!(
            s,
            r##"<rect x="{x:.1}" y="{:.1}" width="{bar:.1}" height="{hu:.1}" fill="#f2994a"><title>{}: {} unanswered</title></rect>"##,
            H - ha - hu,
            d.day,
            d.unanswered
        );
        if r.days.len() <= 14 || i % (r.days.len() / 7).max(1) == 0 {
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{}" font-size="10" text-anchor="middle" fill="#555">{}</text>"##,
                x + bar / 2.0,
                H + 14.0,
                &d.day[5..]
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// A line of the share of unanswered questions per day, 0-100%.
fn abstention_over_time(r: &Report) -> String {
    let mut s = format!(r#"<svg viewBox="0 0 {W} {}" role="img" aria-label="abstention rate per day">"#, H + 30.0);
    let n = r.days.len();
    let x = |i: usize| if n <= 1 { W / 2.0 } else { PAD + (W - PAD * 2.0) * i as f64 / (n - 1) as f64 };
    let y = |rate: f64| H - (H - 20.0) * rate;
    for pct in [0.0, 0.5, 1.0] {
        let _ = write!(
            s,
            r##"<line x1="{PAD}" y1="{:.1}" x2="{}" y2="{:.1}" stroke="#ddd"/><text x="2" y="{:.1}" font-size="10" fill="#555">{:.0}%</text>"##,
            y(pct),
            W - PAD,
            y(pct),
            y(pct) + 4.0,
            pct * 100.0
        );
    }
    let points: Vec<String> = r
        .days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let total = (d.answered + d.unanswered).max(1) as f64;
            format!("{:.1},{:.1}", x(i), y(d.unanswered as f64 / total))
        })
        .collect();
    let _ = write!(s, r##"<polyline points="{}" fill="none" stroke="#eb5757" stroke-width="2"/>"##, points.join(" "));
    for (i, (p, d)) in points.iter().zip(&r.days).enumerate() {
        let (px, py) = p.split_once(',').unwrap_or(("0", "0"));
        let total = (d.answered + d.unanswered).max(1) as f64;
        let _ = write!(
            s,
            r##"<circle cx="{px}" cy="{py}" r="3.5" fill="#eb5757"><title>{}: {:.0}%</title></circle>"##,
            d.day,
            100.0 * d.unanswered as f64 / total
        );
        if n <= 14 || i % (n / 7).max(1) == 0 {
            let _ = write!(
                s,
                r##"<text x="{px}" y="{}" font-size="10" text-anchor="middle" fill="#555">{}</text>"##,
                H + 14.0,
                &d.day[5..]
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// One row per entry: Helpful to the right (green), Not helpful to the left (red), worst rated first.
fn votes_per_entry(r: &Report) -> String {
    let rows = r.votes.len().max(1);
    let row_h = 22.0;
    let height = row_h * rows as f64 + 10.0;
    let mut s = format!(r#"<svg viewBox="0 0 {W} {height}" role="img" aria-label="votes per entry">"#);
    let max = r.votes.iter().map(|v| v.helpful.max(v.not_helpful)).max().unwrap_or(0).max(1) as f64;
    let mid = 420.0;
    // Room on the right for the counts.
    let half = W - mid - 70.0;
    let left = 200.0;
    let _ = write!(s, r##"<line x1="{mid}" y1="0" x2="{mid}" y2="{height}" stroke="#888"/>"##);
    for (i, v) in r.votes.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let wn = (mid - left - 10.0).min(half) * v.not_helpful as f64 / max;
        let wh = half * v.helpful as f64 / max;
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end" fill="#222">{}</text>"##,
            left - 6.0,
            y + 13.0,
            esc(&v.entry)
        );
        let _ = write!(
            s,
            r##"<rect x="{:.1}" y="{y:.1}" width="{wn:.1}" height="16" fill="#eb5757"><title>{}: {} not helpful</title></rect>"##,
            mid - wn,
            esc(&v.entry),
            v.not_helpful
        );
        let _ = write!(
            s,
            r##"<rect x="{mid}" y="{y:.1}" width="{wh:.1}" height="16" fill="#27ae60"><title>{}: {} helpful</title></rect>"##,
            esc(&v.entry),
            v.helpful
        );
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="10" fill="#555">{} up, {} down</text>"##,
            mid + wh + 4.0,
            y + 12.0,
            v.helpful,
            v.not_helpful
        );
    }
    s.push_str("</svg>");
    s
}

/// The whole page.
pub fn page(r: &Report) -> String {
    let mut o = String::new();
    let title = format!("Signpost report, {} to {}", date(r.since), date(r.now));
    let _ = write!(
        o,
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{t}</title>
<style>
body {{ font: 14px/1.45 system-ui, sans-serif; max-width: 720px; margin: 24px auto; color: #222; padding: 0 12px; }}
h1 {{ font-size: 20px; }} h2 {{ font-size: 16px; margin-top: 28px; }}
.kpi {{ display: flex; gap: 24px; }} .kpi div {{ background: #f4f6f8; padding: 8px 14px; border-radius: 6px; }}
.kpi b {{ display: block; font-size: 20px; }}
table {{ border-collapse: collapse; }} td {{ padding: 2px 10px 2px 0; vertical-align: top; }} td.n {{ text-align: right; }}
.legend span {{ display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 12px; }}
svg {{ width: 100%; height: auto; }}
</style></head><body>
<h1>{t}</h1>
"#,
        t = esc(&title)
    );
    if r.questions == 0 {
        o.push_str("<p>Nothing logged in this period yet.</p></body></html>\n");
        return o;
    }
    let _ = writeln!(
        o,
        r#"<div class="kpi"><div><b>{}</b>questions</div><div><b>{}</b>people</div><div><b>{:.0}%</b>abstention rate</div><div><b>{}</b>votes</div></div>"#,
        r.questions,
        r.askers,
        r.abstention_rate * 100.0,
        r.votes.iter().map(|v| v.helpful + v.not_helpful).sum::<usize>()
    );
    let _ = write!(
        o,
        r##"<h2>Answers per day</h2><p class="legend"><span style="background:#2f80ed"></span>answered<span style="background:#f2994a"></span>not answered</p>{}
<h2>Abstention rate over time</h2>{}
<h2>Votes per entry</h2><p class="legend"><span style="background:#eb5757"></span>not helpful<span style="background:#27ae60"></span>helpful</p>{}
"##,
        answers_per_day(r),
        abstention_over_time(r),
        if r.votes.is_empty() { "<p>No votes in this period.</p>".to_string() } else { votes_per_entry(r) }
    );
    o.push_str("<h2>Questions it could not answer</h2><table>");
    for u in &r.unanswered {
        let _ = write!(o, r#"<tr><td class="n">{}</td><td>{}</td></tr>"#, u.count, esc(&u.text));
    }
    o.push_str("</table>\n</body></html>\n");
    o
}
