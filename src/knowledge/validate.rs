//! Turns parsed files into a [`KnowledgeBase`], checking everything a file-by-file parse cannot: unique ids,
//! references between files, dialog reachability, and the Discord limits the texts must fit.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::{
    examples::{self, DIALOG_EXAMPLES_DIR, EXAMPLES_DIR},
    load::{KnowledgeError, Problems, SourceFile},
    model::*,
    raw::{self, *},
    suggest, KnowledgeBase,
};

/// Limits that come from Discord: an answer fills one embed description, a label one button, an id part of a
/// 100-character custom_id.
pub const MAX_ANSWER: usize = 4096;
pub const MAX_LABEL: usize = 80;
pub const MAX_OPTIONS: usize = 25;
pub const MAX_ID: usize = 40;
/// One field of an embed holds 1,024 characters; aspect texts are shown as fields.
pub const MAX_ASPECT_TEXT: usize = 1024;
pub const MAX_VERDICT: usize = 1024;
/// The embeds of one Discord message hold 6,000 characters in all: an answer split over several embeds must
/// still fit, with its title, `_Based on: ..._` line, Sources field and footer.
pub const MAX_RENDERED: usize = 6000;
const RENDERED_BASIS_OVERHEAD: usize = 16;
/// Room kept for the footer (kind and confidence) and the Sources field's name.
const RENDERED_FOOTER_RESERVE: usize = 120;
pub const WEIGHT_RANGE: std::ops::RangeInclusive<i64> = -5..=5;

pub(crate) fn build(files: &[SourceFile]) -> Result<KnowledgeBase, KnowledgeError> {
    let mut p = Problems::default();
    let mut reviews = Vec::new();

    let mut frameworks = Vec::new();
    let mut aspects_file = None;
    let mut faq_file = None;
    let mut dialog_file = None;
    let mut lexicon_file = None;
    let mut others_file = None;
    let mut example_files = Vec::new();
    let mut dialog_example_files = Vec::new();
    let in_dir =
        |name: &str, dir: &str| name.starts_with(dir) && name.ends_with(".tsv") && !name[dir.len()..].contains('/');
    for file in files {
        match file.name.as_str() {
            name if in_dir(name, EXAMPLES_DIR) => example_files.push(file),
            name if in_dir(name, DIALOG_EXAMPLES_DIR) => dialog_example_files.push(file),
            "aspects.toml" => aspects_file = Some(file),
            "faq.toml" => faq_file = Some(file),
            "dialog.toml" => dialog_file = Some(file),
            "lexicon.toml" => lexicon_file = Some(file),
            "others.toml" => others_file = Some(file),
            name if name.starts_with("frameworks/") && !name["frameworks/".len()..].contains('/') => {
                frameworks.push(file)
            }
            name => p.file(
                name,
                "unexpected file: knowledge holds aspects.toml, faq.toml, dialog.toml, lexicon.toml, others.toml, frameworks/<id>.toml, examples/<writer>.tsv and dialog-examples/<writer>.tsv",
            ),
        }
    }
    for (found, name) in [(aspects_file, "aspects.toml"), (faq_file, "faq.toml"), (dialog_file, "dialog.toml")] {
        if found.is_none() {
            p.file(name, "missing file");
        }
    }
    if frameworks.is_empty() {
        p.file("frameworks/", "no framework files (frameworks/<id>.toml)");
    }

    let framework_files = frameworks;
    let frameworks: Vec<(&SourceFile, RawFramework)> =
        framework_files.iter().filter_map(|f| p.parse(f).map(|raw| (*f, raw))).collect();
    let aspects = aspects_file.and_then(|f| p.parse::<RawAspects>(f).map(|raw| (f, raw)));
    let faqs = faq_file.and_then(|f| p.parse::<RawFaqs>(f).map(|raw| (f, raw)));
    let dialog = dialog_file.and_then(|f| p.parse::<RawDialog>(f).map(|raw| (f, raw)));
    let lexicon = lexicon_file.and_then(|f| p.parse::<RawLexicon>(f).map(|raw| (f, raw)));
    let others = others_file.and_then(|f| p.parse::<RawOthers>(f).map(|raw| (f, raw)));

    let mut framework_ids: Vec<String> = frameworks.iter().map(|(_, fw)| fw.id.get_ref().clone()).collect();
    // A framework file that does not parse still names its framework: keep that id known, so one broken file
    // does not turn every `beta = ...` in aspects.toml and dialog.toml into "unknown framework".
    for f in &framework_files {
        if !frameworks.iter().any(|(parsed, _)| std::ptr::eq(*parsed, *f)) {
            framework_ids.push(f.name["frameworks/".len()..].trim_end_matches(".toml").to_string());
        }
    }
    let mut kb = KnowledgeBase {
        frameworks: frameworks.iter().map(|(f, fw)| check_framework(&mut p, &mut reviews, f, fw)).collect(),
        aspects: aspects.map(|(f, a)| check_aspects(&mut p, &mut reviews, f, &a, &framework_ids)).unwrap_or_default(),
        faqs: faqs.as_ref().map(|(f, q)| check_faqs(&mut p, &mut reviews, f, q, &framework_ids)).unwrap_or_default(),
        others: others
            .as_ref()
            .map(|(f, o)| check_others(&mut p, &mut reviews, f, o, &framework_ids))
            .unwrap_or_default(),
        dialog: dialog.map(|(f, d)| check_dialog(&mut p, f, &d, &framework_ids)).unwrap_or_else(empty_dialog),
        lexicon: lexicon.map(|(f, l)| check_lexicon(&mut p, f, &l)).unwrap_or_default(),
        reviews,
        examples: Vec::new(),
        dialog_examples: Vec::new(),
    };
    let labels = kb.labels();
    if let Some((file, raw)) = &faqs {
        check_faq_frameworks(&mut p, file, raw, &kb);
    }
    if let Some((file, raw)) = &others {
        for o in &raw.other {
            if kb.faq(o.faq.get_ref()).is_none() {
                let ids: Vec<String> = kb.faqs.iter().map(|f| f.id.clone()).collect();
                p.at(file, o.faq.span(), unknown("FAQ id", o.faq.get_ref(), &ids));
            }
        }
    }
    // With a broken FAQ, aspect or framework, its label is missing from `labels`: say so once, at the entry,
    // not again at every example of it.
    let entries_ok = p.list.is_empty();
    let known = |label: &str| {
        if !entries_ok || labels.iter().any(|l| l == label) || crate::smalltalk::Kind::from_label(label).is_some() {
            Ok(())
        } else {
            Err(unknown("label", label, &labels))
        }
    };
    kb.examples = examples::check(&mut p, EXAMPLES_DIR, &example_files, &known);
    let dialog_ok = p.list.is_empty();
    let pairs: Vec<String> =
        kb.dialog.steps.iter().flat_map(|s| s.options.iter().map(move |o| format!("{}={}", s.id, o.id))).collect();
    let step_ids: Vec<String> = kb.dialog.steps.iter().map(|s| s.id.clone()).collect();
    let known_pairs = |label: &str| if dialog_ok { dialog_label(label, &pairs, &step_ids) } else { Ok(()) };
    kb.dialog_examples = examples::check(&mut p, DIALOG_EXAMPLES_DIR, &dialog_example_files, &known_pairs);
    unique(&mut p, frameworks.iter().map(|(f, fw)| (*f, &fw.id)), "framework id");

    if p.list.is_empty() {
        Ok(kb)
    } else {
        Err(KnowledgeError { problems: p.list })
    }
}

/// Checks a dialog example's label: `none`, `STEP=OPTION` pairs of known options (at most one per step), or a
/// reply typed at one step: `@STEP=OPTION`, or `@STEP` for a reply that answers nothing.
fn dialog_label(label: &str, pairs: &[String], steps: &[String]) -> Result<(), String> {
    if label == "none" {
        return Ok(());
    }
    if let Some(reply) = label.strip_prefix('@') {
        return match reply.split_once('=') {
            None if steps.iter().any(|s| s == reply) => Ok(()),
            None => Err(unknown("dialog step", reply, steps)),
            Some(_) if pairs.iter().any(|p| p == reply) => Ok(()),
            Some(_) => Err(format!(
                "a reply is labelled `@STEP=OPTION`, or `@STEP` when it answers nothing; {}",
                unknown("dialog option", reply, pairs)
            )),
        };
    }
    let mut steps = Vec::new();
    for pair in label.split(' ') {
        if !pairs.iter().any(|p| p == pair) {
            return Err(if pair.contains('=') {
                unknown("dialog option", pair, pairs)
            } else {
                format!("expected `STEP=OPTION` pairs separated by single spaces, or `none`; found `{pair}`")
            });
        }
        let step = pair.split_once('=').map_or(pair, |(s, _)| s);
        if steps.contains(&step) {
            return Err(format!("step `{step}` is given twice in `{label}`"));
        }
        steps.push(step);
    }
    Ok(())
}

fn empty_dialog() -> Dialog {
    Dialog { start: String::new(), intro: String::new(), steps: Vec::new() }
}

fn check_id(p: &mut Problems, file: &SourceFile, id: &S<String>, what: &str) {
    let s = id.get_ref();
    if s.is_empty() || s.len() > MAX_ID || !s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        p.at(
            file,
            id.span(),
            format!("{what} `{s}` must be 1-{MAX_ID} characters of lower-case letters, digits and `-`"),
        );
    }
}

fn non_empty(p: &mut Problems, file: &SourceFile, value: &S<String>, what: &str) {
    if value.get_ref().trim().is_empty() {
        p.at(file, value.span(), format!("{what} must not be empty"));
    }
}

fn max_len(p: &mut Problems, file: &SourceFile, value: &S<String>, max: usize, what: &str) {
    let n = value.get_ref().chars().count();
    if n > max {
        p.at(file, value.span(), format!("{what} is {n} characters; the limit is {max}"));
    }
}

/// Reports every id after its first occurrence.
fn unique<'a>(p: &mut Problems, ids: impl Iterator<Item = (&'a SourceFile, &'a S<String>)>, what: &str) {
    let mut seen = HashSet::new();
    for (file, id) in ids {
        if !seen.insert(id.get_ref().as_str()) {
            p.at(file, id.span(), format!("duplicate {what} `{}`", id.get_ref()));
        }
    }
}

/// "unknown X `y`", with the closest known id when one is close.
fn unknown(what: &str, value: &str, known: &[String]) -> String {
    match suggest(value, known.iter().map(String::as_str)) {
        Some(s) => format!("unknown {what} `{value}` (did you mean `{s}`?)"),
        None => format!("unknown {what} `{value}`"),
    }
}

/// A `reviewed` value: a plain calendar date (`2026-11-26`), no time, no offset.
fn check_reviewed(
    p: &mut Problems,
    reviews: &mut Vec<Review>,
    file: &SourceFile,
    entry: String,
    id: &S<String>,
    reviewed: Option<&S<toml::value::Datetime>>,
) -> Option<Date> {
    let Some(value) = reviewed else {
        let (line, column) = file.position(id.span().start);
        reviews.push(Review { entry, date: None, file: file.name.clone(), line, column });
        return None;
    };
    let dt = value.get_ref();
    let date = match (dt.date, dt.time, dt.offset) {
        (Some(d), None, None) => Date::new(d.year, d.month, d.day),
        _ => None,
    };
    if date.is_none() {
        p.at(file, value.span(), format!("reviewed `{dt}` must be a date without a time (YYYY-MM-DD)"));
    }
    let (line, column) = file.position(value.span().start);
    reviews.push(Review { entry, date, file: file.name.clone(), line, column });
    date
}

/// Sources: each a title and an https:// URL.
fn check_sources(p: &mut Problems, file: &SourceFile, sources: &[RawLink]) -> Vec<Link> {
    for s in sources {
        non_empty(p, file, &s.title, "a source's title");
        max_len(p, file, &s.title, 120, "a source's title");
        let url = s.url.get_ref();
        if !url.starts_with("https://") || url.contains(char::is_whitespace) || url.contains(['<', '>']) {
            p.at(file, s.url.span(), format!("source `{url}` must be an https:// URL without spaces or `<>`"));
        }
    }
    sources.iter().map(|l| Link { title: raw::text(&l.title), url: raw::text(&l.url) }).collect()
}

fn check_framework(p: &mut Problems, reviews: &mut Vec<Review>, file: &SourceFile, fw: &RawFramework) -> Framework {
    check_id(p, file, &fw.id, "framework id");
    let expected = file.name.trim_start_matches("frameworks/").trim_end_matches(".toml");
    if fw.id.get_ref() != expected {
        p.at(file, fw.id.span(), format!("framework id `{}` must match its file name `{expected}`", fw.id.get_ref()));
    }
    for (value, what) in [(&fw.name, "name"), (&fw.summary, "summary"), (&fw.based_on, "based_on")] {
        non_empty(p, file, value, what);
    }
    max_len(p, file, &fw.summary, 1024, "summary");
    for (list, what) in [
        (&fw.key_features, "key_features"),
        (&fw.advantages, "advantages"),
        (&fw.disadvantages, "disadvantages"),
        (&fw.use_cases, "use_cases"),
    ] {
        if list.is_empty() {
            p.at(file, fw.id.span(), format!("{what} must list at least one item"));
        }
        for item in list {
            non_empty(p, file, item, what);
            max_len(p, file, item, 300, what);
        }
    }
    for user in &fw.notable_users {
        non_empty(p, file, &user.source, "a notable user's source");
    }
    for link in &fw.links {
        let url = link.url.get_ref();
        if !url.starts_with("https://") {
            p.at(file, link.url.span(), format!("link `{url}` must be an https:// URL"));
        }
    }
    let entry = format!("framework `{}`", fw.id.get_ref());
    let reviewed = check_reviewed(p, reviews, file, entry, &fw.id, fw.reviewed.as_ref());
    let sources = check_sources(p, file, &fw.sources);
    Framework {
        reviewed,
        sources,
        id: raw::text(&fw.id),
        name: raw::text(&fw.name),
        aliases: fw.aliases.iter().map(|a| a.get_ref().to_lowercase()).collect(),
        summary: raw::text(&fw.summary),
        based_on: raw::text(&fw.based_on),
        key_features: raw::texts(&fw.key_features),
        advantages: raw::texts(&fw.advantages),
        disadvantages: raw::texts(&fw.disadvantages),
        use_cases: raw::texts(&fw.use_cases),
        notable_users: fw
            .notable_users
            .iter()
            .map(|u| NotableUser { name: raw::text(&u.name), note: raw::text(&u.note), source: raw::text(&u.source) })
            .collect(),
        links: fw.links.iter().map(|l| Link { title: raw::text(&l.title), url: raw::text(&l.url) }).collect(),
        next_steps: fw
            .next_steps
            .iter()
            .map(|n| {
                non_empty(p, file, &n.text, "a next step");
                max_len(p, file, &n.text, 200, "a next step");
                if !n.url.get_ref().starts_with("https://") {
                    p.at(file, n.url.span(), format!("next step link `{}` must be an https:// URL", n.url.get_ref()));
                }
                Link { title: raw::text(&n.text), url: raw::text(&n.url) }
            })
            .collect(),
    }
}

fn check_aspects(
    p: &mut Problems,
    reviews: &mut Vec<Review>,
    file: &SourceFile,
    raw: &RawAspects,
    frameworks: &[String],
) -> Vec<Aspect> {
    unique(p, raw.aspect.iter().map(|a| (file, &a.id)), "aspect id");
    raw.aspect
        .iter()
        .map(|a| {
            check_id(p, file, &a.id, "aspect id");
            non_empty(p, file, &a.name, "name");
            non_empty(p, file, &a.verdict, "verdict");
            max_len(p, file, &a.verdict, MAX_VERDICT, "verdict");
            let texts = a.texts.get_ref();
            for fw in frameworks {
                if !texts.contains_key(fw) {
                    p.at(file, a.texts.span(), format!("aspect `{}` has no text for framework `{fw}`", a.id.get_ref()));
                }
            }
            for (fw, text) in texts {
                if !frameworks.contains(fw) {
                    p.at(file, text.span(), unknown("framework", fw, frameworks));
                }
                non_empty(p, file, text, "aspect text");
                max_len(p, file, text, MAX_ASPECT_TEXT, "aspect text");
            }
            let mut pair_verdicts = BTreeMap::new();
            if let Some(pv) = &a.pair_verdicts {
                for (key, verdict) in pv.get_ref() {
                    match framework_set(key, frameworks) {
                        Ok(ids) if ids.len() == 2 => {}
                        Ok(_) => {
                            p.at(file, verdict.span(), format!("pair verdict `{key}` must name exactly two frameworks"))
                        }
                        Err(e) => p.at(file, verdict.span(), e),
                    }
                    non_empty(p, file, verdict, "pair verdict");
                    max_len(p, file, verdict, MAX_VERDICT, "pair verdict");
                    pair_verdicts.insert(key.clone(), raw::text(verdict));
                }
            }
            let entry = format!("aspect `{}`", a.id.get_ref());
            let reviewed = check_reviewed(p, reviews, file, entry, &a.id, a.reviewed.as_ref());
            Aspect {
                pair_verdicts,
                reviewed,
                sources: check_sources(p, file, &a.sources),
                id: raw::text(&a.id),
                name: raw::text(&a.name),
                keywords: a.keywords.iter().map(|k| k.get_ref().to_lowercase()).collect(),
                weak_keywords: a.weak_keywords.iter().map(|k| k.get_ref().to_lowercase()).collect(),
                verdict: raw::text(&a.verdict),
                based_on: a.based_on.as_ref().map(raw::text),
                texts: texts.iter().map(|(k, v)| (k.clone(), raw::text(v))).collect(),
            }
        })
        .collect()
}

/// Phrasings compare equal when they differ only in case, spacing and punctuation.
fn phrasing_key(s: &str) -> String {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

fn check_faqs(
    p: &mut Problems,
    reviews: &mut Vec<Review>,
    file: &SourceFile,
    raw: &RawFaqs,
    frameworks: &[String],
) -> Vec<Faq> {
    unique(p, raw.faq.iter().map(|q| (file, &q.id)), "FAQ id");
    let ids: Vec<String> = raw.faq.iter().map(|q| q.id.get_ref().clone()).collect();
    let mut phrasings: HashMap<String, &str> = HashMap::new();
    for q in &raw.faq {
        for text in std::iter::once(&q.question).chain(&q.phrasings) {
            let key = phrasing_key(text.get_ref());
            if key.is_empty() {
                p.at(file, text.span(), "a question or phrasing must contain words");
            } else if let Some(owner) = phrasings.get(&key) {
                p.at(file, text.span(), format!("duplicate phrasing `{}` (already used by `{owner}`)", text.get_ref()));
            } else {
                phrasings.insert(key, q.id.get_ref());
            }
        }
    }
    raw.faq
        .iter()
        .map(|q| {
            check_id(p, file, &q.id, "FAQ id");
            non_empty(p, file, &q.answer, "answer");
            max_len(p, file, &q.answer, MAX_ANSWER, "answer");
            max_len(p, file, &q.question, 256, "question");
            let mut seen = BTreeSet::new();
            for r in &q.related {
                if !ids.contains(r.get_ref()) {
                    p.at(file, r.span(), unknown("related FAQ id", r.get_ref(), &ids));
                } else if r.get_ref() == q.id.get_ref() {
                    p.at(file, r.span(), format!("FAQ `{}` lists itself as related", q.id.get_ref()));
                } else if !seen.insert(r.get_ref()) {
                    p.at(file, r.span(), format!("related id `{}` listed twice", r.get_ref()));
                }
            }
            let entry = format!("FAQ `{}`", q.id.get_ref());
            let reviewed = check_reviewed(p, reviews, file, entry, &q.id, q.reviewed.as_ref());
            let sources = check_sources(p, file, &q.sources);
            // What a front door shows, not only the answer: title, answer, its basis and its sources together.
            let rendered = q.question.get_ref().chars().count()
                + q.answer.get_ref().chars().count()
                + q.based_on.as_ref().map_or(0, |b| b.get_ref().chars().count() + RENDERED_BASIS_OVERHEAD)
                + crate::reply::sources_markdown(&sources).chars().count()
                + RENDERED_FOOTER_RESERVE;
            if rendered > MAX_RENDERED {
                p.at(
                    file,
                    q.answer.span(),
                    format!(
                        "FAQ `{}` renders to {rendered} characters with its title, basis, sources and footer; one Discord message holds {MAX_RENDERED}",
                        q.id.get_ref()
                    ),
                );
            }
            for key in q.for_pairs.iter().flat_map(|m| m.get_ref().keys()) {
                if let Err(e) = framework_set(key, frameworks) {
                    p.at(file, q.for_pairs.as_ref().map_or(q.id.span(), |m| m.span()), e);
                }
            }
            Faq {
                reviewed,
                sources,
                frameworks: q.frameworks.iter().flatten().map(raw::text).collect(),
                for_pairs: q
                    .for_pairs
                    .iter()
                    .flat_map(|m| m.get_ref().iter().map(|(k, v)| (k.clone(), raw::text(v))))
                    .collect(),
                id: raw::text(&q.id),
                question: raw::text(&q.question),
                phrasings: raw::texts(&q.phrasings),
                answer: raw::text(&q.answer),
                related: raw::texts(&q.related),
                based_on: q.based_on.as_ref().map(raw::text),
            }
        })
        .collect()
}

/// A `pair_verdicts` or `for_pairs` key: two or three known framework ids, sorted, joined by `-`.
fn framework_set<'a>(key: &str, frameworks: &'a [String]) -> Result<Vec<&'a str>, String> {
    // Ids may contain `-` themselves: read the key greedily against the known ids.
    let mut rest = key;
    let mut ids = Vec::new();
    while !rest.is_empty() {
        let Some(id) = frameworks
            .iter()
            .filter(|f| rest == f.as_str() || rest.starts_with(&format!("{f}-")))
            .max_by_key(|f| f.len())
        else {
            return Err(format!(
                "`{key}` is not a set of framework ids joined by `-` (known: {})",
                frameworks.join(", ")
            ));
        };
        ids.push(id.as_str());
        rest = rest[id.len()..].trim_start_matches('-');
    }
    let sorted = crate::knowledge::pair_key(&ids);
    if ids.len() < 2 || sorted != key {
        return Err(format!("`{key}` must name two or three different frameworks in alphabetical order (`{sorted}`)"));
    }
    Ok(ids)
}

/// FAQ `frameworks` name known frameworks or others; `for_pairs` point at known answers.
fn check_faq_frameworks(p: &mut Problems, file: &SourceFile, raw: &RawFaqs, kb: &KnowledgeBase) {
    let names: Vec<String> =
        kb.frameworks.iter().map(|f| f.id.clone()).chain(kb.others.iter().map(|o| o.id.clone())).collect();
    let labels = kb.labels();
    for q in &raw.faq {
        for fw in q.frameworks.iter().flatten() {
            if !names.contains(fw.get_ref()) {
                p.at(file, fw.span(), unknown("framework", fw.get_ref(), &names));
            }
        }
        for label in q.for_pairs.iter().flat_map(|m| m.get_ref().values()) {
            let ok = (label.get_ref().starts_with("faq:") || label.get_ref().starts_with("compare:"))
                && labels.contains(label.get_ref());
            if !ok {
                p.at(file, label.span(), unknown("answer (`faq:ID` or `compare:ASPECT`)", label.get_ref(), &labels));
            }
        }
    }
}

fn check_others(
    p: &mut Problems,
    reviews: &mut Vec<Review>,
    file: &SourceFile,
    raw: &RawOthers,
    frameworks: &[String],
) -> Vec<Other> {
    unique(p, raw.other.iter().map(|o| (file, &o.id)), "framework id");
    let mut names: HashMap<String, String> = HashMap::new();
    raw.other
        .iter()
        .map(|o| {
            check_id(p, file, &o.id, "framework id");
            if frameworks.contains(o.id.get_ref()) {
                p.at(
                    file,
                    o.id.span(),
                    format!("`{}` is a framework of frameworks/; others.toml holds the rest", o.id.get_ref()),
                );
            }
            non_empty(p, file, &o.name, "name");
            non_empty(p, file, &o.summary, "summary");
            max_len(p, file, &o.summary, 600, "summary");
            let kind = match o.kind.get_ref().as_str() {
                "python" => OtherKind::Python,
                "ecosystem" => OtherKind::Ecosystem,
                other => {
                    p.at(file, o.kind.span(), format!("kind `{other}` must be `python` or `ecosystem`"));
                    OtherKind::Python
                }
            };
            let mut aliases: Vec<String> = Vec::new();
            for a in std::iter::once(&o.name).chain(&o.aliases) {
                let alias = a.get_ref().trim().to_lowercase();
                if alias.is_empty() {
                    p.at(file, a.span(), "an alias must not be empty");
                    continue;
                }
                match names.get(&alias) {
                    Some(owner) if owner != o.id.get_ref() => {
                        p.at(file, a.span(), format!("alias `{alias}` is already a name of `{owner}`"))
                    }
                    _ => {
                        names.insert(alias.clone(), o.id.get_ref().clone());
                    }
                }
                aliases.push(alias);
            }
            let entry = format!("framework `{}`", o.id.get_ref());
            let reviewed = check_reviewed(p, reviews, file, entry, &o.id, o.reviewed.as_ref());
            let sources = check_sources(p, file, &o.sources);
            if sources.is_empty() {
                p.at(file, o.id.span(), format!("`{}` needs at least one source", o.id.get_ref()));
            }
            Other {
                id: raw::text(&o.id),
                name: raw::text(&o.name),
                aliases: aliases.into_iter().skip(1).collect(),
                kind,
                summary: raw::text(&o.summary),
                faq: raw::text(&o.faq),
                based_on: o.based_on.as_ref().map(raw::text),
                reviewed,
                sources,
            }
        })
        .collect()
}

fn check_dialog(p: &mut Problems, file: &SourceFile, raw: &RawDialog, frameworks: &[String]) -> Dialog {
    unique(p, raw.step.iter().map(|s| (file, &s.id)), "step id");
    let step_ids: Vec<String> = raw.step.iter().map(|s| s.id.get_ref().clone()).collect();
    let known_step = |p: &mut Problems, id: &S<String>| {
        if !step_ids.contains(id.get_ref()) {
            p.at(file, id.span(), unknown("step", id.get_ref(), &step_ids));
            false
        } else {
            true
        }
    };
    non_empty(p, file, &raw.intro, "intro");
    let start_ok = known_step(p, &raw.start);

    let mut edges: BTreeMap<&str, Vec<&S<String>>> = BTreeMap::new();
    for step in &raw.step {
        check_id(p, file, &step.id, "step id");
        non_empty(p, file, &step.text, "step text");
        max_len(p, file, &step.text, 256, "step text");
        let n = step.option.len();
        if !(2..=MAX_OPTIONS).contains(&n) {
            p.at(
                file,
                step.id.span(),
                format!(
                    "step `{}` has {n} option{}; a step needs 2 to {MAX_OPTIONS}",
                    step.id.get_ref(),
                    if n == 1 { "" } else { "s" }
                ),
            );
        }
        unique(p, step.option.iter().map(|o| (file, &o.id)), "option id in this step");
        unique(p, step.option.iter().map(|o| (file, &o.label)), "option label in this step");
        let targets = edges.entry(step.id.get_ref()).or_default();
        for option in &step.option {
            check_id(p, file, &option.id, "option id");
            non_empty(p, file, &option.label, "label");
            max_len(p, file, &option.label, MAX_LABEL, "label");
            non_empty(p, file, &option.reason, "reason");
            max_len(p, file, &option.reason, 300, "reason");
            let weights = option.weights.get_ref();
            for fw in frameworks {
                if !weights.contains_key(fw) {
                    p.at(
                        file,
                        option.weights.span(),
                        format!("option `{}` has no weight for framework `{fw}`", option.id.get_ref()),
                    );
                }
            }
            for (fw, w) in weights {
                if !frameworks.contains(fw) {
                    p.at(file, w.span(), unknown("framework", fw, frameworks));
                }
                if !WEIGHT_RANGE.contains(w.get_ref()) {
                    p.at(file, w.span(), format!("weight {} is outside -5..5", w.get_ref()));
                }
            }
            match option.next.as_ref().or(step.next.as_ref()) {
                // Only real steps become edges; `known_step` reports the others.
                Some(next) if option.next.is_some() && known_step(p, next) => targets.push(next),
                Some(_) if option.next.is_some() => {}
                // The step's own `next` is shared by all its options: one edge, not one per option.
                Some(next) if !targets.iter().any(|t| std::ptr::eq(*t, next)) => targets.push(next),
                Some(_) => {}
                None => {}
            }
        }
        if let Some(next) = &step.next {
            known_step(p, next);
        }
    }

    if start_ok {
        check_graph(p, file, raw, &edges);
    }

    Dialog {
        start: raw::text(&raw.start),
        intro: raw::text(&raw.intro),
        steps: raw
            .step
            .iter()
            .map(|s| Step {
                id: raw::text(&s.id),
                text: raw::text(&s.text),
                help: s.help.as_ref().map(raw::text),
                next: s.next.as_ref().map(raw::text),
                options: s
                    .option
                    .iter()
                    .map(|o| DialogOption {
                        id: raw::text(&o.id),
                        label: raw::text(&o.label),
                        keywords: o.keywords.iter().map(|k| k.get_ref().to_lowercase()).collect(),
                        reason: raw::text(&o.reason),
                        weights: o
                            .weights
                            .get_ref()
                            .iter()
                            .map(|(k, v)| (k.clone(), (*v.get_ref()).clamp(-5, 5) as i32))
                            .collect(),
                        next: o.next.as_ref().map(raw::text),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Every step reachable from `start`, and no path that loops (each path must end in a verdict).
fn check_graph(p: &mut Problems, file: &SourceFile, raw: &RawDialog, edges: &BTreeMap<&str, Vec<&S<String>>>) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Active,
        Done,
    }
    let mut marks: HashMap<&str, Mark> = HashMap::new();
    // Iterative DFS: (step, index of the next edge to follow).
    let mut stack: Vec<(&str, usize)> = vec![(raw.start.get_ref(), 0)];
    marks.insert(raw.start.get_ref(), Mark::Active);
    while let Some((step, i)) = stack.last_mut() {
        let out = edges.get(*step).map_or(&[][..], Vec::as_slice);
        if let Some(target) = out.get(*i) {
            *i += 1;
            let t = target.get_ref().as_str();
            match marks.get(t) {
                Some(Mark::Active) => {
                    p.at(file, target.span(), format!("`next = \"{t}\"` makes a loop: the dialog could never end"))
                }
                Some(Mark::Done) => {}
                None => {
                    marks.insert(t, Mark::Active);
                    stack.push((t, 0));
                }
            }
        } else {
            marks.insert(step, Mark::Done);
            stack.pop();
        }
    }
    for step in &raw.step {
        if !marks.contains_key(step.id.get_ref().as_str()) {
            p.at(
                file,
                step.id.span(),
                format!("step `{}` can never be reached from `{}`", step.id.get_ref(), raw.start.get_ref()),
            );
        }
    }
}

fn check_lexicon(p: &mut Problems, file: &SourceFile, raw: &RawLexicon) -> Lexicon {
    let mut synonyms = BTreeMap::new();
    for (word, target) in &raw.synonyms {
        if target.get_ref().trim().is_empty() {
            p.at(file, target.span(), format!("synonym for `{word}` must not be empty"));
        }
        synonyms.insert(word.to_lowercase(), target.get_ref().to_lowercase());
    }
    let lower = |v: &[S<String>]| v.iter().map(|w| w.get_ref().to_lowercase()).collect::<Vec<_>>();
    Lexicon { ignore: lower(&raw.ignore), foreign: lower(&raw.foreign), synonyms }
}
