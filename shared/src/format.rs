//! Formatting helpers that prose in several modules shares (claims' reasons, verdicts). A leaf:
//! it imports nothing of the crate, so anything may use it without tying modules in a circle.

/// Format milliseconds for prose: whole ms above 100, otherwise two significant decimals.
pub fn fmt_ms(ms: f64) -> String {
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 1.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.3} ms")
    }
}

/// 20000000 → "20,000,000": a count a person reads.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// 6710886400 → "6.2 GiB", 67108864 → "64.0 MiB": a size of memory a person reads.
pub fn fmt_bytes(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b >= KIB * KIB * KIB {
        format!("{:.1} GiB", b / (KIB * KIB * KIB))
    } else if b >= KIB * KIB {
        format!("{:.1} MiB", b / (KIB * KIB))
    } else if b >= KIB {
        format!("{:.1} KiB", b / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::{fmt_bytes, fmt_ms, thousands};

    #[test]
    fn sizes_read_in_binary_units() {
        assert_eq!(fmt_bytes(512), "512 bytes");
        assert_eq!(fmt_bytes(10_394), "10.2 KiB");
        assert_eq!(fmt_bytes(64 * 1024 * 1024), "64.0 MiB");
        assert_eq!(fmt_bytes(400 * 2 * 16 * 1024 * 1024), "12.5 GiB");
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(20_000_000), "20,000,000");
    }

    #[test]
    fn milliseconds_read_with_as_many_decimals_as_matter() {
        assert_eq!(fmt_ms(1234.4), "1234 ms");
        assert_eq!(fmt_ms(12.34), "12.3 ms");
        assert_eq!(fmt_ms(0.1234), "0.123 ms");
    }
}
