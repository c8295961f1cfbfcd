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

/// Evaluates `h` on the Cartesian product of `points` evenly spaced log-values per
/// hyperparameter between `bounds` (so `pointsʳ` inner solves for r hyperparameters), largest
/// λ first (sparsest models first, whose warm starts help the next), at tolerance `inner_tol`.
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
    let total = points.pow(bounds.len() as u32);
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
