//! The binomial checkpointing schedule (Griewank's revolve): where to place the next stored
//! state when reversing `t` steps with `s` free snapshots.
//!
//! With `s` snapshots and every step recomputed at most `r` times, at most
//! `β(s, r) = C(s + r, s)` steps can be reversed, and `β(s, r) = β(s, r − 1) + β(s − 1, r)`:
//! advance to a split point, store it, reverse the right part with `s − 1` snapshots and
//! `r` recomputations, then the left part with `s` snapshots and `r − 1`. So `K` steps need
//! `r` with `C(s + r, s) ≥ K`: for `s = ⌈log₂ K⌉` snapshots, `r ≤ s` and the cost is
//! O(K log K) recorded steps for O(log K) stored states.

/// `C(s + r, s)`, saturating at `usize::MAX`.
pub(super) fn beta(s: usize, r: usize) -> usize {
    let mut b: u128 = 1;
    for i in 1..=s.min(r) as u128 {
        b = b * ((s.max(r) as u128) + i) / i;
        if b > usize::MAX as u128 {
            return usize::MAX;
        }
    }
    b as usize
}

/// The smallest `r` with `β(s, r) ≥ t`: the recomputations `t` steps need with `s` snapshots.
pub(super) fn repetitions(s: usize, t: usize) -> usize {
    (0..)
        .find(|&r| beta(s, r) >= t)
        .expect("β grows without bound in r")
}

/// The length of the left part when `t ≥ 2` steps are reversed with `s ≥ 1` free snapshots:
/// the right part gets as many steps as `s − 1` snapshots reverse with the same number of
/// recomputations, the left part the rest (at least 1 step on each side).
pub(super) fn split(s: usize, t: usize) -> usize {
    let r = repetitions(s, t);
    let right = beta(s - 1, r).min(t - 1);
    (t - right).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_numbers() {
        assert_eq!(beta(0, 5), 1);
        assert_eq!(beta(2, 3), 10);
        assert_eq!(beta(3, 2), 10);
        assert_eq!(beta(14, 14), 40_116_600);
        assert_eq!(repetitions(1, 5), 4);
        assert_eq!(repetitions(14, 10_000), 5); // C(19, 5) = 11 628
    }

    #[test]
    fn splits_stay_inside() {
        for s in 1..6 {
            for t in 2..200 {
                let m = split(s, t);
                assert!((1..t).contains(&m), "s = {s}, t = {t}, m = {m}");
                // Both parts are reversible within the repetitions of the whole.
                let r = repetitions(s, t);
                assert!(
                    beta(s - 1, r) >= t - m && beta(s, r - 1) >= m,
                    "s {s} t {t}"
                );
            }
        }
    }
}
