//! Zero-order baselines on the same objective: grid search and random search.

use super::{check_dim, HyperObjective, OuterStop, Recorder, Trajectory};
use crate::BilevelError;
use rand::{Rng, SeedableRng};

fn check_bounds(bounds: &[(f64, f64)], points: usize) -> Result<(), BilevelError> {
    if points == 0 {
        return Err(BilevelError::InvalidParameter {
            name: "points",
            value: 0.0,
            reason: "must be at least 1",
        });
    }
    match bounds
        .iter()
        .find(|(lo, hi)| !(lo <= hi && lo.is_finite() && hi.is_finite()))
    {
        Some(&(lo, _)) => Err(BilevelError::InvalidParameter {
            name: "bounds",
            value: lo,
            reason: "each bound must be finite, lower ≤ upper",
        }),
        None => Ok(()),
    }
}

/// The most evaluations [`grid_search`] accepts; past it, [`random_search`] (whose cost does
/// not grow with the number of hyperparameters) is the zero-order baseline to use.
const MAX_GRID_EVALUATIONS: usize = 10_000;

/// `pointsʳ` for r hyperparameters, if at most `MAX_GRID_EVALUATIONS`.
fn grid_size(points: usize, dim: usize) -> Result<usize, BilevelError> {
    u32::try_from(dim)
        .ok()
        .and_then(|r| points.checked_pow(r))
        .filter(|&total| total <= MAX_GRID_EVALUATIONS)
        .ok_or(BilevelError::InvalidParameter {
            name: "points",
            value: points as f64,
            reason: "points per axis to the power of the number of hyperparameters exceeds \
                     MAX_GRID_EVALUATIONS = 10 000 grid evaluations: use random_search",
        })
}

/// Evaluates `h` on the Cartesian product of `points` evenly spaced log-values per
/// hyperparameter between `bounds` (so `pointsʳ` inner solves for r hyperparameters), largest
/// λ first (sparsest models first, whose warm starts help the next), at tolerance `inner_tol`.
/// A grid of more than 10 000 points is refused ([`BilevelError::InvalidParameter`] naming
/// `points`) before any evaluation: use [`random_search`] for many hyperparameters.
pub fn grid_search<H: HyperObjective>(
    objective: &mut H,
    bounds: &[(f64, f64)],
    points: usize,
    inner_tol: f64,
) -> Result<Trajectory, BilevelError> {
    check_dim(objective.dim(), bounds.len())?;
    check_bounds(bounds, points)?;
    let axis = |&(lo, hi): &(f64, f64), i: usize| {
        if points == 1 {
            hi
        } else {
            hi - (hi - lo) * i as f64 / (points - 1) as f64
        }
    };
    let total = grid_size(points, bounds.len())?;
    let mut recorder = Recorder::new();
    for flat in 0..total {
        let mut rest = flat;
        let lambda: Vec<f64> = bounds
            .iter()
            .map(|b| {
                let i = rest % points;
                rest /= points;
                axis(b, i)
            })
            .collect();
        let eval = objective.value(&lambda, inner_tol)?;
        recorder.push(&lambda, &eval);
    }
    Ok(recorder.finish(OuterStop::MaxSteps))
}

/// Evaluates `h` at `points` log-uniform random hyperparameters within `bounds` (seeded).
pub fn random_search<H: HyperObjective>(
    objective: &mut H,
    bounds: &[(f64, f64)],
    points: usize,
    inner_tol: f64,
    seed: u64,
) -> Result<Trajectory, BilevelError> {
    check_dim(objective.dim(), bounds.len())?;
    check_bounds(bounds, points)?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut recorder = Recorder::new();
    for _ in 0..points {
        let lambda: Vec<f64> = bounds
            .iter()
            .map(|&(lo, hi)| if lo == hi { lo } else { rng.gen_range(lo..hi) })
            .collect();
        let eval = objective.value(&lambda, inner_tol)?;
        recorder.push(&lambda, &eval);
    }
    Ok(recorder.finish(OuterStop::MaxSteps))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outer::HyperEval;

    /// Counts evaluations; `h(λ) = ‖λ‖²`.
    struct Counting {
        dim: usize,
        calls: usize,
    }

    impl HyperObjective for Counting {
        fn dim(&self) -> usize {
            self.dim
        }
        fn evaluate(&mut self, l: &[f64], _: f64) -> Result<HyperEval, BilevelError> {
            self.calls += 1;
            Ok(HyperEval {
                value: l.iter().map(|v| v * v).sum(),
                grad: l.iter().map(|v| 2.0 * v).collect(),
                inner_iterations: 0,
                ..HyperEval::default()
            })
        }
    }

    #[test]
    fn large_grids_are_refused_before_any_evaluation() {
        // 30⁸ (hung for hours) and 30²⁰ (overflowed usize in `points.pow`), 2¹⁴ just past the
        // limit: refused, nothing evaluated.
        for (dim, points) in [(8, 30), (20, 30), (64, 30), (14, 2)] {
            let mut h = Counting { dim, calls: 0 };
            let err = grid_search(&mut h, &vec![(-1.0, 1.0); dim], points, 1e-6).unwrap_err();
            assert!(
                matches!(err, BilevelError::InvalidParameter { name: "points", .. }),
                "{err}"
            );
            assert!(err.to_string().contains("random_search"), "{err}");
            assert_eq!(h.calls, 0);
            // Random search with the same budget per point runs.
            let t = random_search(&mut h, &vec![(-1.0, 1.0); dim], 5, 1e-6, 0).unwrap();
            assert_eq!((t.steps.len(), h.calls), (5, 5));
        }
        // At the limit: 10⁴ = 10 000 evaluations are run.
        let mut h = Counting { dim: 4, calls: 0 };
        grid_search(&mut h, &[(-1.0, 1.0); 4], 10, 1e-6).unwrap();
        assert_eq!(h.calls, MAX_GRID_EVALUATIONS);
    }
}
