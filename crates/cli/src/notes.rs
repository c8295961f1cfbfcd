//! What the command says about the data before fitting: notes (indices never seen, constant
//! columns) and warnings (column scales far apart without `--standardize`), on stderr.

use crate::setup::{Conventions, Error};
use hypergrad::optim::data::{Dataset, Preprocessing, Standardization};

/// Feature spreads further apart than this ratio get a warning suggesting `--standardize`.
///
/// One α weighs feature j through its spread s_j: a feature enters the Lasso where
/// |X_jᵀr|/n = s_j·|corr(x_j, r)|·‖r‖/√n exceeds α, so two features equally correlated with the
/// residual enter at values of α a ratio s_max/s_min apart (ridge shrinks by s_j²/(s_j² + α):
/// the ratio squared). The search box spans four decades, [α_max·10⁻⁴, α_max]: beyond a ratio
/// of 10³ a feature of the smallest spread can enter only in the bottom decade, next to the
/// unpenalized fit, or never, and the search cannot weigh it against the others.
pub const SCALE_RATIO: f64 = 1e3;

/// Prints the notes about the columns of `data` on stderr: indices that never occur (not
/// stored) and constant columns (carried by the intercept). Returns the warnings, printed too:
/// column spreads more than [`SCALE_RATIO`] apart when the features are not standardized.
pub fn data_notes(data: &Dataset, conventions: Conventions) -> Result<Vec<String>, Error> {
    let dropped = data.columns.n_dropped();
    if dropped > 0 {
        eprintln!(
            "note: {dropped} of the {} feature indices never occur and are not stored; \
             coefficients are listed with their feature index",
            data.columns.width()
        );
    }
    let fitted = Preprocessing::fit(&data.x, Standardization::FULL)?;
    let constant = &fitted.constant;
    if !constant.is_empty() && conventions.intercept {
        let shown: Vec<String> = constant
            .iter()
            .take(10)
            .map(|j| (j + 1).to_string())
            .collect();
        eprintln!(
            "note: {} constant feature column(s) ({}{}): carried by the intercept, coefficient 0",
            constant.len(),
            shown.join(", "),
            if constant.len() > 10 { ", …" } else { "" }
        );
    }
    let warnings: Vec<String> = scale_warning(data, &fitted, conventions)
        .into_iter()
        .collect();
    warnings.iter().for_each(|w| eprintln!("warning: {w}"));
    Ok(warnings)
}

/// The warning when the non-zero column spreads (standard deviations with an intercept, root
/// mean squares without: what `--standardize` divides by) are more than [`SCALE_RATIO`] apart
/// and the features are not standardized. `fitted` is the full standardization of `data`.
fn scale_warning(
    data: &Dataset,
    fitted: &Preprocessing,
    conventions: Conventions,
) -> Option<String> {
    if conventions.standardized {
        return None;
    }
    let (spreads, name): (Vec<f64>, _) = if conventions.intercept {
        // `scale` is 1/standard deviation (0 for a constant column).
        let spreads = fitted.scale.iter().filter(|s| **s > 0.0).map(|s| 1.0 / s);
        (spreads.collect(), "standard deviations")
    } else {
        let mut sq = vec![0.0; data.x.n_features()];
        data.x.col_sq_norms(&mut sq);
        let n = data.x.n_samples() as f64;
        let rms = sq.iter().filter(|s| **s > 0.0).map(|s| (s / n).sqrt());
        (rms.collect(), "root mean squares")
    };
    let (lo, hi) = spreads
        .iter()
        .fold((f64::INFINITY, 0.0_f64), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    (hi > SCALE_RATIO * lo).then(|| {
        format!(
            "the feature {name} range from {lo:.3e} to {hi:.3e}, more than {SCALE_RATIO:.0e} \
             apart: one penalty weighs the features very differently; consider --standardize"
        )
    })
}
