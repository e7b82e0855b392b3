//! Core values as Discord messages: embeds, buttons, select menus. Discord's limits live here and only here:
//! every text is fitted (2,000 content, 4,096 description, 256 titles, 1,024 fields, 6,000 per message,
//! 25 options, 80-character labels, 100-character custom_ids), and no message can ping anyone.

use poise::serenity_prelude as serenity;
use serenity::{
    ButtonStyle, CreateActionRow, CreateAllowedMentions, CreateAttachment, CreateButton, CreateEmbed,
    CreateEmbedFooter, CreateInteractionResponseMessage, CreateMessage, CreateSelectMenu, CreateSelectMenuKind,
    CreateSelectMenuOption, EditInteractionResponse,
};

use super::ids::{Action, ComponentId};
use crate::{
    dialog::{Answered, How, Question, Verdict},
    knowledge::{KnowledgeBase, Link},
    learn::VoteValue,
    reply::{Answer, Topic},
    session::SessionKey,
    Engine,
};

pub const MAX_CONTENT: usize = 2000;
pub const MAX_DESCRIPTION: usize = 4096;
pub const MAX_TITLE: usize = 256;
pub const MAX_FIELD: usize = 1024;
pub const MAX_EMBED_TOTAL: usize = 6000;
pub const MAX_FIELDS: usize = 25;
pub const MAX_LABEL: usize = 80;
pub const MAX_SELECT_OPTIONS: usize = 25;
pub const MAX_BUTTONS_PER_ROW: usize = 5;

const COLOR: u32 = 0x2f_80_ed;

/// Nobody is pinged, whatever the text holds: no @everyone, roles, users, nor the author of a replied message.
pub fn no_mentions() -> CreateAllowedMentions {
    CreateAllowedMentions::new().replied_user(false)
}

/// Cuts `s` to `max` characters, ending with an ellipsis when it had to cut.
pub fn fit(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The longest question quoted above an interaction's answer (see [`quoted_question`]).
pub const MAX_QUOTE: usize = 300;

/// The question as one quoted line, put above an answer given to an interaction (`/ask`, "Ask Signpost"): the
/// channel sees what was asked (others do not see a slash command's options), and a later Not helpful vote can
/// keep it in the question log whichever process takes the click (see [`quoted_in`]).
///
/// The user's text is made inert: every Markdown character is escaped (no masked link, heading, spoiler or
/// formatting under the bot's name) and every URL is wrapped in `<>` (no preview of it).
pub fn quoted_question(question: &str) -> String {
    let line = question.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = fit(&line, MAX_QUOTE);
    let inert: Vec<String> = line.split(' ').map(inert_word).collect();
    format!("> {}", inert.join(" "))
}

/// Characters Discord's Markdown gives a meaning to.
const MARKDOWN: &[char] = &['\\', '*', '_', '~', '`', '|', '>', '#', '[', ']', '(', ')', '-', ':', '<', '@'];

fn inert_word(word: &str) -> String {
    let escape = |part: &str| {
        let mut out = String::with_capacity(part.len() + 4);
        for c in part.chars() {
            if MARKDOWN.contains(&c) {
                out.push('\\');
            }
            out.push(c);
        }
        out
    };
    let link = ["https://", "http://", "discord.gg/", "discord.com/invite"].iter().filter_map(|p| word.find(p)).min();
    let Some(start) = link else { return escape(word) };
    // A link in angle brackets is not previewed: the text before it and the punctuation after it are escaped.
    let rest = &word[start..];
    let url_len = rest.trim_end_matches(|c: char| ")]>*_~`|.,!?".contains(c)).len();
    let url: String = rest[..url_len].chars().filter(|c| !matches!(c, '<' | '>')).collect();
    format!("{}<{url}>{}", escape(&word[..start]), escape(&rest[url_len..]))
}

/// The question [`quoted_question`] put in a message's `content`, if any (its escapes undone).
pub fn quoted_in(content: &str) -> Option<String> {
    let line = content.lines().find_map(|l| l.strip_prefix("> ")).map(str::trim).filter(|q| !q.is_empty())?;
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek().is_some_and(|n| MARKDOWN.contains(n)) {
            continue;
        }
        out.push(c);
    }
    Some(out)
}

#[cfg(test)]
mod quote_tests {
    use super::*;

    #[test]
    fn a_hostile_question_is_quoted_inert() {
        let q = "# Big [free nitro](https://evil.example/x) discord.gg/abcd **now** ||spoiler|| <@&123> `code`";
        let quoted = quoted_question(q);
        // No masked link, heading, bold, spoiler, mention or code survives unescaped; links are not previewed.
        assert!(quoted.starts_with("> \\# Big \\[free"), "{quoted}");
        assert!(quoted.contains("<https://evil.example/x>"), "{quoted}");
        assert!(quoted.contains("<discord.gg/abcd>"), "{quoted}");
        assert!(quoted.contains("\\*\\*now\\*\\*"), "{quoted}");
        assert!(quoted.contains("\\|\\|spoiler\\|\\|"), "{quoted}");
        assert!(quoted.contains("\\<\\@&123\\>"), "{quoted}");
        for (i, c) in quoted.char_indices().skip(2) {
            if "*_~`|#[]".contains(c) {
                assert_eq!(&quoted[i - 1..i], "\\", "unescaped {c:?} at {i} in {quoted}");
            }
        }
        // The question log reads the question back, escapes undone (links keep their brackets).
        let back = quoted_in(&quoted).expect("a quote");
        assert!(back.starts_with("# Big [free nitro](<https://evil.example/x>) <discord.gg/abcd> **now**"), "{back}");
        let plain = quoted_question("is flask faster than django?");
        assert_eq!(plain, "> is flask faster than django?");
        assert_eq!(quoted_in(&plain).as_deref(), Some("is flask faster than django?"));
        let dashed = quoted_question("what's django-ninja: good?");
        assert_eq!(quoted_in(&dashed).as_deref(), Some("what's django-ninja: good?"));
    }
}

/// Splits `text` into pieces of at most `max` characters, at line breaks where possible.
pub fn split(text: &str, max: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    for line in text.split_inclusive('\n') {
        if current.chars().count() + line.chars().count() > max && !current.is_empty() {
            pieces.push(std::mem::take(&mut current));
        }
        if line.chars().count() > max {
            let chars: Vec<char> = line.chars().collect();
            for chunk in chars.chunks(max) {
                pieces.push(chunk.iter().collect());
            }
        } else {
            current.push_str(line);
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces.iter().map(|p| p.trim_end().to_string()).filter(|p| !p.is_empty()).collect()
}

/// A message to send, in whichever form the moment needs (a channel message, an interaction response, an edit).
#[derive(Debug, Clone, Default)]
pub struct Out {
    pub content: Option<String>,
    pub embeds: Vec<CreateEmbed>,
    pub components: Vec<CreateActionRow>,
    pub ephemeral: bool,
    /// Files sent as attachments (a decision record): name and bytes.
    pub files: Vec<(String, Vec<u8>)>,
}

impl Out {
    pub fn text(content: impl AsRef<str>) -> Self {
        Self { content: Some(fit(content.as_ref(), MAX_CONTENT)), ..Self::default() }
    }

    pub fn ephemeral(mut self) -> Self {
        self.ephemeral = true;
        self
    }

    pub fn with_components(mut self, rows: Vec<CreateActionRow>) -> Self {
        self.components.extend(rows);
        self
    }

    pub fn message(&self) -> CreateMessage {
        let mut m = CreateMessage::new().embeds(self.embeds.clone()).components(self.components.clone());
        if let Some(c) = &self.content {
            m = m.content(c);
        }
        m.add_files(self.attachments()).allowed_mentions(no_mentions())
    }

    pub fn response(&self) -> CreateInteractionResponseMessage {
        let mut m = CreateInteractionResponseMessage::new()
            .embeds(self.embeds.clone())
            .components(self.components.clone())
            .ephemeral(self.ephemeral)
            .add_files(self.attachments())
            .allowed_mentions(no_mentions());
        if let Some(c) = &self.content {
            m = m.content(c);
        }
        m
    }

    pub fn attachments(&self) -> Vec<CreateAttachment> {
        self.files.iter().map(|(name, bytes)| CreateAttachment::bytes(bytes.clone(), name.clone())).collect()
    }

    /// For an in-place update of a message (a click on one of its buttons): content and components replaced.
    pub fn update(&self) -> CreateInteractionResponseMessage {
        CreateInteractionResponseMessage::new()
            .content(self.content.clone().unwrap_or_default())
            .embeds(self.embeds.clone())
            .components(self.components.clone())
            .allowed_mentions(no_mentions())
    }

    pub fn edit(&self) -> EditInteractionResponse {
        let mut m = EditInteractionResponse::new()
            .embeds(self.embeds.clone())
            .components(self.components.clone())
            .allowed_mentions(no_mentions());
        if let Some(c) = &self.content {
            m = m.content(c);
        }
        m
    }

    pub fn reply(&self) -> poise::CreateReply {
        let mut r = poise::CreateReply::default()
            .ephemeral(self.ephemeral)
            .allowed_mentions(no_mentions())
            .components(self.components.clone());
        for e in &self.embeds {
            r = r.embed(e.clone());
        }
        if let Some(c) = &self.content {
            r = r.content(c);
        }
        r
    }
}

/// Builds one embed that respects the per-field and per-message limits, dropping what cannot fit.
struct EmbedBuilder {
    embed: CreateEmbed,
    used: usize,
    fields: usize,
}

impl EmbedBuilder {
    fn new(title: &str, description: &str) -> Self {
        let title = fit(title, MAX_TITLE);
        let description = fit(description, MAX_DESCRIPTION.min(MAX_EMBED_TOTAL - title.chars().count() - 200));
        let used = title.chars().count() + description.chars().count();
        let mut embed = CreateEmbed::new().title(title).color(COLOR);
        if !description.is_empty() {
            embed = embed.description(description);
        }
        Self { embed, used, fields: 0 }
    }

    /// Adds a field, splitting a long value over several fields named "(cont.)".
    fn field(mut self, name: &str, value: &str) -> Self {
        for (i, piece) in split(value, MAX_FIELD).into_iter().enumerate() {
            let name = if i == 0 { fit(name, MAX_TITLE) } else { fit(&format!("{name} (cont.)"), MAX_TITLE) };
            let size = name.chars().count() + piece.chars().count();
            // Keep room for the footer.
            if self.fields >= MAX_FIELDS || self.used + size > MAX_EMBED_TOTAL - 100 {
                break;
            }
            self.used += size;
            self.fields += 1;
            self.embed = self.embed.field(name, piece, false);
        }
        self
    }

    /// A `Sources` field of links that do not unfurl (`[title](<url>)`), when there are any.
    fn sources(self, sources: &[Link]) -> Self {
        if sources.is_empty() {
            return self;
        }
        // Whole links per line, so a split between fields never cuts a link in two.
        self.field("Sources", &crate::reply::sources_markdown(sources).replace(" · ", "\n"))
    }

    fn footer(mut self, text: &str) -> Self {
        let text = fit(text, (MAX_EMBED_TOTAL - self.used).min(2048));
        self.used += text.chars().count();
        self.embed = self.embed.footer(CreateEmbedFooter::new(text));
        self
    }

    fn build(self) -> CreateEmbed {
        self.embed
    }
}

fn suggestion_label(kb: &KnowledgeBase, s: &str) -> String {
    let label = if let Some(a) = s.strip_prefix("compare:") {
        kb.aspect(a).map_or(s.to_string(), |a| format!("Compare: {}", a.name))
    } else if let Some(f) = s.strip_prefix("framework:") {
        kb.framework(f).map_or(s.to_string(), |f| format!("What is {}?", f.name))
    } else if s == "decide" {
        "Help me decide".to_string()
    } else {
        kb.faq(s).map_or(s.to_string(), |f| f.question.clone())
    };
    fit(&label, MAX_LABEL)
}

/// Buttons for suggestions ("did you mean"), at most one row.
pub fn suggestion_buttons(kb: &KnowledgeBase, suggestions: &[String]) -> Option<CreateActionRow> {
    suggestion_row(kb, suggestions)
}

fn suggestion_row(kb: &KnowledgeBase, suggestions: &[String]) -> Option<CreateActionRow> {
    topic_row(kb, suggestions, ComponentId::Suggestion, ButtonStyle::Secondary)
}

/// One button per topic (at most a row), each with the id `id` makes of it; topics whose id would not fit are
/// left out.
fn topic_row(
    kb: &KnowledgeBase,
    topics: &[String],
    id: fn(String) -> ComponentId,
    style: ButtonStyle,
) -> Option<CreateActionRow> {
    let buttons: Vec<CreateButton> = topics
        .iter()
        .map(|t| (id(t.clone()).encode(), t))
        .filter(|(encoded, _)| encoded.len() <= 100)
        .take(MAX_BUTTONS_PER_ROW)
        .map(|(encoded, t)| CreateButton::new(encoded).label(suggestion_label(kb, t)).style(style))
        .collect();
    (!buttons.is_empty()).then_some(CreateActionRow::Buttons(buttons))
}

/// Below this confidence an answer offers its close alternatives as buttons (and its question's text is logged).
pub const LOW_CONFIDENCE: f64 = crate::learn::LOW_CONFIDENCE;

/// Discord's limit of component rows in one message.
pub const MAX_ROWS: usize = 5;

/// `Helpful` / `Not helpful` for the answer logged as `record`, about `label`.
pub fn vote_row(record: u64, label: &str) -> Option<CreateActionRow> {
    let id = |value| ComponentId::Vote { record, value, label: label.to_string() }.encode();
    let helpful = id(VoteValue::Helpful);
    if helpful.len() > 100 {
        return None;
    }
    Some(CreateActionRow::Buttons(vec![
        CreateButton::new(helpful).label("Helpful").style(ButtonStyle::Success),
        CreateButton::new(id(VoteValue::NotHelpful)).label("Not helpful").style(ButtonStyle::Secondary),
    ]))
}

/// `Solved`, beside the votes on the answer to a help forum's post.
pub fn solved_button(record: u64, label: &str) -> Option<CreateButton> {
    let id = ComponentId::Solved { record, label: label.to_string() }.encode();
    (id.len() <= 100).then(|| CreateButton::new(id).label("Solved").style(ButtonStyle::Primary))
}

/// `Still need help?`: pings the server's helper role (once per question).
pub fn help_button(record: u64, message: u64) -> CreateButton {
    CreateButton::new(ComponentId::StillNeedHelp { record, message }.encode())
        .label("Still need help?")
        .style(ButtonStyle::Primary)
}

/// `Share`: posts a private answer to the channel.
pub fn share_button(record: u64, label: &str) -> Option<CreateButton> {
    let id = ComponentId::Share { record, label: label.to_string() }.encode();
    (id.len() <= 100).then(|| CreateButton::new(id).label("Share").style(ButtonStyle::Primary))
}

impl Out {
    /// Adds a row of components when the message has room for one (Discord allows five).
    pub fn push_row(&mut self, row: Option<CreateActionRow>) {
        if let Some(row) = row {
            if self.components.len() < MAX_ROWS {
                self.components.push(row);
            }
        }
    }
}

/// An answer from the matcher as an embed, with "did you mean" buttons when it is unsure or does not know.
pub fn answer(engine: &Engine, a: &Answer) -> Out {
    let kb = engine.kb();
    let footer = match &a.topic {
        Topic::None => "Signpost · I could not match this to my knowledge".to_string(),
        _ => format!("Signpost · {} · confidence {:.0}%", a.kind(), a.confidence * 100.0),
    };
    let embed = match &a.topic {
        Topic::Compare { aspect: Some(aspect) } => {
            let x = kb.aspect(aspect);
            let ids: Vec<&str> = a.frameworks.iter().map(String::as_str).collect();
            let mut e = EmbedBuilder::new(&a.title, x.map_or("", |x| x.verdict_for(&ids)));
            if let Some(x) = x {
                for fw in &a.frameworks {
                    let name = kb.framework(fw).map_or(fw.as_str(), |f| f.name.as_str());
                    e = e.field(name, x.texts.get(fw).map_or("", String::as_str));
                }
                if let Some(b) = &x.based_on {
                    e = e.field("Based on", b);
                }
            }
            e.sources(&a.sources).footer(&footer).build()
        }
        Topic::Framework { id } => match kb.framework(id) {
            Some(fw) => framework_embed(fw, &footer),
            None => EmbedBuilder::new(&a.title, &a.text).sources(&a.sources).footer(&footer).build(),
        },
        // FAQ answers with their basis, and the rest: a text longer than one description goes on in more embeds.
        _ => {
            let mut pieces = split(&a.text, MAX_DESCRIPTION).into_iter();
            let first = pieces.next().unwrap_or_default();
            let rest: Vec<String> = pieces.collect();
            if !rest.is_empty() {
                return continued(engine, a, &first, &rest, &footer);
            }
            EmbedBuilder::new(&a.title, &first).sources(&a.sources).footer(&footer).build()
        }
    };
    with_buttons(kb, a, Out { embeds: vec![embed], ..Out::default() })
}

/// An answer whose text needs several embeds: the title on the first, the footer on the last, every piece whole
/// (one message holds 6,000 characters of embeds; past that, what does not fit is cut, which validation prevents).
fn continued(engine: &Engine, a: &Answer, first: &str, rest: &[String], footer: &str) -> Out {
    let mut embeds = vec![CreateEmbed::new().title(fit(&a.title, MAX_TITLE)).description(first).color(COLOR)];
    let mut used = a.title.chars().count().min(MAX_TITLE) + first.chars().count() + footer.chars().count();
    for (i, piece) in rest.iter().enumerate() {
        let room = MAX_EMBED_TOTAL.saturating_sub(used);
        if room < 100 {
            break;
        }
        let text = fit(piece, room.min(MAX_DESCRIPTION));
        used += text.chars().count();
        let mut e = CreateEmbed::new().description(text).color(COLOR);
        if i + 1 == rest.len() {
            if !a.sources.is_empty() {
                let links = crate::reply::sources_markdown(&a.sources).replace(" · ", "\n");
                e = e.field("Sources", fit(&links, MAX_FIELD), false);
            }
            e = e.footer(CreateEmbedFooter::new(footer));
        }
        embeds.push(e);
    }
    with_buttons(engine.kb(), a, Out { embeds, ..Out::default() })
}

fn with_buttons(kb: &KnowledgeBase, a: &Answer, mut out: Out) -> Out {
    if let Topic::Decide { guess } = &a.topic {
        let first = guess.as_ref().map(|g| g.state.clone()).unwrap_or_default();
        out.components.push(CreateActionRow::Buttons(vec![CreateButton::new(
            ComponentId::NewDecision(first).encode(),
        )
        .label("Start the guided decision")
        .style(ButtonStyle::Primary)]));
    } else if let Topic::Clarify { choices } = &a.topic {
        // The choices of a question back: a click answers it and labels the question.
        out.components.extend(topic_row(kb, choices, ComponentId::Pick, ButtonStyle::Primary));
    } else if matches!(a.topic, Topic::None) || a.confidence < LOW_CONFIDENCE {
        out.components.extend(suggestion_row(kb, &a.suggestions));
    }
    out
}

fn framework_embed(fw: &crate::knowledge::Framework, footer: &str) -> CreateEmbed {
    let bullets = |items: &[String]| items.iter().map(|i| format!("• {i}")).collect::<Vec<_>>().join("\n");
    let mut e = EmbedBuilder::new(&fw.name, &fw.summary)
        .field("Key features", &bullets(&fw.key_features))
        .field("Advantages", &bullets(&fw.advantages))
        .field("Disadvantages", &bullets(&fw.disadvantages))
        .field("Typical uses", &bullets(&fw.use_cases));
    if !fw.notable_users.is_empty() {
        let users: Vec<String> =
            fw.notable_users.iter().map(|u| format!("• **{}**: {} ({})", u.name, u.note, u.source)).collect();
        e = e.field("Notable users", &users.join("\n"));
    }
    if !fw.links.is_empty() {
        let links: Vec<String> = fw.links.iter().map(|l| format!("• [{}](<{}>)", l.title, l.url)).collect();
        e = e.field("Links", &links.join("\n"));
    }
    e.sources(&fw.sources).footer(&format!("{footer} · based on {}", fw.based_on)).build()
}

/// One dialog question: an embed, the options as buttons (or a select menu past five), and Back / Restart /
/// Cancel.
pub fn question(q: &Question, key: SessionKey, nonce: u32, version: u32, notice: Option<&str>) -> Out {
    let id = |action| ComponentId::Dialog { key, nonce, version, action }.encode();
    let list: Vec<String> = q.options.iter().enumerate().map(|(i, o)| format!("**{}.** {}", i + 1, o.label)).collect();
    let description =
        format!("{}\n\n_Click an answer, or type it in your own words (a number works too)._", list.join("\n"));
    let of = if q.of_exact { q.of.to_string() } else { format!("up to {}", q.of) };
    let mut embed = EmbedBuilder::new(&format!("Question {} of {of}: {}", q.number, q.text), &description);
    if !q.answers.is_empty() {
        embed = embed
            .field("So far", &format!("{}\n_Change any with the menu below, or type `change N`._", so_far(&q.answers)));
    }
    let embed = embed.footer("Signpost · guided decision").build();
    let mut components = Vec::new();
    if q.options.len() <= MAX_BUTTONS_PER_ROW {
        let buttons = q
            .options
            .iter()
            .map(|o| {
                CreateButton::new(id(Action::Option(o.id.clone())))
                    .label(fit(&o.label, MAX_LABEL))
                    .style(ButtonStyle::Primary)
            })
            .collect();
        components.push(CreateActionRow::Buttons(buttons));
    } else {
        let options = q
            .options
            .iter()
            .take(MAX_SELECT_OPTIONS)
            .map(|o| CreateSelectMenuOption::new(fit(&o.label, 100), o.id.clone()))
            .collect();
        let menu = CreateSelectMenu::new(id(Action::Select), CreateSelectMenuKind::String { options })
            .placeholder("Choose an answer");
        components.push(CreateActionRow::SelectMenu(menu));
    }
    if let Some(menu) = change_menu(&q.answers, id(Action::Change)) {
        components.push(menu);
    }
    components.push(CreateActionRow::Buttons(vec![
        CreateButton::new(id(Action::Back)).label("Back").style(ButtonStyle::Secondary),
        CreateButton::new(id(Action::Restart)).label("Restart").style(ButtonStyle::Secondary),
        CreateButton::new(id(Action::Cancel)).label("Cancel").style(ButtonStyle::Danger),
    ]));
    Out { content: notice.map(|n| fit(n, MAX_CONTENT)), embeds: vec![embed], components, ..Out::default() }
}

/// The answers so far, one short line each, numbered as `change N` takes them.
fn so_far(answers: &[Answered]) -> String {
    let lines: Vec<String> = answers
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let how = match a.how {
                How::Chosen => "",
                How::Typed => " _(your words)_",
                How::Assumed => " _(assumed from your message)_",
            };
            format!("{}. {} → **{}**{how}", i + 1, fit(&a.question, 80), fit(&a.label, 80))
        })
        .collect();
    fit(&lines.join("\n"), MAX_FIELD - 80)
}

/// A menu to change any answer given so far (its value is the step id).
fn change_menu(answers: &[Answered], custom_id: String) -> Option<CreateActionRow> {
    if answers.is_empty() {
        return None;
    }
    let options = answers
        .iter()
        .take(MAX_SELECT_OPTIONS)
        .enumerate()
        .map(|(i, a)| {
            CreateSelectMenuOption::new(fit(&format!("Change {}: {}", i + 1, a.question), 100), a.step.clone())
                .description(fit(&a.label, 100))
        })
        .collect();
    let menu =
        CreateSelectMenu::new(custom_id, CreateSelectMenuKind::String { options }).placeholder("Change an answer");
    Some(CreateActionRow::SelectMenu(menu))
}

/// The verdict: `Verdict: <Framework>` (`Verdict: <Framework> or <Other>, a tie` when level), the confidence and
/// the runner-up, `Why` (the answers that decided it), the others in brief, `What would change it`, and next
/// steps. With the session's buttons (`session`: key, nonce, version) it offers Change, Back, Restart and
/// `Save as decision record`.
pub fn verdict(kb: &KnowledgeBase, v: &Verdict, session: Option<(SessionKey, u32, u32)>) -> Out {
    let name = |id: &str| kb.framework(id).map_or(id.to_string(), |f| f.name.clone());
    let scores: Vec<String> = v.scores.iter().map(|(k, s)| format!("{} {s}", name(k))).collect();
    let (title, lead) = if v.tie {
        (
            format!("Verdict: {} or {}, a tie", name(&v.recommendation), name(&v.runner_up)),
            format!(
                "Your answers do not separate **{}** and **{}** (confidence {:.0}% each at most): either is a sound choice, and {} is named first only because it is listed first.",
                name(&v.recommendation),
                name(&v.runner_up),
                v.confidence * 100.0,
                name(&v.recommendation)
            ),
        )
    } else {
        (
            format!("Verdict: {}", name(&v.recommendation)),
            format!("I recommend **{}** {}.", name(&v.recommendation), v.lead(name)),
        )
    };
    let description = format!("{lead}\nScores: {}", scores.join(" · "));
    let why: Vec<String> = v
        .reasons
        .iter()
        .filter(|r| r.decisive)
        .map(|r| format!("• **{}**{}: {}", r.answer, if r.assumed { " (from your message)" } else { "" }, r.reason))
        .collect();
    let why = if why.is_empty() { "No answer favoured it over the runner-up.".to_string() } else { why.join("\n") };
    let mut embed = EmbedBuilder::new(&title, &description).field("Why", &why);
    let others: Vec<String> = v.reasons.iter().filter(|r| !r.decisive).map(|r| format!("• {}", r.answer)).collect();
    if !others.is_empty() {
        embed = embed.field("Also weighed", &others.join("\n"));
    }
    if !v.unused.is_empty() {
        let unsure: Vec<String> = v.unused.iter().map(|r| format!("• {}", r.question)).collect();
        embed = embed.field("Weighed as nothing (no framework gained from these answers)", &unsure.join("\n"));
    }
    embed = embed.field("What would change it", &v.what_would_change(name));
    if !v.next_steps.is_empty() {
        let steps: Vec<String> = v.next_steps.iter().map(|s| format!("• [{}](<{}>)", s.title, s.url)).collect();
        embed = embed.field("Next steps", &steps.join("\n"));
    }
    let embed = embed.footer("Signpost · change an answer below, or run /decide to start again").build();
    let mut out = Out { embeds: vec![embed], ..Out::default() };
    if let Some((key, nonce, version)) = session {
        let id = |action| ComponentId::Dialog { key, nonce, version, action }.encode();
        if let Some(menu) = change_menu(&v.answers, id(Action::Change)) {
            out.components.push(menu);
        }
        out.components.push(CreateActionRow::Buttons(vec![
            CreateButton::new(id(Action::Record)).label("Save as decision record").style(ButtonStyle::Primary),
            CreateButton::new(id(Action::Back)).label("Back").style(ButtonStyle::Secondary),
            CreateButton::new(id(Action::Restart)).label("Restart").style(ButtonStyle::Secondary),
        ]));
    }
    out
}

/// A decision record as a Markdown file attachment.
pub fn record(markdown: &str) -> Out {
    Out {
        content: Some("Your decision record, as a Markdown file to keep beside your code:".into()),
        files: vec![("decision-record.md".into(), markdown.as_bytes().to_vec())],
        ..Out::default()
    }
}

/// The `/faq` browser: a select menu of entries (25 a page) and page buttons; only `user` drives it.
pub fn faq_browser(kb: &KnowledgeBase, user: u64, page: usize, shown: Option<&Answer>, engine: &Engine) -> Out {
    let pages = kb.faqs.len().div_ceil(MAX_SELECT_OPTIONS).max(1);
    let page = page.min(pages - 1);
    let options: Vec<CreateSelectMenuOption> = kb
        .faqs
        .iter()
        .skip(page * MAX_SELECT_OPTIONS)
        .take(MAX_SELECT_OPTIONS)
        .map(|f| CreateSelectMenuOption::new(fit(&f.question, 100), f.id.clone()))
        .collect();
    let menu =
        CreateSelectMenu::new(ComponentId::FaqSelect { user, page }.encode(), CreateSelectMenuKind::String { options })
            .placeholder(format!("Pick a question (page {} of {pages})", page + 1));
    let mut components = vec![CreateActionRow::SelectMenu(menu)];
    if pages > 1 {
        components.push(CreateActionRow::Buttons(vec![
            CreateButton::new(ComponentId::FaqPage { user, page: page.saturating_sub(1) }.encode())
                .label("Previous")
                .style(ButtonStyle::Secondary)
                .disabled(page == 0),
            CreateButton::new(ComponentId::FaqPage { user, page: (page + 1).min(pages - 1) }.encode())
                .label("Next")
                .style(ButtonStyle::Secondary)
                .disabled(page + 1 >= pages),
        ]));
    }
    let mut out = match shown {
        Some(a) => answer(engine, a),
        None => Out {
            embeds: vec![EmbedBuilder::new(
                "Frequently asked questions",
                &format!(
                    "{} questions about choosing between Django, Flask and FastAPI. Pick one below.",
                    kb.faqs.len()
                ),
            )
            .build()],
            ..Out::default()
        },
    };
    // The browser's own controls replace suggestion buttons: one set of controls at a time.
    out.components = components;
    out
}
