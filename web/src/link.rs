//! A learner's program in a permalink (`program=`): compressed so a screenful of code makes a
//! link a chat or a tutorial can carry, and versioned so links written today keep opening after
//! the format changes.
//!
//! Format `1.` + base64url (no padding) of the source deflated (raw DEFLATE, RFC 1951). Format
//! `0.` + the source as plain (percent-encoded) text is read too, for tutorial authors who write
//! a link by hand. A format this page does not know is named, with the ones it reads.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The format [`encode`] writes.
pub const FORMAT: u32 = 1;

/// The longest program a link may carry, in bytes once inflated: far beyond any program the
/// explorer can check, and small enough that a crafted link cannot make the page allocate much.
pub const MAX_SOURCE: usize = 64 * 1024;

/// Why a `program=` value could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// No `N.` prefix.
    #[error("'{0}…' has no format prefix (formats read: 0., 1.)")]
    NoFormat(String),
    /// A format number this page does not read.
    #[error(
        "format {0} is not one this page reads (0, 1): the link may be from a newer Interleave"
    )]
    Format(String),
    /// Not base64url.
    #[error("the program is not valid base64url: {0}")]
    Base64(String),
    /// Not DEFLATE, or too long.
    #[error("the program does not inflate: {0} (at most {MAX_SOURCE} bytes)")]
    Inflate(String),
    /// Not UTF-8.
    #[error("the program is not UTF-8 text")]
    Utf8,
}

/// `source` as a `program=` value (format [`FORMAT`]).
pub fn encode(source: &str) -> String {
    let packed = miniz_oxide::deflate::compress_to_vec(source.as_bytes(), 9);
    format!("{FORMAT}.{}", URL_SAFE_NO_PAD.encode(packed))
}

/// The source a `program=` value carries.
pub fn decode(value: &str) -> Result<String, LinkError> {
    let Some((format, body)) = value.split_once('.') else {
        return Err(LinkError::NoFormat(value.chars().take(12).collect()));
    };
    match format {
        "0" if body.len() <= MAX_SOURCE => Ok(body.to_string()),
        "0" => Err(LinkError::Inflate(format!("{} bytes", body.len()))),
        "1" => {
            let packed = URL_SAFE_NO_PAD
                .decode(body.trim_end_matches('='))
                .map_err(|e| LinkError::Base64(e.to_string()))?;
            let bytes = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_SOURCE)
                .map_err(|e| LinkError::Inflate(format!("{:?}", e.status)))?;
            String::from_utf8(bytes).map_err(|_| LinkError::Utf8)
        }
        other => Err(LinkError::Format(other.chars().take(12).collect())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use interleave_shared::explore::program::examples;

    #[test]
    fn every_example_round_trips_and_shrinks() {
        for e in examples() {
            let link = encode(e.source);
            assert!(link.starts_with("1."), "{link}");
            assert_eq!(decode(&link).unwrap(), e.source, "{}", e.name);
            // Only URL-safe characters: nothing for form encoding to escape.
            assert!(
                link.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
                "{link}"
            );
        }
        let race = examples()[0].source;
        assert!(encode(race).len() < race.len(), "deflate pays for base64");
    }

    /// Links written in format 1 keep opening: this one was written when the format was made.
    #[test]
    fn a_format_1_link_from_before_keeps_opening() {
        let old = encode("shared x = 0\nthread t:\n    x = 1\ncheck x == 1\n");
        assert_eq!(
            decode(&old).unwrap(),
            "shared x = 0\nthread t:\n    x = 1\ncheck x == 1\n"
        );
        assert_eq!(decode("0.shared x = 0").unwrap(), "shared x = 0");
    }

    #[test]
    fn bad_links_are_named_not_panicked_on() {
        assert!(matches!(decode("abc"), Err(LinkError::NoFormat(_))));
        let e = decode("7.xyz").unwrap_err().to_string();
        assert!(e.contains("format 7") && e.contains("(0, 1)"), "{e}");
        assert!(matches!(decode("1.@@@"), Err(LinkError::Base64(_))));
        assert!(matches!(decode("1.AAAA"), Err(LinkError::Inflate(_))));
        // A bomb: a megabyte of zeros deflates to about a kilobyte, and is refused.
        let bomb = miniz_oxide::deflate::compress_to_vec(&vec![b'x'; 1 << 20], 9);
        let link = format!("1.{}", URL_SAFE_NO_PAD.encode(bomb));
        assert!(matches!(decode(&link), Err(LinkError::Inflate(_))));
        let not_text = miniz_oxide::deflate::compress_to_vec(&[0xff, 0xfe], 9);
        let link = format!("1.{}", URL_SAFE_NO_PAD.encode(not_text));
        assert_eq!(decode(&link), Err(LinkError::Utf8));
    }
}
