//! The engine's words in each language the page speaks: English and Korean.
//!
//! A [`Message`] is a catalog key and its arguments — numbers already written as text (the same
//! in every language: `2.33`, `3,072`, `32×32×3`), names of layers, or other messages — and
//! [`Message::text`] writes it in a [`Lang`] from that language's catalog (`en/`, `ko/`):
//! one template per key, its `{name}` holes filled with the arguments. No sentence is ever built
//! by joining pieces of two languages; a message that contains another (a file's error that
//! quotes the parser's) nests it as an argument, written in the same language.
//!
//! The engine's [`crate::Error`] carries its message; its `Display` is the English text, so the
//! native API and its tests read English. The web boundary writes errors in the page's language
//! ([`crate::Error::text`]).
//!
//! ```
//! use cnn_playground::i18n::{Lang, Message};
//! let m = Message::new("example.filters").arg("count", 6).arg("side", "5×5×3");
//! assert_eq!(m.text(Lang::En), "6 filters of 5×5×3");
//! assert_eq!(m.text(Lang::Ko), "5×5×3 필터 6개");
//! ```

mod en;
mod ko;

use std::fmt;

/// A language of the page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    En,
    Ko,
}

impl Lang {
    /// Every language, English first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ko];

    /// `"en"` or `"ko"`, as the page's `lang=` and `<html lang>` write it.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    /// The language of a code (`"ko"`, `"ko-KR"`, `"en-US"` …), if the page speaks it.
    pub fn from_code(code: &str) -> Option<Lang> {
        let base = code
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == base)
    }

    /// The catalog of this language: every key with its template, table by table.
    pub fn catalog(self) -> impl Iterator<Item = &'static (&'static str, &'static str)> {
        let tables = match self {
            Lang::En => en::TABLES,
            Lang::Ko => ko::TABLES,
        };
        tables.iter().flat_map(|t| t.iter())
    }
}

/// One argument of a message: text (numbers are written by the caller, the same way in every
/// language) or another message, written in the same language as the one that holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Text(String),
    Message(Box<Message>),
}

/// A catalog key with its arguments; see the [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    key: &'static str,
    args: Vec<(&'static str, Arg)>,
}

impl Message {
    /// The message `key` (which every catalog must hold; tests/i18n.rs checks each).
    pub fn new(key: &'static str) -> Self {
        Message {
            key,
            args: Vec::new(),
        }
    }

    /// Adds the argument `name`, written with its `Display` (numbers as the engine writes them).
    pub fn arg(mut self, name: &'static str, value: impl fmt::Display) -> Self {
        self.args.push((name, Arg::Text(value.to_string())));
        self
    }

    /// Adds the argument `name`: another message, written in the same language.
    pub fn nested(mut self, name: &'static str, message: Message) -> Self {
        self.args.push((name, Arg::Message(Box::new(message))));
        self
    }

    /// Text the catalogs do not hold yet, shown as it is in every language. Only while the
    /// engine's messages move into the catalogs: tests/i18n.rs counts what is left.
    pub fn untranslated(text: impl Into<String>) -> Self {
        Message::new("untranslated").arg("text", text.into())
    }

    /// The catalog key.
    pub fn key(&self) -> &'static str {
        self.key
    }

    /// The message in `lang`: the template of its key with every `{name}` replaced by that
    /// argument. A key a catalog lacks falls back to English (tests/i18n.rs makes sure none
    /// does); a key no catalog has is written as the key and its arguments, never a panic.
    pub fn text(&self, lang: Lang) -> String {
        let template = lookup(lang, self.key).or_else(|| lookup(Lang::En, self.key));
        let Some(template) = template else {
            let args: Vec<String> = self
                .args
                .iter()
                .map(|(name, a)| format!("{name} = {}", arg_text(a, lang)))
                .collect();
            return format!("{} ({})", self.key, args.join(", "));
        };
        let mut out = String::with_capacity(template.len() + 16);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('}') {
                Some(close) => {
                    let name = &after[..close];
                    match self.args.iter().find(|(n, _)| *n == name) {
                        Some((_, a)) => out.push_str(&arg_text(a, lang)),
                        None => {
                            out.push('{');
                            out.push_str(name);
                            out.push('}');
                        }
                    }
                    rest = &after[close + 1..];
                }
                None => {
                    out.push_str(&rest[open..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }
}

impl fmt::Display for Message {
    /// The English text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

fn arg_text(a: &Arg, lang: Lang) -> String {
    match a {
        Arg::Text(t) => t.clone(),
        Arg::Message(m) => m.text(lang),
    }
}

fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    lang.catalog().find(|(k, _)| *k == key).map(|(_, t)| *t)
}

/// The `{name}` holes of a template, in order (for the catalog tests).
pub fn holes(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        out.push(&after[..close]);
        rest = &after[close + 1..];
    }
    out
}

impl From<String> for Message {
    fn from(text: String) -> Self {
        Message::untranslated(text)
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Self {
        Message::untranslated(text)
    }
}
