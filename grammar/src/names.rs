//! Dotted event names: `ToolInvoked` is `tool.invoked`.

use heck::ToSnakeCase;

/// The dotted name of a variant: `ToolInvoked` -> `tool.invoked`,
/// `HTTPRequestSent` -> `http.request.sent`. A raw identifier's `r#` is dropped.
pub fn dotted_name(variant: &str) -> String {
    variant
        .trim_start_matches("r#")
        .to_snake_case()
        .replace('_', ".")
}

/// Whether `name` is a valid dotted name: lower-case words of letters,
/// digits and `_`, joined by single dots.
pub fn is_valid_dotted(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|word| {
            !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_names_follow_word_boundaries() {
        assert_eq!(dotted_name("ToolInvoked"), "tool.invoked");
        assert_eq!(dotted_name("HTTPRequestSent"), "http.request.sent");
        assert_eq!(dotted_name("HttpRequestSent"), "http.request.sent");
        assert_eq!(dotted_name("Created"), "created");
        assert_eq!(dotted_name("r#Type"), "type");
    }

    #[test]
    fn dotted_names_are_checked() {
        assert!(is_valid_dotted("tool.invoked"));
        assert!(is_valid_dotted("http2.sent_ok"));
        assert!(!is_valid_dotted(""));
        assert!(!is_valid_dotted("Tool.Invoked"));
        assert!(!is_valid_dotted("tool..invoked"));
        assert!(!is_valid_dotted(".tool"));
        assert!(!is_valid_dotted("tool invoked"));
    }
}
