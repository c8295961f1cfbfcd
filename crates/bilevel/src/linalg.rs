//! Small dense vector helpers for the linear solves.

/// `aᵀb`.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The geometric-mean rate of a decaying sequence over its last steps,
/// `(h_n / h_{n−w})^{1/w}` with `w = min(10, n/2)` (at least 2): the contraction factor a
/// linear recursion shows, robust to the oscillation of a complex pair of dominant eigenvalues
/// and to the transient growth of a non-normal operator. `None` if too short or not positive.
pub(crate) fn rate(history: &[f64]) -> Option<f64> {
    let n = history.len().checked_sub(1)?;
    let w = (n / 2).min(10);
    let (last, first) = (history[n], history[n - w.min(n)]);
    (w >= 2 && first > 0.0 && last.is_finite()).then(|| (last / first).powf(1.0 / w as f64))
}

/// `‖a‖₂`.
pub(crate) fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}
