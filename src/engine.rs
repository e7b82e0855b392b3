//! The one facade every front door calls: answers, comparisons, profiles and the decision dialog.

use std::{fmt::Write as _, path::Path, sync::Arc};

use crate::{
    compare::{self, Comparison},
    dialog::Machine,
    error::CoreError,
    knowledge::EMBEDDED_MODEL,
    knowledge::{Framework, KnowledgeBase, KnowledgeError},
    matcher::{normalize::Reading, Label, Match, Matcher, MODEL_FILE},
    reply::{round2, Answer, Guess, Topic},
};

/// Longer questions are refused with a clear message rather than matched: no real question needs more.
pub const MAX_QUESTION_CHARS: usize = 4_000;

/// How many suggestions an answer carries.
const SUGGESTIONS: usize = 3;

/// The least probability for a label to be suggested: below it, a related entry says more.
const SUGGESTION_FLOOR: f32 = 0.002;

/// Knowledge plus its compiled matcher. Immutable; share it as `Arc<Engine>` and swap the `Arc` to reload.
pub struct Engine {
    kb: Arc<KnowledgeBase>,
    matcher: Matcher,
}

impl Engine {
    /// An engine over `kb`, with the shipped model when it was trained on exactly this knowledge (else one trained
    /// now, logged).
    pub fn new(kb: KnowledgeBase) -> Self {
        Self::with_model(kb, None, &mut |line| tracing::info!("{line}"))
    }

    /// An engine over `kb` with the model in `stored` (or the shipped one) when either was trained on exactly
    /// this knowledge; else it trains one, telling `progress`.
    pub fn with_model(kb: KnowledgeBase, stored: Option<&[u8]>, progress: &mut dyn FnMut(&str)) -> Self {
        let candidates: Vec<&[u8]> = stored.into_iter().chain(EMBEDDED_MODEL).collect();
        let matcher = Matcher::new(&kb, &candidates, progress);
        Self { kb: Arc::new(kb), matcher }
    }

    /// The knowledge in `dir` (with its `model.bin` when it matches), or the copy compiled into the binary;
    /// training progress goes to the log.
    pub fn load(dir: Option<&Path>) -> Result<Self, KnowledgeError> {
        Self::load_with_progress(dir, &mut |line| tracing::info!("{line}"))
    }

    pub fn load_with_progress(dir: Option<&Path>, progress: &mut dyn FnMut(&str)) -> Result<Self, KnowledgeError> {
        Ok(match dir {
            Some(dir) => {
                let kb = KnowledgeBase::load(dir)?;
                let stored = std::fs::read(dir.join(MODEL_FILE)).ok();
                Self::with_model(kb, stored.as_deref(), progress)
            }
            None => Self::with_model(KnowledgeBase::embedded()?, None, progress),
        })
    }

    pub fn kb(&self) -> &KnowledgeBase {
        &self.kb
    }

    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    pub fn dialog(&self) -> Machine<'_> {
        Machine::new(&self.kb, &self.matcher)
    }

    /// Answers a chat message. Errors only for an empty or oversized question; "don't know" is an answer.
    pub fn ask(&self, question: &str) -> Result<Answer, CoreError> {
        let len = question.chars().count();
        if len > MAX_QUESTION_CHARS {
            return Err(CoreError::QuestionTooLong { len, max: MAX_QUESTION_CHARS });
        }
        if question.chars().all(|c| c.is_whitespace() || c.is_control()) {
            return Err(CoreError::EmptyQuestion);
        }
        let reading = self.matcher.normalizer().read(question);
        let m = self.matcher.match_reading(&reading);
        Ok(self.answer(question, &reading, &m))
    }

    fn answer(&self, question: &str, reading: &Reading, m: &Match) -> Answer {
        let kb = &*self.kb;
        let confidence = round2(m.confidence);
        let mut suggestions = self.close_seconds(m);
        let mut answer = match m.label {
            Label::Faq(i) => {
                let faq = &kb.faqs[i];
                extend_unique(&mut suggestions, faq.related.iter().cloned());
                let mut text = faq.answer.trim().to_string();
                if let Some(b) = &faq.based_on {
                    let _ = write!(text, "\n\n_Based on: {b}_");
                }
                Answer {
                    topic: Topic::Faq { id: faq.id.clone() },
                    confidence,
                    title: faq.question.clone(),
                    text,
                    suggestions,
                    sources: faq.sources.clone(),
                }
            }
            Label::Compare(a) => {
                let aspect = &kb.aspects[a];
                let (x, y) = self.pair(&m.frameworks);
                let c = compare::comparison(kb, x, y, Some(aspect));
                let answer = self.comparison_answer(&c);
                Answer { confidence, suggestions, ..answer }
            }
            Label::Framework(f) => {
                let fw = &kb.frameworks[f];
                Answer {
                    topic: Topic::Framework { id: fw.id.clone() },
                    confidence,
                    title: fw.name.clone(),
                    text: profile_text(fw),
                    suggestions,
                    sources: fw.sources.clone(),
                }
            }
            Label::Decide => {
                let guess = self.guess(question, reading);
                let mut text = format!(
                    "Sounds like you want a recommendation for your own project: I will ask {} short questions, then recommend a framework with my reasons.",
                    self.dialog_length()
                );
                if let Some(g) = &guess {
                    let name = kb.framework(&g.lean).map_or(g.lean.as_str(), |f| f.name.as_str());
                    let read: Vec<String> = g.read.iter().map(|a| format!("*{}*", a.label)).collect();
                    let _ =
                        write!(text, "\n\nFrom what you wrote ({}), a first guess leans **{name}**.", read.join(", "));
                }
                Answer {
                    topic: Topic::Decide { guess },
                    confidence,
                    title: "Let's decide together".into(),
                    text,
                    suggestions,
                    sources: Vec::new(),
                }
            }
            Label::None => {
                let mut suggestions = suggestions;
                for (label, _) in m.ranked.iter().take(SUGGESTIONS) {
                    extend_unique(&mut suggestions, [self.suggestion(*label)]);
                }
                extend_unique(
                    &mut suggestions,
                    ["which-is-better", "what-about-fastapi", "beginners"].map(String::from),
                );
                let text = if m.foreign_only {
                    "That is outside what I know: I help choose between Python web frameworks (Django, Flask and FastAPI). Here are topics I can answer.".to_string()
                } else {
                    "I don't have a good answer to that in my knowledge. I answer questions about choosing a Python web framework (Django, Flask, FastAPI): comparisons, FAQs, and a guided `/decide`. Closest topics I know:".to_string()
                };
                Answer {
                    topic: Topic::None,
                    confidence,
                    title: "I don't know that one".into(),
                    text,
                    suggestions,
                    sources: Vec::new(),
                }
            }
        };
        answer.suggestions.retain(|s| Some(s.as_str()) != answer_id(&answer.topic));
        answer.suggestions.truncate(SUGGESTIONS);
        answer
    }

    /// The next answers by probability (the "did you mean" a front door shows), down to a floor below which a
    /// label is noise.
    fn close_seconds(&self, m: &Match) -> Vec<String> {
        m.ranked
            .iter()
            .filter(|(l, p)| *l != m.label && *p >= SUGGESTION_FLOOR)
            .take(SUGGESTIONS)
            .map(|(l, _)| self.suggestion(*l))
            .collect()
    }

    fn suggestion(&self, label: Label) -> String {
        let kb = &*self.kb;
        match label {
            Label::Faq(i) => kb.faqs[i].id.clone(),
            Label::Compare(a) => format!("compare:{}", kb.aspects[a].id),
            Label::Framework(f) => format!("framework:{}", kb.frameworks[f].id),
            Label::Decide => "decide".into(),
            Label::None => "none".into(),
        }
    }

    /// The two frameworks a comparison is about: the first two named, else the named one against its most
    /// common rival, else the first two in the knowledge (Django and Flask in the default knowledge).
    fn pair(&self, named: &[usize]) -> (&Framework, &Framework) {
        let fws = &self.kb.frameworks;
        let default: Vec<usize> = ["django", "flask"]
            .iter()
            .filter_map(|id| fws.iter().position(|f| f.id == *id))
            .chain(0..fws.len())
            .collect();
        let mut picked: Vec<usize> = named.iter().copied().take(2).collect();
        for d in default {
            if picked.len() == 2 {
                break;
            }
            if !picked.contains(&d) {
                picked.push(d);
            }
        }
        (&fws[picked[0]], &fws[picked[picked.len().min(2) - 1]])
    }

    fn dialog_length(&self) -> usize {
        // The shortest path can be shorter, but "about N" reads worse than the count of the main line.
        let mut n = 0;
        let mut step = self.kb.step(&self.kb.dialog.start);
        while let Some(s) = step {
            n += 1;
            step = s.next.as_deref().and_then(|id| self.kb.step(id));
            if n > self.kb.dialog.steps.len() {
                break;
            }
        }
        n
    }

    fn guess(&self, question: &str, reading: &Reading) -> Option<Guess> {
        let machine = self.dialog();
        let state = machine.opening_read(question, reading);
        let read = machine.answers_of(&state);
        if read.is_empty() {
            return None;
        }
        let verdict = machine.verdict(&read);
        Some(Guess { lean: verdict.recommendation, scores: verdict.scores, read: machine.assumed(&state), state })
    }

    pub fn compare(&self, first: &str, second: &str, aspect: Option<&str>) -> Result<Comparison, CoreError> {
        compare::compare(&self.kb, first, second, aspect)
    }

    /// A comparison as an answer: on one aspect, what `/compare ... aspect` shows, as the matcher's comparison
    /// answers are; without one, the overview of every aspect (front doors show it as a table), labelled
    /// `compare:overview`.
    pub fn comparison_answer(&self, c: &Comparison) -> Answer {
        Answer {
            topic: Topic::Compare { aspect: c.aspect.clone(), frameworks: c.frameworks.clone() },
            confidence: 1.0,
            title: c.title.clone(),
            text: c.to_text(),
            suggestions: Vec::new(),
            sources: c.sources.clone(),
        }
    }

    /// The answer for a known FAQ id (from a suggestion button or `/faq`).
    pub fn faq_answer(&self, id: &str) -> Option<Answer> {
        let i = self.kb.faqs.iter().position(|f| f.id == id)?;
        let m = Match::certain(Label::Faq(i), Vec::new());
        Some(self.answer("", &Reading::default(), &m))
    }

    /// The answer a suggestion stands for (`which-is-better`, `compare:orm`, `framework:flask`, `decide`), as
    /// offered in an answer's `suggestions`.
    pub fn suggestion_answer(&self, suggestion: &str) -> Option<Answer> {
        let kb = &*self.kb;
        let label = if let Some(aspect) = suggestion.strip_prefix("compare:") {
            Label::Compare(kb.aspects.iter().position(|a| a.id == aspect)?)
        } else if let Some(fw) = suggestion.strip_prefix("framework:") {
            Label::Framework(kb.frameworks.iter().position(|f| f.id == fw)?)
        } else if suggestion == "decide" {
            Label::Decide
        } else {
            Label::Faq(kb.faqs.iter().position(|f| f.id == suggestion)?)
        };
        let frameworks = match label {
            Label::Framework(i) => vec![i],
            _ => Vec::new(),
        };
        let m = Match::certain(label, frameworks);
        Some(self.answer("", &Reading::default(), &m))
    }

    /// The profile of a framework given by id, name or alias.
    pub fn framework_answer(&self, input: &str) -> Result<Answer, CoreError> {
        let fw = compare::resolve_framework(&self.kb, input)?;
        let i = self.kb.frameworks.iter().position(|f| f.id == fw.id).unwrap_or_default();
        let m = Match::certain(Label::Framework(i), vec![i]);
        Ok(self.answer("", &Reading::default(), &m))
    }
}

fn answer_id(topic: &Topic) -> Option<&str> {
    match topic {
        Topic::Faq { id } => Some(id),
        _ => None,
    }
}

fn extend_unique(list: &mut Vec<String>, items: impl IntoIterator<Item = String>) {
    for item in items {
        if !list.contains(&item) {
            list.push(item);
        }
    }
}

/// A framework profile as markdown.
pub fn profile_text(fw: &Framework) -> String {
    let mut out = format!("{}\n", fw.summary.trim());
    for (title, items) in [
        ("Key features", &fw.key_features),
        ("Advantages", &fw.advantages),
        ("Disadvantages", &fw.disadvantages),
        ("Typical uses", &fw.use_cases),
    ] {
        let _ = write!(out, "\n**{title}**\n");
        for item in items {
            let _ = writeln!(out, "- {item}");
        }
    }
    if !fw.notable_users.is_empty() {
        out.push_str("\n**Notable users**\n");
        for u in &fw.notable_users {
            let _ = writeln!(out, "- {}: {} ({})", u.name, u.note, u.source);
        }
    }
    if !fw.links.is_empty() {
        out.push_str("\n**Links**\n");
        for l in &fw.links {
            let _ = writeln!(out, "- {}: <{}>", l.title, l.url);
        }
    }
    let _ = write!(out, "\n_Based on: {}_", fw.based_on);
    out
}
