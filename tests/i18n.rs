//! The engine's catalogs: every key in every language, with the same holes; the English text of
//! each error kind unchanged; Korean where the page asks for it.

use cnn_playground::i18n::{holes, Lang, Message};
use cnn_playground::shapes::output_size;
use cnn_playground::Error;
use std::collections::BTreeMap;

fn catalog(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    let mut map = BTreeMap::new();
    for (key, text) in lang.catalog() {
        assert!(
            map.insert(*key, *text).is_none(),
            "{key} twice in the {} catalog",
            lang.code()
        );
    }
    map
}

#[test]
fn every_catalog_has_the_same_keys_with_the_same_holes() {
    let en = catalog(Lang::En);
    for lang in Lang::ALL {
        let other = catalog(lang);
        let missing: Vec<_> = en.keys().filter(|k| !other.contains_key(*k)).collect();
        let extra: Vec<_> = other.keys().filter(|k| !en.contains_key(*k)).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{}: missing {missing:?}, extra {extra:?}",
            lang.code()
        );
        for (key, text) in &en {
            let mut want = holes(text);
            let mut got = holes(other[key]);
            want.sort_unstable();
            got.sort_unstable();
            assert_eq!(got, want, "{}: the holes of {key}", lang.code());
        }
    }
}

#[test]
fn korean_templates_are_korean() {
    // Every Korean text but the bare hole has Hangul in it: none was left in English.
    for (key, text) in catalog(Lang::Ko) {
        if text
            .replace(
                |c: char| c == '{' || c == '}' || c.is_ascii_alphanumeric() || c == '_',
                "",
            )
            .trim()
            .is_empty()
        {
            continue;
        }
        assert!(
            text.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c)),
            "{key}: {text}"
        );
    }
}

#[test]
fn a_message_nests_others_in_its_own_language() {
    let inner = Message::new("axis.height");
    let m = Message::new("error.zero").nested("what", inner);
    assert_eq!(m.text(Lang::En), "height must be at least 1, got 0");
    assert_eq!(m.text(Lang::Ko), "높이은(는) 1 이상이어야 하는데 0입니다");
    // The arguments' numbers are the same text in both languages.
    let count = Message::new("example.filters")
        .arg("count", 6)
        .arg("side", "5×5×3");
    assert_eq!(count.text(Lang::En), "6 filters of 5×5×3");
    assert_eq!(count.text(Lang::Ko), "5×5×3 필터 6개");
    assert_eq!(Lang::from_code("ko-KR"), Some(Lang::Ko));
    assert_eq!(Lang::from_code("EN_us"), Some(Lang::En));
    assert_eq!(Lang::from_code("fr"), None);
}

#[test]
fn the_lectures_formula_error_reads_in_both_languages_with_the_same_numbers() {
    let e: Error = output_size("width", 7, 3, 0, 3).unwrap_err();
    assert_eq!(
        e.to_string(),
        "width: (7 − 3 + 2·0)/3 + 1 = 2.33 is not a whole number: try stride 1 or 2, or pad 1"
    );
    let ko = e.text(Lang::Ko);
    assert!(ko.contains("(7 − 3 + 2·0)/3 + 1 = 2.33"), "{ko}");
    assert!(
        ko.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c)),
        "{ko}"
    );
}

#[test]
fn no_message_of_the_engine_is_left_outside_the_catalogs() {
    // Message::untranslated is the way a free English text could still reach the page; only
    // src/i18n/ may name it.
    fn visit(dir: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("i18n") {
                    visit(&path, found);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (i, line) in text.lines().enumerate() {
                    if line.contains("untranslated(") || line.contains("Error::invalid(format!") {
                        found.push(format!("{}:{}", path.display(), i + 1));
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    visit(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut found,
    );
    assert!(
        found.is_empty(),
        "free texts outside the catalogs: {found:?}"
    );
}
