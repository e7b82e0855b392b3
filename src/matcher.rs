//! Maps a chat message to the piece of knowledge that answers it.
//!
//! The technique is lexical and runs in microseconds, with no model to download:
//! 1. *Clean*: drop Discord mentions, custom emoji, URLs and fenced code; lower-case; split into words.
//! 2. *Repair*: a word the knowledge never uses is corrected to a known word one edit away ("djnago" -> "django",
//!    "perfomance" -> "performance"), found through a table of single-character deletions.
//! 3. *Fold*: the lexicon's synonyms and slang ("db", "w/", "faster"), filler words dropped, Snowball stemming.
//! 4. *Slot*: framework names and aspect keywords are also replaced by slot terms, so the lexicon's question
//!    shapes ("which framework has better {aspect}") cover every framework and aspect at once.
//! 5. *Score*: every FAQ phrasing and question shape is a small document of IDF-weighted terms. A label's score
//!    combines how much of its best document the message covers with how much of the message the label explains;
//!    words the knowledge has never seen count fully against it, which is what makes off-topic text abstain.
//!
//! The matcher abstains (`Label::None`) below a confidence threshold and reports close seconds so front doors can
//! offer "did you mean".

use std::collections::{HashMap, HashSet};

use rust_stemmers::{Algorithm, Stemmer};

use crate::knowledge::KnowledgeBase;

/// What a message is asking for. Indices point into the knowledge base's vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Label {
    Faq(usize),
    Compare(usize),
    Framework(usize),
    Decide,
    None,
}

/// The matcher's reading of one message.
#[derive(Debug, Clone)]
pub struct Match {
    pub label: Label,
    /// 0..1: how well the best label explains the message.
    pub confidence: f32,
    /// Every candidate label with its score, best first (the abstention itself excluded).
    pub ranked: Vec<(Label, f32)>,
    /// Frameworks the message names, in order of appearance (indices into `KnowledgeBase::frameworks`).
    pub frameworks: Vec<usize>,
    /// Aspects the message names, in order of appearance.
    pub aspects: Vec<usize>,
    /// The message only names frameworks the knowledge does not cover.
    pub foreign_only: bool,
}

/// Messages longer than this are cut before matching: a question never needs more, and it bounds the work.
pub const MAX_MATCH_CHARS: usize = 2_000;

/// The knobs of the score (see the module docs), set on evidence from `tests/eval` (`examples/eval.rs --tune`).
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    /// Exponent on how much of the best document the message covers.
    pub alpha: f32,
    /// Exponent on how much of the message the label explains.
    pub beta: f32,
    /// Weight of a word the knowledge never uses, as a share of the rarest known word's weight.
    pub unknown: f32,
    /// Factor on a document that names only frameworks other than those the message names.
    pub mismatch: f32,
    /// Share of "how much of the message is explained" taken from the matching document alone (the rest from
    /// every document of its label): a short shape such as "what is {framework}" must not explain a long message.
    pub own_doc: f32,
    /// Least weight of a framework name, as a share of the rarest known word's weight.
    pub framework_floor: f32,
    /// Weight of a how-to word ("install", "error"), as a share of the rarest known word's weight.
    pub howto: f32,
    /// Below this score the matcher abstains.
    pub threshold: f32,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            alpha: 0.7,
            beta: 0.75,
            unknown: 0.75,
            mismatch: 0.5,
            own_doc: 0.25,
            framework_floor: 0.3,
            howto: 1.5,
            threshold: 0.30,
        }
    }
}

/// The default abstention threshold.
pub const THRESHOLD: f32 = 0.30;

const SLOT_FRAMEWORK: &str = "§framework";
const SLOT_ASPECT: &str = "§aspect";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum DocLabel {
    Faq(usize),
    AnyAspect,
    AnyFramework,
    Decide,
}

#[derive(Debug)]
struct Doc {
    /// Index into `Matcher::labels`.
    label: usize,
    /// Bit `i` set when the document names framework `i`.
    frameworks: u64,
    weight: f32,
}

/// A compiled matcher over one knowledge base. Immutable; cheap to share behind an `Arc`.
pub struct Matcher {
    tuning: Tuning,
    stemmer: Stemmer,
    /// Surface words any text of the knowledge uses: a message word outside it is a candidate typo.
    vocabulary: HashSet<String>,
    /// Deletion-neighbourhood of the vocabulary: "djngo" -> ["django"], for one-edit typo repair.
    deletions: HashMap<String, Vec<String>>,
    synonyms: HashMap<Vec<String>, Vec<String>>,
    longest_synonym: usize,
    ignore: HashSet<String>,
    foreign: HashSet<String>,
    /// Stems that mark a how-to or debugging question, which the knowledge does not answer.
    howto: HashSet<String>,
    /// Word (lower case, unstemmed) -> framework index.
    framework_names: HashMap<String, usize>,
    /// Stemmed keyword sequences -> aspect index, longest first.
    /// (stems, aspect, weak): a weak keyword ("easy") names its aspect only when no other aspect is named.
    aspect_keywords: Vec<(Vec<String>, usize, bool)>,
    /// First stem of each keyword sequence -> its indices in `aspect_keywords`.
    aspect_first: HashMap<String, Vec<usize>>,
    /// How telling each keyword of `aspect_keywords` is (rarer in the questions = more telling).
    aspect_strength: Vec<f32>,
    /// Words that tie a message without framework names to the topic ("which framework ...", "which one ...").
    anchors: HashSet<String>,
    weak_anchors: HashSet<String>,
    decide_cues: HashSet<String>,
    terms: HashMap<String, u32>,
    idf: Vec<f32>,
    unknown_idf: f32,
    docs: Vec<Doc>,
    /// Term -> documents containing it, separately for plain and slotted documents.
    postings: [Vec<Vec<u32>>; 2],
    /// Per label, the set of terms any of its documents uses (for "how much of the message does it explain").
    /// Every label documents can have; `Doc::label` indexes it.
    labels: Vec<DocLabel>,
    /// Per variant (plain, slotted) and term, the labels whose documents use it (for "how much of the message does
    /// the label explain").
    term_labels: [Vec<Vec<u16>>; 2],
}

/// A message after cleaning and folding.
#[derive(Debug, Default)]
struct Reading {
    plain: Vec<String>,
    slotted: Vec<String>,
    frameworks: Vec<usize>,
    aspects: Vec<usize>,
    foreign: bool,
    anchored: bool,
    /// The message asks for advice ("recommend", "should", "choose"): needed for a `decide` answer.
    decide_cue: bool,
}

impl Matcher {
    pub fn new(kb: &KnowledgeBase) -> Self {
        Self::with_tuning(kb, Tuning::default())
    }

    pub fn with_tuning(kb: &KnowledgeBase, tuning: Tuning) -> Self {
        let lex = &kb.lexicon;
        let mut m = Matcher {
            tuning,
            stemmer: Stemmer::create(Algorithm::English),
            vocabulary: HashSet::new(),
            deletions: HashMap::new(),
            synonyms: HashMap::new(),
            longest_synonym: 1,
            ignore: lex.ignore.iter().cloned().collect(),
            foreign: lex.foreign.iter().cloned().collect(),
            howto: HashSet::new(),
            framework_names: HashMap::new(),
            aspect_keywords: Vec::new(),
            aspect_strength: Vec::new(),
            aspect_first: HashMap::new(),
            anchors: lex.anchors.iter().cloned().collect(),
            weak_anchors: lex.weak_anchors.iter().cloned().collect(),
            decide_cues: lex.decide_cues.iter().cloned().collect(),
            terms: HashMap::new(),
            idf: Vec::new(),
            unknown_idf: 0.0,
            docs: Vec::new(),
            postings: [Vec::new(), Vec::new()],
            labels: Vec::new(),
            term_labels: [Vec::new(), Vec::new()],
        };
        for (from, to) in &lex.synonyms {
            let key = words(from);
            m.longest_synonym = m.longest_synonym.max(key.len());
            m.synonyms.insert(key, words(to));
        }
        for (i, fw) in kb.frameworks.iter().enumerate() {
            for name in std::iter::once(&fw.id).chain(&fw.aliases).chain(std::iter::once(&fw.name.to_lowercase())) {
                match words(name).as_slice() {
                    [] => {}
                    [w] => {
                        m.framework_names.insert(w.clone(), i);
                    }
                    // "fast api" names FastAPI only as a phrase; "fast" alone is about speed.
                    phrase => {
                        m.longest_synonym = m.longest_synonym.max(phrase.len());
                        m.synonyms.insert(phrase.to_vec(), vec![fw.id.clone()]);
                    }
                }
            }
        }

        // Vocabulary: every word of every text the matcher compares against, and of the lexicon itself.
        let mut texts: Vec<&str> = Vec::new();
        for faq in &kb.faqs {
            texts.push(&faq.question);
            texts.extend(faq.phrasings.iter().map(String::as_str));
        }
        for a in &kb.aspects {
            texts.push(&a.name);
            texts.extend(a.keywords.iter().map(String::as_str));
        }
        for s in &kb.dialog.steps {
            for o in &s.options {
                texts.push(&o.label);
                texts.extend(o.keywords.iter().map(String::as_str));
            }
        }
        let intents = &lex.intents;
        texts.extend(intents.framework.iter().chain(&intents.compare).chain(&intents.decide).map(String::as_str));
        let lexicon_words: Vec<&String> =
            lex.synonyms.iter().flat_map(|(k, v)| [k, v]).chain(&lex.ignore).chain(&lex.foreign).collect();
        for t in texts.iter().copied().chain(lexicon_words.iter().map(|s| s.as_str())) {
            for w in words(t) {
                m.vocabulary.insert(w);
            }
        }
        m.vocabulary.extend(m.framework_names.keys().cloned());
        for w in &m.vocabulary {
            if w.chars().count() >= 4 && !w.starts_with('{') {
                for d in deletions(w) {
                    m.deletions.entry(d).or_default().push(w.clone());
                }
            }
        }

        m.howto = lex.howto.iter().flat_map(|w| m.fold(&words(w), false)).collect();
        for (i, a) in kb.aspects.iter().enumerate() {
            for k in a.keywords.iter().chain(std::iter::once(&a.name.to_lowercase())).chain(std::iter::once(&a.id)) {
                let seq = m.fold(&m.apply_synonyms(words(k)), false);
                if !seq.is_empty() {
                    m.aspect_keywords.push((seq, i, false));
                }
            }
            for k in &a.weak_keywords {
                let seq = m.fold(&m.apply_synonyms(words(k)), false);
                if !seq.is_empty() {
                    m.aspect_keywords.push((seq, i, true));
                }
            }
        }
        m.aspect_keywords.sort_by_key(|k| std::cmp::Reverse(k.0.len()));
        for (k, (seq, _, _)) in m.aspect_keywords.iter().enumerate() {
            m.aspect_first.entry(seq[0].clone()).or_default().push(k);
        }

        // Documents.
        let mut raw_docs: Vec<(DocLabel, bool, Vec<String>, u64)> = Vec::new();
        for (i, faq) in kb.faqs.iter().enumerate() {
            for q in std::iter::once(&faq.question).chain(&faq.phrasings) {
                let r = m.read_template(q);
                raw_docs.push((DocLabel::Faq(i), false, r.plain, mask(&r.frameworks)));
            }
        }
        for (templates, label) in [
            (&intents.framework, DocLabel::AnyFramework),
            (&intents.compare, DocLabel::AnyAspect),
            (&intents.decide, DocLabel::Decide),
        ] {
            for t in templates {
                raw_docs.push((label, true, m.read_template(t).slotted, 0));
            }
        }
        let mut df: Vec<u32> = Vec::new();
        let mut doc_terms: Vec<Vec<u32>> = Vec::new();
        for (_, _, terms, _) in &raw_docs {
            let mut ids: Vec<u32> = terms
                .iter()
                .map(|t| {
                    let next = m.terms.len() as u32;
                    *m.terms.entry(t.clone()).or_insert(next)
                })
                .collect();
            ids.sort_unstable();
            ids.dedup();
            df.resize(m.terms.len(), 0);
            for &t in &ids {
                df[t as usize] += 1;
            }
            doc_terms.push(ids);
        }
        let n = raw_docs.len().max(1) as f32;
        m.idf = df.iter().map(|&d| (1.0 + n / d as f32).ln()).collect();
        m.unknown_idf = (1.0 + n).ln();
        // Framework names are in most questions, so IDF alone would make them nearly weightless; but which
        // framework a question is about matters ("should i use fastapi" is not "should i use").
        let floor = m.unknown_idf * m.tuning.framework_floor;
        for (term, &id) in &m.terms {
            if m.framework_names.contains_key(term.as_str()) {
                m.idf[id as usize] = m.idf[id as usize].max(floor);
            }
        }
        m.postings = [vec![Vec::new(); m.terms.len()], vec![Vec::new(); m.terms.len()]];
        m.term_labels = [vec![Vec::new(); m.terms.len()], vec![Vec::new(); m.terms.len()]];
        for (d, ((label, slotted, _, frameworks), ids)) in raw_docs.into_iter().zip(doc_terms).enumerate() {
            let weight = ids.iter().map(|&t| m.idf[t as usize]).sum();
            let label_idx = match m.labels.iter().position(|l| *l == label) {
                Some(i) => i,
                None => {
                    m.labels.push(label);
                    m.labels.len() - 1
                }
            };
            for &t in &ids {
                m.postings[slotted as usize][t as usize].push(d as u32);
                let owners = &mut m.term_labels[slotted as usize][t as usize];
                if !owners.contains(&(label_idx as u16)) {
                    owners.push(label_idx as u16);
                }
            }
            m.docs.push(Doc { label: label_idx, frameworks, weight });
        }
        m.aspect_strength = m
            .aspect_keywords
            .iter()
            .map(|(seq, _, weak)| if *weak { 0.0 } else { 1.0 } * seq.iter().map(|t| m.terms.get(t).map_or(m.unknown_idf, |&id| m.idf[id as usize])).fold(0.0, f32::max))
            .collect();
        m
    }

    /// Reads a knowledge text: the same folding as a message, without typo repair (the knowledge is the reference).
    fn read_template(&self, text: &str) -> Reading {
        let tokens: Vec<String> = words(text)
            .into_iter()
            .map(|w| match w.as_str() {
                "{framework}" => SLOT_FRAMEWORK.to_string(),
                "{aspect}" => SLOT_ASPECT.to_string(),
                _ => w,
            })
            .collect();
        self.read_tokens(tokens, false)
    }

    /// Cleans, repairs and folds a chat message.
    fn read(&self, message: &str) -> Reading {
        // Cut after cleaning, so a question after a long pasted code block is still read.
        let cleaned = clean(message);
        self.read_tokens(words(truncate_chars(&cleaned, MAX_MATCH_CHARS)), true)
    }

    fn read_tokens(&self, tokens: Vec<String>, repair: bool) -> Reading {
        let mut r = Reading::default();
        let mut ours = false;
        let mut tokens: Vec<String> = tokens
            .into_iter()
            .map(|w| if repair && !self.vocabulary.contains(&w) { self.repair(&w).unwrap_or(w) } else { w })
            .collect();
        tokens = self.apply_synonyms(tokens);
        r.foreign = tokens.iter().any(|w| self.foreign.contains(w));
        r.anchored = tokens.iter().any(|w| self.anchors.contains(w));
        let weakly_anchored = tokens.iter().any(|w| self.weak_anchors.contains(w));

        // Frameworks, in order, before stemming (names are matched as typed).
        for w in &tokens {
            if let Some(&i) = self.framework_names.get(w) {
                ours = true;
                if !r.frameworks.contains(&i) {
                    r.frameworks.push(i);
                }
            }
        }
        let mut stems = self.fold(&tokens, true);

        // Aspects: longest keyword sequences first, each word used once.
        let mut used = vec![false; stems.len()];
        let mut aspect_at: Vec<(usize, usize, usize)> = Vec::new(); // (start, len, aspect)
        let mut strength_of: HashMap<usize, f32> = HashMap::new();
        // Only keywords whose first word is in the message can match; kept in longest-first order.
        let mut candidates: Vec<usize> =
            stems.iter().filter_map(|s| self.aspect_first.get(s)).flatten().copied().collect();
        candidates.sort_unstable();
        candidates.dedup();
        for k in candidates {
            let (seq, aspect, _) = &self.aspect_keywords[k];
            if seq.len() > stems.len() {
                continue;
            }
            for start in 0..=stems.len() - seq.len() {
                let span = start..start + seq.len();
                if used[span.clone()].iter().any(|&u| u) || stems[span.clone()] != seq[..] {
                    continue;
                }
                used[span].iter_mut().for_each(|u| *u = true);
                aspect_at.push((start, seq.len(), *aspect));
                let strength = self.aspect_strength.get(k).copied().unwrap_or(0.0);
                let e = strength_of.entry(*aspect).or_default();
                *e = e.max(strength);
            }
        }
        aspect_at.sort_unstable();
        for &(_, _, a) in &aspect_at {
            if !r.aspects.contains(&a) {
                r.aspects.push(a);
            }
        }
        // The most telling keyword leads ("does django support async": async, not "support" of ecosystem).
        r.aspects.sort_by(|a, b| strength_of[b].total_cmp(&strength_of[a]));
        // Only the leading aspect becomes a slot; other keywords stay words.
        aspect_at.retain(|&(_, _, a)| Some(&a) == r.aspects.first());

        let mut slotted = Vec::with_capacity(stems.len());
        let mut i = 0;
        while i < stems.len() {
            if let Some(&(_, len, _)) = aspect_at.iter().find(|(s, _, _)| *s == i) {
                slotted.push(SLOT_ASPECT.to_string());
                i += len;
                continue;
            }
            let s = &stems[i];
            if self.framework_names.contains_key(s.as_str()) {
                slotted.push(SLOT_FRAMEWORK.to_string());
            } else {
                slotted.push(s.clone());
            }
            i += 1;
        }
        // Which framework comes first carries meaning ("flask over django" is not "django over flask").
        if let [a, b, ..] = r.frameworks[..] {
            stems.push(format!("§{a}>{b}"));
        }
        r.plain = stems;
        r.slotted = slotted;
        r.foreign &= !ours && !r.anchored;
        r.anchored |= ours || weakly_anchored;
        r.decide_cue = tokens.iter().any(|w| self.decide_cues.contains(w));
        r
    }

    /// Drops filler words and stems the rest. Framework names and slots pass through unstemmed.
    fn fold(&self, tokens: &[String], drop_ignored: bool) -> Vec<String> {
        tokens
            .iter()
            .filter(|w| !(drop_ignored && self.ignore.contains(w.as_str())))
            .map(|w| {
                if w.starts_with('§') || self.framework_names.contains_key(w.as_str()) {
                    w.clone()
                } else {
                    self.stemmer.stem(w).into_owned()
                }
            })
            .collect()
    }

    fn apply_synonyms(&self, tokens: Vec<String>) -> Vec<String> {
        let mut out = Vec::with_capacity(tokens.len());
        let mut i = 0;
        'outer: while i < tokens.len() {
            for len in (1..=self.longest_synonym.min(tokens.len() - i)).rev() {
                if let Some(to) = self.synonyms.get(&tokens[i..i + len]) {
                    out.extend(to.iter().cloned());
                    i += len;
                    continue 'outer;
                }
            }
            out.push(tokens[i].clone());
            i += 1;
        }
        out
    }

    /// The known word one edit away from `word`, when exactly one is (ties resolved towards the more common form).
    fn repair(&self, word: &str) -> Option<String> {
        let n = word.chars().count();
        if n < 4 || word.chars().any(|c| c.is_ascii_digit()) {
            return None;
        }
        let mut candidates: Vec<&String> = Vec::new();
        let mut probe = |key: &str| {
            if let Some(list) = self.deletions.get(key) {
                candidates.extend(list.iter());
            }
        };
        // Short words are too often other real words ("heard" is not "hard"), so the shorter the word, the fewer
        // kinds of edit are tried.
        probe(word); // a letter missing from the message ("fastpi", "flsk")
        for d in deletions(word) {
            if n >= 6 && self.vocabulary.contains(&d) {
                return Some(d); // an extra letter in the message ("flaskk")
            }
            if n >= 5 {
                probe(&d); // a substituted or swapped letter ("djnago")
            }
        }
        candidates.sort();
        candidates.dedup();
        candidates
            .into_iter()
            .filter(|c| strsim::damerau_levenshtein(word, c) <= 1 + usize::from(n >= 8))
            .filter(|c| c.chars().count() + 1 >= n || n >= 5)
            .min_by_key(|c| (strsim::damerau_levenshtein(word, c), c.len()))
            .cloned()
    }

    fn weight(&self, term: &str) -> (Option<u32>, f32) {
        if self.howto.contains(term) {
            return (None, self.unknown_idf * self.tuning.howto);
        }
        match self.terms.get(term) {
            Some(&id) => (Some(id), self.idf[id as usize]),
            None => (None, self.unknown_idf * self.tuning.unknown),
        }
    }

    /// Reads and scores a message.
    pub fn match_message(&self, message: &str) -> Match {
        let r = self.read(message);
        // Per label, the best score of any of its documents.
        let mut best: Vec<Option<f32>> = vec![None; self.labels.len()];
        let mut union_cover = vec![0f32; self.labels.len()];
        let query_mask = mask(&r.frameworks);
        for (variant, query) in [(0usize, &r.plain), (1usize, &r.slotted)] {
            let mut seen: Vec<&str> = Vec::with_capacity(query.len());
            let mut query_terms: Vec<(Option<u32>, f32)> = Vec::with_capacity(query.len());
            for t in query.iter() {
                if !seen.contains(&t.as_str()) {
                    seen.push(t);
                    query_terms.push(self.weight(t));
                }
            }
            let total: f32 = query_terms.iter().map(|(_, w)| w).sum();
            if total <= 0.0 {
                continue;
            }
            // Dense accumulator: a few hundred documents, cheaper than hashing each posting.
            let mut shared_weight = vec![0f32; self.docs.len()];
            let mut touched: Vec<u32> = Vec::new();
            for &(id, w) in &query_terms {
                let Some(id) = id else { continue };
                for &d in &self.postings[variant][id as usize] {
                    if shared_weight[d as usize] == 0.0 {
                        touched.push(d);
                    }
                    shared_weight[d as usize] += w;
                }
            }
            let inter = touched.into_iter().map(|d| (d, shared_weight[d as usize]));
            // How much of the message each label's vocabulary explains, over all its documents.
            union_cover.iter_mut().for_each(|c| *c = 0.0);
            for &(id, w) in &query_terms {
                let Some(id) = id else { continue };
                for &l in &self.term_labels[variant][id as usize] {
                    union_cover[l as usize] += w / total;
                }
            }
            let lambda = self.tuning.own_doc;
            for (d, shared) in inter {
                let doc = &self.docs[d as usize];
                let mut cover = (shared / doc.weight).min(1.0);
                if doc.frameworks != 0 && query_mask != 0 && doc.frameworks & query_mask == 0 {
                    cover *= self.tuning.mismatch;
                }
                let query_cover = lambda * (shared / total) + (1.0 - lambda) * union_cover[doc.label];
                let score = cover.powf(self.tuning.alpha) * query_cover.powf(self.tuning.beta);
                let e = best[doc.label].get_or_insert(0.0);
                *e = e.max(score);
            }
        }

        let mut ranked: Vec<(Label, f32)> = Vec::new();
        for (label, score) in self.labels.iter().zip(best).filter_map(|(l, s)| Some((*l, s?))) {
            match label {
                DocLabel::Faq(i) => ranked.push((Label::Faq(i), score)),
                DocLabel::Decide if r.decide_cue => ranked.push((Label::Decide, score)),
                DocLabel::Decide => {}
                DocLabel::AnyFramework => {
                    // A profile answers "what is X"; a message naming two frameworks is about both.
                    let factor = if r.frameworks.len() > 1 { self.tuning.mismatch } else { 1.0 };
                    if let Some(&fw) = r.frameworks.first() {
                        ranked.push((Label::Framework(fw), score * factor));
                    }
                }
                // A comparison needs the message to be about frameworks at all ("best database for python" is not).
                DocLabel::AnyAspect => {
                    // Every aspect named is a candidate; the most telling leads.
                    for (k, &a) in r.aspects.iter().enumerate() {
                        ranked.push((Label::Compare(a), score * (1.0 - 0.01 * k as f32)));
                    }
                }
            }
        }
        // Best first; on a tie the more specific kind of answer wins (an FAQ over a comparison over a profile).
        // Ties end in the knowledge's order, so the same message always gets the same answer.
        ranked.sort_by(|a, b| {
            b.1.total_cmp(&a.1).then(kind_rank(a.0).cmp(&kind_rank(b.0))).then(label_index(a.0).cmp(&label_index(b.0)))
        });

        // Outside a request for advice, an answer needs the message to be about frameworks at all.
        if !r.anchored {
            ranked.retain(|(l, _)| *l == Label::Decide);
        }
        let (label, confidence) = match ranked.first() {
            _ if r.foreign => (Label::None, 0.0),
            Some(&(label, score)) if score >= self.tuning.threshold => (label, score),
            Some(&(_, score)) => (Label::None, score),
            None => (Label::None, 0.0),
        };
        Match { label, confidence, ranked, frameworks: r.frameworks, aspects: r.aspects, foreign_only: r.foreign }
    }

    /// The folded terms of a message, for diagnostics (`signpost ask --explain`-style debugging and tests).
    pub fn explain(&self, message: &str) -> (Vec<String>, Vec<String>) {
        let r = self.read(message);
        (r.plain, r.slotted)
    }
}

fn kind_rank(label: Label) -> u8 {
    match label {
        Label::Faq(_) => 0,
        Label::Compare(_) => 1,
        Label::Framework(_) => 2,
        Label::Decide => 3,
        Label::None => 4,
    }
}

fn label_index(label: Label) -> usize {
    match label {
        Label::Faq(i) | Label::Compare(i) | Label::Framework(i) => i,
        Label::Decide | Label::None => 0,
    }
}

fn mask(frameworks: &[usize]) -> u64 {
    frameworks.iter().filter(|&&i| i < 64).fold(0, |m, &i| m | 1 << i)
}

/// Cuts `s` to at most `max` characters on a character boundary.
pub fn truncate_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Removes what carries no words: Discord mentions and custom emoji, URLs, fenced code blocks.
fn clean(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    let mut in_fence = false;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("```") {
            in_fence = !in_fence;
            rest = after;
            out.push(' ');
            continue;
        }
        let c = rest.chars().next().unwrap();
        if in_fence {
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '<' {
            // <@123>, <@!123>, <@&123>, <#123>, <:name:123>, <a:name:123>, <t:123:R>, <https://...>
            if let Some(end) = rest.find('>') {
                let inner = &rest[1..end];
                if !inner.is_empty() && !inner.contains(char::is_whitespace) && inner.len() < 120 {
                    rest = &rest[end + 1..];
                    out.push(' ');
                    continue;
                }
            }
        }
        if rest.starts_with("http://") || rest.starts_with("https://") {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            rest = &rest[end..];
            out.push(' ');
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    if in_fence {
        // An unclosed fence: people often forget the closing backticks; keep nothing after it.
        out.push(' ');
    }
    out
}

/// Lower-case words: letters, digits and the joiners that belong inside a word (`e-commerce`, `w/`, `c#`).
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for raw in text
        .split(|c: char| !(c.is_alphanumeric() || matches!(c, '\'' | '’' | '-' | '/' | '{' | '}' | '#' | '§' | '_')))
    {
        let w = raw.trim_matches(|c: char| matches!(c, '\'' | '’' | '-' | '/' | '_'));
        if w.is_empty() {
            continue;
        }
        let w = w.to_lowercase().replace('’', "'");
        // Contractions and possessives: "django's" -> "django", "can't" -> "cant", "what's" -> "whats".
        let w = match w.split_once('\'') {
            Some((head, "s")) if head.len() > 3 => head.to_string(),
            Some((head, tail)) => format!("{head}{tail}"),
            None => w,
        };
        if w.contains('/') && w.len() > 3 {
            // "flask/django" is two words; "w/" and "b/w" are shorthand the lexicon knows.
            out.extend(w.split('/').filter(|p| !p.is_empty()).map(str::to_string));
        } else if w.contains('-') && !w.starts_with('{') {
            // Keep the joined form ("e-commerce") when it is a known phrase; the lexicon decides.
            out.push(w);
        } else {
            out.push(w);
        }
    }
    out
}

/// Every string made by deleting one character of `word`.
fn deletions(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    (0..chars.len())
        .map(|skip| chars.iter().enumerate().filter(|&(i, _)| i != skip).map(|(_, c)| c).collect())
        .collect()
}
