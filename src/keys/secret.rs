//! Secrets as the user types them: cleaning a pasted key, splitting the combined
//! `CLIENT_ID:KEY` token, and deriving the legacy key from an account password. A
//! [`Secret`] is zeroized when dropped and never formatted; only its mask is.

use std::fmt;

use md5::{Digest, Md5};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// A key or password in memory. Debug and Display show at most `••••` and the last four
/// characters.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(text: String) -> Secret {
        Secret(Zeroizing::new(text))
    }

    /// The secret itself, for the one place that sends or stores it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `••••` plus the last four characters, or only `••••` when the secret is short.
    pub fn masked(&self) -> String {
        crate::gateway::mask(&self.0)
    }

    /// The last four characters kept in the metadata, or none for short secrets.
    pub fn last4(&self) -> String {
        let count = self.0.chars().count();
        if count < 12 {
            return String::new();
        }
        self.0.chars().skip(count - 4).collect()
    }

    /// Compares without stopping at the first difference.
    pub fn same_as(&self, other: &Secret) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }

    /// Whether this has the shape of a LOX24 API key: 32 hexadecimal characters.
    pub fn looks_like_api_key(&self) -> bool {
        self.0.len() == 32 && self.0.bytes().all(|b| b.is_ascii_hexdigit())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.masked())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// The key LOX24 derived from an account password for existing customers: the MD5 of the
/// password as lowercase hex. The password is used as given, byte for byte.
pub fn legacy_key_from_password(password: &Secret) -> Secret {
    let digest = Md5::digest(password.expose().as_bytes());
    Secret::new(hex::encode(digest))
}

/// A problem with what the user typed; always names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InputError {
    pub field: &'static str,
    pub message: String,
}

fn input_error(field: &'static str, message: impl Into<String>) -> InputError {
    InputError {
        field,
        message: message.into(),
    }
}

/// A key as entered, cleaned, with the client id it belongs to.
#[derive(Debug)]
pub struct Entered {
    pub client_id: String,
    pub secret: Secret,
    /// What cleaning did, to tell the user ("removed the quotes around the key").
    pub notes: Vec<String>,
}

/// Reads a key line: `KEY` or `CLIENT_ID:KEY`, with stray spaces, quotes and line breaks
/// removed (an API key never contains them). The client id comes from the token, else
/// from `client_id` (flag or form), else from `configured` (`account.client_id`).
pub fn parse_key_entry(
    line: &str,
    client_id: Option<&str>,
    configured: Option<&str>,
) -> Result<Entered, InputError> {
    let mut notes = Vec::new();
    let cleaned = clean_pasted(line, &mut notes);
    if cleaned.is_empty() {
        return Err(input_error(
            "key",
            "the key is empty; paste the API key from your LOX24 account",
        ));
    }

    let (token_client, key) = match cleaned.split_once(':') {
        None => (None, cleaned),
        Some((_, rest)) if rest.contains(':') => {
            return Err(input_error(
                "key",
                "the key contains several colons; paste it as CLIENT_ID:KEY (one colon) or the \
                 key alone",
            ));
        }
        Some((client, key)) => (Some(client.to_string()), key.to_string()),
    };
    if key.is_empty() {
        return Err(input_error(
            "key",
            "the key after the colon is empty; paste CLIENT_ID:KEY",
        ));
    }

    let client_id = match (
        token_client,
        client_id.map(str::trim).filter(|c| !c.is_empty()),
    ) {
        (Some(token), Some(given)) if token != given => {
            return Err(input_error(
                "client_id",
                format!(
                    "the token names client id {token}, but client id {given} was given; use one"
                ),
            ));
        }
        (Some(token), _) => token,
        (None, Some(given)) => given.to_string(),
        (None, None) => match configured {
            Some(id) => id.to_string(),
            None => {
                return Err(input_error(
                    "client_id",
                    "the client id is missing; give --client-id (your LOX24 customer number) or \
                     paste CLIENT_ID:KEY",
                ));
            }
        },
    };
    Ok(Entered {
        client_id: check_client_id(&client_id)?,
        secret: Secret::new(key),
        notes,
    })
}

/// Reads an account password line: only the line break is removed, since spaces and
/// quotes can be part of a password. The client id comes from the flag or the config.
pub fn parse_password_entry(
    line: &str,
    client_id: Option<&str>,
    configured: Option<&str>,
) -> Result<Entered, InputError> {
    let password = line.trim_end_matches(['\r', '\n']);
    if password.trim().is_empty() {
        return Err(input_error("password", "the password is empty"));
    }
    let client_id = client_id
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .or(configured)
        .ok_or_else(|| {
            input_error(
                "client_id",
                "the client id is missing; give --client-id with your LOX24 customer number",
            )
        })?;
    Ok(Entered {
        client_id: check_client_id(client_id)?,
        secret: Secret::new(password.to_string()),
        notes: Vec::new(),
    })
}

/// A LOX24 client id is the numeric customer number.
pub fn check_client_id(raw: &str) -> Result<String, InputError> {
    let id = raw.trim();
    if id.is_empty() || id.len() > 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(input_error(
            "client_id",
            format!(
                "client id {id:?} is not a number; use your LOX24 customer number, e.g. 1234567"
            ),
        ));
    }
    Ok(id.to_string())
}

fn clean_pasted(line: &str, notes: &mut Vec<String>) -> String {
    let mut text = line.trim().to_string();
    if text.len() != line.len() {
        notes.push("removed spaces or line breaks around the key".to_string());
    }
    let quotes: &[char] = &['"', '\'', '`', '“', '”', '‘', '’', '«', '»'];
    let unquoted = text.trim_matches(quotes).trim().to_string();
    if unquoted != text {
        notes.push("removed the quotes around the key".to_string());
        text = unquoted;
    }
    if text.chars().any(char::is_whitespace) {
        text.retain(|c| !c.is_whitespace());
        notes.push("removed spaces inside the key".to_string());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legacy_key_is_the_lowercase_md5_hex_of_the_password() {
        let key = legacy_key_from_password(&Secret::new("password".to_string()));
        assert_eq!(key.expose(), "5f4dcc3b5aa765d61d8327deb882cf99");
        let key = legacy_key_from_password(&Secret::new("Passwort".to_string()));
        assert_eq!(key.expose(), "3e45af4ca27ea2b03fc6183af40ea112");
    }

    #[test]
    fn secrets_never_format_their_value() {
        let secret = Secret::new("e3f3a759b6677959b6ebfc0123456789".to_string());
        assert_eq!(format!("{secret}"), "••••6789");
        assert_eq!(format!("{secret:?}"), "Secret(••••6789)");
        assert_eq!(Secret::new("short".into()).masked(), "••••");
        assert_eq!(Secret::new("short".into()).last4(), "");
    }

    #[test]
    fn pasted_keys_are_cleaned_and_the_user_is_told() {
        let entry = parse_key_entry("  \"1234567:abcd ef01\"\n", None, None).unwrap();
        assert_eq!(entry.client_id, "1234567");
        assert_eq!(entry.secret.expose(), "abcdef01");
        assert_eq!(entry.notes.len(), 3, "{:?}", entry.notes);
    }

    #[test]
    fn the_client_id_comes_from_token_flag_or_config() {
        let from_flag = parse_key_entry("abc", Some("42"), Some("7")).unwrap();
        assert_eq!(from_flag.client_id, "42");
        let from_config = parse_key_entry("abc", None, Some("7")).unwrap();
        assert_eq!(from_config.client_id, "7");
        let clash = parse_key_entry("1:abc", Some("2"), None).unwrap_err();
        assert_eq!(clash.field, "client_id");
        let missing = parse_key_entry("abc", None, None).unwrap_err();
        assert_eq!(missing.field, "client_id");
    }

    #[test]
    fn bad_entries_are_refused_naming_the_field() {
        assert_eq!(parse_key_entry("   ", None, None).unwrap_err().field, "key");
        assert_eq!(
            parse_key_entry("1:2:3", None, None).unwrap_err().field,
            "key"
        );
        assert_eq!(
            parse_key_entry("12ab:key", None, None).unwrap_err().field,
            "client_id"
        );
        assert_eq!(
            parse_password_entry(" \n", Some("1"), None)
                .unwrap_err()
                .field,
            "password"
        );
    }

    #[test]
    fn passwords_keep_their_spaces_and_quotes() {
        let entry = parse_password_entry(" my \"pass\" \n", Some("1"), None).unwrap();
        assert_eq!(entry.secret.expose(), " my \"pass\" ");
    }

    #[test]
    fn api_key_shape() {
        assert!(Secret::new("e3f3a759b6677959b6ebfc0123456789".into()).looks_like_api_key());
        assert!(!Secret::new("Sommer2019!".into()).looks_like_api_key());
    }
}
