//! The one facade every front door calls: answers, comparisons, profiles and the decision dialog.

use std::{fmt::Write as _, path::Path, sync::Arc};

use crate::{
    compare::{self, Comparison},
    dialog::Machine,
    error::CoreError,
    followup::{self, Context, FollowUp},
    knowledge::EMBEDDED_MODEL,
    knowledge::{pair_key, Framework, KnowledgeBase, KnowledgeError, Other, OtherKind},
    matcher::{normalize::Reading, Label, Match, Matcher, MODEL_FILE},
    reply::{round2, Answer, Guess, Topic},
    slots::{self, Slots},
    smalltalk,
};

/// Longer questions are refused with a clear message rather than matched: no real question needs more.
pub const MAX_QUESTION_CHARS: usize = 4_000;

/// Below this confidence an answer is a question back (`clarify`) when two or more entries are in play. Chosen on
/// writer-grouped cross-validation (`cargo run --release --example clarify_floor`): see the README.
pub const CLARIFY_FLOOR: f32 = 0.35;

/// An answer ranked below the best by more than this share is no fair substitute for an entry written for other
/// frameworks.
const FIT_SHARE: f32 = 0.15;

/// How close a comparison must rank to a framework profile to be preferred over it.
const ASPECT_OVER_PROFILE: f32 = 0.6;

/// The least probability for an entry to be offered as a choice of a question back.
const CHOICE_FLOOR: f32 = 0.05;

/// How many suggestions an answer carries.
const SUGGESTIONS: usize = 3;

/// The least probability for a label to be suggested: below it, a related entry says more.
const SUGGESTION_FLOOR: f32 = 0.002;

/// Knowledge plus its compiled matcher. Immutable; share it as `Arc<Engine>` and swap the `Arc` to reload.
pub struct Engine {
    kb: Arc<KnowledgeBase>,
    matcher: Matcher,
    /// [`CLARIFY_FLOOR`], unless a measurement sets another.
    clarify_floor: f32,
    /// The knowledge's framework names, for reading which frameworks a message names.
    slot_reader: slots::Reader,
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
        Self::from_matcher(kb, matcher)
    }

    /// An engine over `kb` with a matcher built elsewhere (a model trained on part of the corpus, to measure it).
    pub fn from_matcher(kb: KnowledgeBase, matcher: Matcher) -> Self {
        let slot_reader = slots::Reader::new(&kb);
        Self { kb: Arc::new(kb), matcher, clarify_floor: CLARIFY_FLOOR, slot_reader }
    }

    /// The same engine asking back below `floor` instead of [`CLARIFY_FLOOR`] (for measuring the floor).
    pub fn with_clarify_floor(mut self, floor: f32) -> Self {
        self.clarify_floor = floor;
        self
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
        if let Some(kind) = smalltalk::detect(question) {
            return Ok(self.smalltalk_answer(kind));
        }
        if let Some(answer) = self.typed_topic(question) {
            return Ok(answer);
        }
        let reading = self.matcher.normalizer().read(question);
        let m = self.matcher.match_reading(&reading);
        let slots = self.slot_reader.read(question);
        Ok(self.resolve(question, &reading, m, &slots))
    }

    /// Answers a message of a conversation: one that only continues `previous` ("and security?", "what about
    /// fastapi?", "why?") gets the previous topic with what it changes; anything else is asked afresh.
    pub fn ask_in(&self, question: &str, previous: Option<&Context>) -> Result<Answer, CoreError> {
        if let Some(prev) = previous {
            if question.chars().count() <= MAX_QUESTION_CHARS && smalltalk::detect(question).is_none() {
                let slots = self.slot_reader.read(question);
                if let Some(f) = followup::read(&self.kb, question, &slots) {
                    if let Some(answer) = self.continue_with(prev, &f, &slots) {
                        return Ok(answer);
                    }
                }
            }
        }
        self.ask(question)
    }

    fn continue_with(&self, prev: &Context, f: &FollowUp, slots: &Slots) -> Option<Answer> {
        let kb = &*self.kb;
        let prev_core: Vec<String> = prev.frameworks.iter().filter(|f| kb.framework(f).is_some()).cloned().collect();
        match f {
            FollowUp::Aspect(aspect) => {
                // Frameworks named with the aspect win ("and flask vs fastapi on performance?").
                let named: Vec<String> = slots.asked_core().iter().map(|s| s.to_string()).collect();
                let fws = if named.len() >= 2 {
                    named
                } else if let [one] = named.as_slice() {
                    let mut v = vec![one.clone()];
                    v.extend(prev_core.iter().filter(|p| *p != one).take(1).cloned());
                    v
                } else {
                    prev_core
                };
                self.answer_for(&format!("compare:{aspect}"), &fws)
            }
            FollowUp::Frameworks(new) => {
                if let Some(o) = new.iter().find_map(|id| kb.other(id)) {
                    return Some(self.other_answer(o, &[], 1.0));
                }
                let mut fws = prev_core.clone();
                if new.len() >= 2 {
                    fws = new.clone();
                } else {
                    for id in new {
                        if !fws.contains(id) {
                            fws.push(id.clone());
                        }
                    }
                }
                fws.truncate(3);
                if prev.label.starts_with("framework:") {
                    return self.answer_for(&format!("framework:{}", new[0]), &new[..1]);
                }
                if let Some(id) = prev.label.strip_prefix("faq:") {
                    let faq = kb.faq(id)?;
                    // The whole set first, then the new framework beside each of the previous ones.
                    let mut sets: Vec<Vec<String>> = vec![fws.clone()];
                    for p in &prev_core {
                        if !new.contains(p) {
                            sets.push(vec![p.clone(), new[0].clone()]);
                        }
                    }
                    for set in &sets {
                        let ids: Vec<&str> = set.iter().map(String::as_str).collect();
                        if let Some(label) = faq.for_pairs.get(&pair_key(&ids)) {
                            return self.answer_for(label, set);
                        }
                    }
                    // An entry about one framework asked about another ("which companies use flask?" then "and
                    // django?"): the same question about the new one, read by the matcher.
                    if let ([was], [now]) = (faq.frameworks.as_slice(), new.as_slice()) {
                        if let (Some(was), Some(now)) = (kb.framework(was), kb.framework(now)) {
                            let asked = faq.question.replace(&was.name, &now.name);
                            if let Ok(a) = self.ask(&asked) {
                                if !matches!(a.topic, Topic::None | Topic::Clarify { .. }) {
                                    return Some(a);
                                }
                            }
                        }
                    }
                    return self.answer_for(&prev.label, &fws);
                }
                self.answer_for(&prev.label, &fws)
            }
            FollowUp::More => {
                let mut a = self.answer_for(&prev.label, &prev.frameworks)?;
                if !a.sources.is_empty() && !a.text.contains("Sources:") {
                    let _ = write!(a.text, "\n\nSources: {}", crate::reply::sources_markdown(&a.sources));
                }
                Some(a)
            }
        }
    }

    /// The answer a label gives about `frameworks` (ids), as a follow-up gives it: certain, no matching.
    pub fn answer_for(&self, label: &str, frameworks: &[String]) -> Option<Answer> {
        let label = self.label_named(label)?;
        let idx: Vec<usize> =
            frameworks.iter().filter_map(|id| self.kb.frameworks.iter().position(|f| f.id == *id)).collect();
        let m = Match::certain(label, idx);
        Some(self.answer_naming("", &Reading::default(), &m, frameworks))
    }

    /// The matcher's reading made to fit the frameworks asked: an entry written for another pair gives way to
    /// the one for this pair (`for_pairs`), a comparison compares what was asked, a framework outside the
    /// knowledge's three gets its own note, and doubt becomes a question back.
    fn resolve(&self, question: &str, reading: &Reading, mut m: Match, slots: &Slots) -> Answer {
        let kb = &*self.kb;
        let asked: Vec<usize> =
            slots.asked_core().iter().filter_map(|id| kb.frameworks.iter().position(|f| f.id == *id)).collect();
        let others = slots.asked_others();
        m.frameworks = asked.clone();
        // A framework outside the three: what the knowledge says of it, not a Django or Flask answer in its place.
        if let [other] = others.as_slice() {
            // The entry that covers it stays when the question sets it beside one of the three ("litestar or
            // fastapi?", "is rails better than django?"); alone ("what is litestar?") it gets its note.
            let covering = |id: &str| {
                kb.other(other).is_some_and(|o| o.faq == id) || id == "other-frameworks" || id == "other-ecosystems"
            };
            let keeps_entry = match m.label {
                Label::Faq(i) => {
                    kb.faqs[i].frameworks.iter().any(|f| f == other) || (covering(&kb.faqs[i].id) && !asked.is_empty())
                }
                Label::Decide => true,
                // Named beside one of the three ("phoenix vs django"), it is a question about it even when the
                // matcher knows nothing better; named alone ("rails routing error"), "don't know" stands.
                Label::None => asked.is_empty(),
                _ => false,
            };
            if !keeps_entry {
                if let Some(o) = kb.other(other) {
                    // Set beside one of the three, it gets the entry that compares its kind with them.
                    if let (false, Some(i)) = (asked.is_empty(), kb.faqs.iter().position(|f| f.id == o.faq)) {
                        m.label = Label::Faq(i);
                        let mut named = vec![o.id.clone()];
                        named.extend(asked.iter().map(|&f| kb.frameworks[f].id.clone()));
                        let mut a = self.answer_naming(question, reading, &m, &named);
                        a.frameworks = named;
                        return a;
                    }
                    return self.other_answer(o, &asked, m.confidence);
                }
            }
        }
        // A profile does not answer a question about one aspect ("is django good for a rest api"): when that
        // aspect's comparison is a close second, it is the answer.
        if let (Label::Framework(_), Some((Label::Compare(a), p))) = (m.label, m.ranked.get(1)) {
            if *p >= m.confidence * ASPECT_OVER_PROFILE {
                // The pair's mass stays behind the answer: both readings say "about this aspect of it".
                m.label = Label::Compare(*a);
            }
        }
        if let Some(label) = self.fit_to_frameworks(&m, &asked) {
            m.label = label;
        } else if !matches!(m.label, Label::None | Label::Decide) {
            // Nothing written for these frameworks ranks close: ask which was meant, or say so.
            return self.clarify_answer(&m, &asked);
        }
        if m.confidence < self.clarify_floor && !matches!(m.label, Label::None) {
            let choices = self.choices(&m, &asked);
            if choices.len() >= 2 {
                return self.clarify_with(choices, &asked, m.confidence);
            }
        }
        let named: Vec<String> = slots.asked().iter().map(|s| s.to_string()).collect();
        self.answer_naming(question, reading, &m, &named)
    }

    /// The label that answers `m`'s question about `asked`: `m.label` when it was written for them, the entry
    /// its `for_pairs` names for them, else the best-ranked answer written for them. `None`: nothing fits.
    fn fit_to_frameworks(&self, m: &Match, asked: &[usize]) -> Option<Label> {
        // An entry that names its answer for these frameworks is followed first: a three-way entry asked about
        // one pair gives that pair's entry.
        if let Label::Faq(i) = m.label {
            let ids: Vec<&str> = asked.iter().map(|&f| self.kb.frameworks[f].id.as_str()).collect();
            if ids.len() >= 2 {
                if let Some(label) = self.kb.faqs[i].for_pairs.get(&pair_key(&ids)) {
                    if let Some(l) = self.label_named(label) {
                        return Some(l);
                    }
                }
            }
        }
        if self.fits(m.label, asked) {
            return Some(m.label);
        }
        let top = m.ranked.first().map_or(0.0, |(_, p)| *p);
        m.ranked
            .iter()
            .take(6)
            .find(|(l, p)| *p >= top * FIT_SHARE && self.fits(*l, asked) && *l != Label::None)
            .map(|(l, _)| *l)
    }

    /// Whether `label`'s answer speaks about the frameworks asked (any answer does when none was named).
    fn fits(&self, label: Label, asked: &[usize]) -> bool {
        let Label::Faq(i) = label else { return true };
        let faq = &self.kb.faqs[i];
        let core: Vec<&String> = faq.frameworks.iter().filter(|f| self.kb.framework(f).is_some()).collect();
        asked.is_empty()
            || core.is_empty()
            || core.len() == self.kb.frameworks.len()
            || asked.iter().all(|&f| core.contains(&&self.kb.frameworks[f].id))
    }

    fn label_named(&self, name: &str) -> Option<Label> {
        let kb = &*self.kb;
        if let Some(id) = name.strip_prefix("faq:") {
            kb.faqs.iter().position(|f| f.id == id).map(Label::Faq)
        } else if let Some(id) = name.strip_prefix("compare:") {
            kb.aspects.iter().position(|a| a.id == id).map(Label::Compare)
        } else if let Some(id) = name.strip_prefix("framework:") {
            kb.frameworks.iter().position(|f| f.id == id).map(Label::Framework)
        } else {
            match name {
                "decide" => Some(Label::Decide),
                "none" => Some(Label::None),
                _ => None,
            }
        }
    }

    /// Up to three answers that fit the frameworks asked, best first, as suggestion strings.
    fn choices(&self, m: &Match, asked: &[usize]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let candidates =
            std::iter::once(m.label).chain(m.ranked.iter().filter(|(_, p)| *p >= CHOICE_FLOOR).map(|(l, _)| *l));
        for label in candidates {
            let label = match label {
                Label::None | Label::Decide => continue,
                Label::Faq(_) if !self.fits(label, asked) => {
                    match self.fit_to_frameworks(&Match { label, ..m.clone() }, asked) {
                        Some(l) if l != Label::None => l,
                        _ => continue,
                    }
                }
                l => l,
            };
            extend_unique(&mut out, [self.suggestion(label)]);
            if out.len() == 3 {
                break;
            }
        }
        out
    }

    fn clarify_answer(&self, m: &Match, asked: &[usize]) -> Answer {
        let choices = self.choices(m, asked);
        if choices.len() >= 2 {
            return self.clarify_with(choices, asked, m.confidence);
        }
        let mut none = m.clone();
        none.label = Label::None;
        self.answer("", &Reading::default(), &none)
    }

    fn clarify_with(&self, choices: Vec<String>, asked: &[usize], confidence: f32) -> Answer {
        let mut text = String::from("I'm not sure which of these you mean:\n");
        for (n, c) in choices.iter().enumerate() {
            let _ = writeln!(text, "{}. {}", n + 1, self.choice_title(c));
        }
        text.push_str("\nPick one, or ask again in other words.");
        Answer {
            topic: Topic::Clarify { choices: choices.clone() },
            confidence: round2(confidence),
            title: "Which one do you mean?".into(),
            text,
            suggestions: choices,
            sources: Vec::new(),
            frameworks: asked.iter().map(|&f| self.kb.frameworks[f].id.clone()).collect(),
        }
    }

    /// What a choice is called in a question back: the FAQ's question, "Django vs Flask: ORM", ...
    pub fn choice_title(&self, choice: &str) -> String {
        let kb = &*self.kb;
        if let Some(id) = choice.strip_prefix("compare:") {
            return kb.aspect(id).map_or(choice.to_string(), |a| format!("Comparison: {}", a.name));
        }
        if let Some(id) = choice.strip_prefix("framework:") {
            return kb.framework(id).map_or(choice.to_string(), |f| format!("What is {}?", f.name));
        }
        if choice == "decide" {
            return "A recommendation for your project (guided decision)".into();
        }
        kb.faq(choice).map_or(choice.to_string(), |f| f.question.clone())
    }

    /// A framework or stack outside the three: its note, and the FAQ entry that covers its kind.
    fn other_answer(&self, o: &Other, asked: &[usize], confidence: f32) -> Answer {
        let mut text = o.summary.trim().to_string();
        if let Some(b) = &o.based_on {
            let _ = write!(text, "\n\n_Based on: {b}_");
        }
        let mut frameworks = vec![o.id.clone()];
        frameworks.extend(asked.iter().map(|&f| self.kb.frameworks[f].id.clone()));
        let mut suggestions = vec![o.faq.clone()];
        if o.kind == OtherKind::Ecosystem && o.faq != "other-ecosystems" {
            suggestions.push("other-ecosystems".into());
        }
        suggestions.push("decide".into());
        Answer {
            topic: Topic::Framework { id: o.id.clone() },
            confidence: round2(confidence.max(0.5)),
            title: o.name.clone(),
            text,
            suggestions,
            sources: o.sources.clone(),
            frameworks,
        }
    }

    /// Small talk: a greeting, thanks, what the bot can do, who it is, or chatter.
    pub fn smalltalk_answer(&self, kind: smalltalk::Kind) -> Answer {
        use smalltalk::Kind;
        let (title, text) = match kind {
            Kind::Greeting => ("Hi!", "Hi! I help you choose a Python web framework (Django, Flask, FastAPI and the ones beside them). Ask me something like *flask or fastapi for a small API?*, or run `/decide` for a recommendation."),
            Kind::Thanks => ("You're welcome", "Glad it helped. Ask again any time, or run `/decide` for a recommendation for your own project."),
            Kind::Help => ("What I can do", "I answer questions about choosing a Python web framework:\n- **Ask** in plain words: *is fastapi faster than flask?*, *which big companies use django?* (`/ask`, a mention, a DM)\n- **Compare** two or three frameworks on one aspect: `/compare django fastapi aspect:orm`\n- **Decide**: `/decide` asks a few questions about your project and recommends one, with its reasons\n- `/faq` lists the common questions, `/framework` shows a profile\n\nTry: *django or flask for a blog with a login?*"),
            Kind::About => ("About me", "I'm Signpost, a bot that helps developers choose a Python web framework. My answers come from a curated knowledge base written and reviewed by the server's maintainers, with sources and review dates; I don't browse the web or generate free text."),
            Kind::Chatter => ("👍", "Ask me anything about choosing a Python web framework, or run `/decide` for a recommendation."),
        };
        Answer {
            topic: Topic::Smalltalk { id: kind.id().into() },
            confidence: 1.0,
            title: title.into(),
            text: text.into(),
            suggestions: Vec::new(),
            sources: Vec::new(),
            frameworks: Vec::new(),
        }
    }

    /// A topic typed as the bot shows it: an FAQ id or question, `compare:ASPECT`, `framework:ID`, an aspect id.
    fn typed_topic(&self, text: &str) -> Option<Answer> {
        let t = text.trim().trim_end_matches(['?', '!', '.']).trim();
        if t.is_empty() || t.len() > 120 {
            return None;
        }
        let kb = &*self.kb;
        let t = t.to_lowercase();
        let same = |q: &str| q.trim_end_matches('?').eq_ignore_ascii_case(&t);
        if let Some(faq) = kb.faqs.iter().find(|f| f.id == t || same(&f.question)) {
            return self.faq_answer(&faq.id.clone());
        }
        if t.starts_with("compare:") || t.starts_with("framework:") {
            return self.suggestion_answer(&t);
        }
        None
    }

    fn answer(&self, question: &str, reading: &Reading, m: &Match) -> Answer {
        self.answer_naming(question, reading, m, &[])
    }

    /// An answer for `m`; `named` are the ids the question names (core and others), for entries about none.
    fn answer_naming(&self, question: &str, reading: &Reading, m: &Match, named: &[String]) -> Answer {
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
                    frameworks: self.faq_frameworks(faq, named),
                }
            }
            Label::Compare(a) => {
                let aspect = &kb.aspects[a];
                let fws = self.compared(&m.frameworks);
                let c = compare::comparison_of(kb, &fws, Some(aspect));
                let answer = self.comparison_answer(&c);
                Answer { confidence, suggestions, ..answer }
            }
            Label::Framework(f) => {
                // "what is fastapi?" read as another framework's profile: the one named wins.
                let f = match m.frameworks.as_slice() {
                    [one] => *one,
                    _ => f,
                };
                let fw = &kb.frameworks[f];
                Answer {
                    topic: Topic::Framework { id: fw.id.clone() },
                    confidence,
                    title: fw.name.clone(),
                    text: profile_text(fw),
                    suggestions,
                    sources: fw.sources.clone(),
                    frameworks: vec![fw.id.clone()],
                }
            }
            Label::Decide => {
                let guess = self.guess(question, reading);
                let state = guess.as_ref().map(|g| g.state.clone()).unwrap_or_default();
                let count = match self.dialog().questions_left(&state) {
                    (least, most) if least == most => format!("{most}"),
                    (least, most) => format!("{least} to {most}"),
                };
                let mut text = format!(
                    "Sounds like you want a recommendation for your own project: I will ask {count} short questions, then recommend a framework with my reasons."
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
                    frameworks: Vec::new(),
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
                    frameworks: Vec::new(),
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

    /// The frameworks an FAQ answer speaks about: an entry about no framework in particular, or about all three,
    /// speaks about the ones the question names (when it names any); an entry written for some speaks about those.
    fn faq_frameworks(&self, faq: &crate::knowledge::Faq, named: &[String]) -> Vec<String> {
        let core = faq.frameworks.iter().filter(|f| self.kb.framework(f).is_some()).count();
        let general = faq.frameworks.is_empty() || core == self.kb.frameworks.len();
        if general && !named.is_empty() {
            named.to_vec()
        } else {
            faq.frameworks.clone()
        }
    }

    /// The frameworks a comparison is about: the two or three named, else the named one against its most common
    /// rival, else the first two in the knowledge (Django and Flask in the default knowledge).
    fn compared(&self, named: &[usize]) -> Vec<&Framework> {
        if named.len() >= 2 {
            return named.iter().take(3).map(|&f| &self.kb.frameworks[f]).collect();
        }
        let (a, b) = self.pair(named);
        vec![a, b]
    }

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
            topic: Topic::Compare { aspect: c.aspect.clone() },
            confidence: 1.0,
            title: c.title.clone(),
            text: c.to_text(),
            suggestions: Vec::new(),
            sources: c.sources.clone(),
            frameworks: c.frameworks.clone(),
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
