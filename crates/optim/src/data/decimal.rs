//! Decimal numbers from bytes: an exact fast path for plain decimals, the standard library
//! otherwise, so that the result is always `str::parse::<f64>`'s.

/// `10^k` for `k ≤ 22`: every one is exact in f64 (5²² < 2⁵³).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `[+-]? digits ('.' digits)?` (at least one digit) whose digits, read as an integer `m`,
/// satisfy `m ≤ 2⁵³` with at most 22 after the point: then `±m / 10^k` is one correctly
/// rounded division of two exact doubles, i.e. the correctly rounded value, which is what
/// the standard parser returns (Clinger's fast path). `None` for anything else.
fn plain_decimal(text: &[u8]) -> Option<f64> {
    let (negative, digits) = match text.first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (mut mantissa, mut fraction, mut seen, mut point) = (0_u64, 0_usize, false, false);
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
                fraction += usize::from(point);
                seen = true;
            }
            b'.' if !point => point = true,
            _ => return None,
        }
    }
    if !seen || mantissa > 1 << 53 || fraction > 22 {
        return None;
    }
    let value = mantissa as f64 / POW10[fraction];
    Some(if negative { -value } else { value })
}

/// The finite number `text` spells, as `str::parse::<f64>` reads it; `None` if it is not a
/// number or not finite.
pub(super) fn parse_finite(text: &[u8]) -> Option<f64> {
    plain_decimal(text)
        .or_else(|| std::str::from_utf8(text).ok()?.parse::<f64>().ok())
        .filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn standard(text: &str) -> Option<f64> {
        text.parse::<f64>().ok().filter(|v| v.is_finite())
    }

    fn same(a: Option<f64>, b: Option<f64>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => a.to_bits() == b.to_bits(),
            (None, None) => true,
            _ => false,
        }
    }

    #[test]
    fn edge_cases_agree_with_the_standard_parser() {
        for text in [
            "0",
            "-0",
            "+0",
            "1.",
            ".5",
            "-.5",
            "+.5",
            ".",
            "-",
            "+",
            "",
            "1..2",
            "1.2.3",
            "0.1",
            "0.30000000000000004",
            "9007199254740992",
            "9007199254740993",
            "18446744073709551615",
            "18446744073709551616",
            "1e5",
            "1E5",
            "inf",
            "-inf",
            "NaN",
            "1e308",
            "1e309",
            "0.0000000000000000000001",
            "0.00000000000000000000001",
            "123456.789012",
            "-1.5",
            "1_0",
            " 1",
            "1 ",
            "0x10",
            "١",
        ] {
            assert!(
                same(parse_finite(text.as_bytes()), standard(text)),
                "{text:?}: {:?} vs {:?}",
                parse_finite(text.as_bytes()),
                standard(text)
            );
        }
        // The fast path is taken for plain decimals, not for the others.
        assert!(plain_decimal(b"-12.625").is_some() && plain_decimal(b"1e5").is_none());
    }

    proptest! {
        #[test]
        fn decimals_agree_with_the_standard_parser(
            sign in "[-+]?",
            int in "[0-9]{0,20}",
            point in "\\.?",
            frac in "[0-9]{0,25}",
        ) {
            let text = format!("{sign}{int}{point}{frac}");
            prop_assert!(same(parse_finite(text.as_bytes()), standard(&text)), "{}", text);
        }

        #[test]
        fn printed_doubles_read_back(v in proptest::num::f64::NORMAL) {
            for text in [format!("{v}"), format!("{v:.6}"), format!("{v:e}")] {
                prop_assert!(same(parse_finite(text.as_bytes()), standard(&text)), "{}", text);
            }
        }
    }
}
