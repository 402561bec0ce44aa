//! Opaque keyset cursors: base64url of a small JSON value, so clients cannot depend on their
//! shape and a tampered cursor is a clean 400.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::text;

/// Default page size.
pub const DEFAULT_LIMIT: i64 = 50;
/// Largest page size.
pub const MAX_LIMIT: i64 = 200;

/// The 400 detail of a cursor the API did not hand out.
pub fn bad_cursor() -> Msg {
    Msg::new(
        "Markören (cursor) kommer inte från detta API; börja om utan den.",
        "The cursor is not one this API returned; start again without it.",
    )
}

/// Encodes a cursor.
pub fn encode<T: Serialize>(key: &T) -> String {
    // Serialising plain keys (strings, ids, times) cannot fail.
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

/// Decodes a cursor made by [`encode`]; anything else is 400 `INVALID_CURSOR`.
pub fn decode<T: DeserializeOwned>(cursor: &str) -> AppResult<T> {
    let invalid = || AppError::BadRequest {
        code: "INVALID_CURSOR",
        detail: bad_cursor(),
    };
    if cursor.len() > 512 {
        return Err(invalid());
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    serde_json::from_slice(&bytes).map_err(|_| invalid())
}

/// Checks a requested page size: 1..=MAX_LIMIT, default DEFAULT_LIMIT.
pub fn limit(requested: Option<i64>) -> AppResult<i64> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(AppError::BadRequest {
            code: "INVALID_QUERY",
            detail: text!(
                "`limit` ska vara mellan 1 och {MAX_LIMIT}.",
                "`limit` must be between 1 and {MAX_LIMIT}."
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips() {
        let c = encode(&("Vårdcentral", 7));
        let back: (String, i32) = decode(&c).unwrap();
        assert_eq!(back, ("Vårdcentral".to_string(), 7));
    }

    #[test]
    fn a_tampered_cursor_is_refused() {
        assert!(decode::<(String, i32)>("not-a-cursor!").is_err());
        assert!(decode::<(String, i32)>(&encode(&42)).is_err());
    }

    #[test]
    fn limits_outside_one_to_two_hundred_are_refused() {
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(201)).is_err());
        assert_eq!(limit(Some(200)).unwrap(), 200);
        assert_eq!(limit(None).unwrap(), 50);
    }
}
