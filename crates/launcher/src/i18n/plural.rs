//! Plural forms: CLDR's categories and how one of a compiled text's forms is chosen. Which
//! category a number falls in is the browser's to say (`Intl.PluralRules`, see `browser`);
//! without an answer the `other` form is used, which every language has.

/// A CLDR plural category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    Zero,
    One,
    Two,
    Few,
    Many,
    Other,
}

impl Category {
    /// Every category, in CLDR's order (the order of the forms in a compiled text).
    pub const ALL: [Category; 6] = [
        Category::Zero,
        Category::One,
        Category::Two,
        Category::Few,
        Category::Many,
        Category::Other,
    ];

    /// The name `Intl.PluralRules` and the catalogue files use (`few`).
    pub fn name(self) -> &'static str {
        match self {
            Category::Zero => "zero",
            Category::One => "one",
            Category::Two => "two",
            Category::Few => "few",
            Category::Many => "many",
            Category::Other => "other",
        }
    }

    /// The category named `name`; `None` for anything else.
    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// Separates the forms of a compiled text that has plural forms.
pub(super) const FORM_SEP: char = '\u{1e}';

/// The form of `text` for `category` if the text has that form (`None` also for a text without
/// plural forms).
pub(super) fn form(text: &str, category: Category) -> Option<&str> {
    if !text.contains(FORM_SEP) {
        return None;
    }
    text.split(FORM_SEP)
        .nth(category as usize)
        .filter(|f| !f.is_empty())
}

/// The form of `text` to show for `category`: the text itself when it has no plural forms, the
/// `other` form when the language has no such category or the category is unknown.
pub(super) fn select(text: &str, category: Option<Category>) -> &str {
    if !text.contains(FORM_SEP) {
        return text;
    }
    category
        .and_then(|c| form(text, c))
        .or_else(|| form(text, Category::Other))
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Polish-shaped: one, few, many, other.
    const PL: &str =
        "\u{1e}1 wiadomość\u{1e}\u{1e}2 wiadomości\u{1e}5 wiadomości\u{1e}1,5 wiadomości";

    #[test]
    fn test_simple() {
        assert_eq!(select(PL, Some(Category::One)), "1 wiadomość");
        assert_eq!(select(PL, Some(Category::Few)), "2 wiadomości");
        assert_eq!(select(PL, Some(Category::Many)), "5 wiadomości");
        assert_eq!(select(PL, Some(Category::Other)), "1,5 wiadomości");
        assert_eq!(form(PL, Category::Few), Some("2 wiadomości"));
    }

    #[test]
    fn a_missing_or_unknown_category_falls_back_to_other() {
        // Polish has no `two`; no browser answer at all (natively) means `other` too.
        assert_eq!(select(PL, Some(Category::Two)), "1,5 wiadomości");
        assert_eq!(select(PL, None), "1,5 wiadomości");
        assert_eq!(form(PL, Category::Two), None);
        assert_eq!(form(PL, Category::Zero), None);
    }

    #[test]
    fn a_text_without_forms_is_itself() {
        assert_eq!(select("Send", Some(Category::One)), "Send");
        assert_eq!(select("Send", None), "Send");
        assert_eq!(form("Send", Category::Other), None);
    }

    #[test]
    fn test_invalid() {
        // Fewer forms than categories (a damaged table) never panics.
        assert_eq!(select("\u{1e}a", Some(Category::Many)), "");
        assert_eq!(select("\u{1e}a", Some(Category::One)), "a");
        assert_eq!(Category::from_name("several"), None);
        assert_eq!(Category::from_name(""), None);
    }

    #[test]
    fn names_round_trip_in_cldr_order() {
        for (i, c) in Category::ALL.into_iter().enumerate() {
            assert_eq!(c as usize, i);
            assert_eq!(Category::from_name(c.name()), Some(c));
        }
    }
}
