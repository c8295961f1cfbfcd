//! Five-fold cross-validated Lasso on text-like sparse data, end to end through the library:
//! `CrossValidation` of five warm-started `Bilevel` objectives (implicit-forward), L-BFGS from
//! α_max/10 in [α_max·1e-3, α_max], then a refit on all rows at the selected α — what
//! scikit-learn's `LassoCV` does with its grid (`benches/peers/text_scale.py` runs both on the
//! same data and folds and prints the comparison).
//!
//! Data (seeded): n documents over p terms, each row with `density·p` distinct terms drawn with
//! Zipf-like frequencies (term j ∝ 1/(j + 1), so a few terms are in most rows and most are rare),
//! weights `(1 + u)·ln(1 + p/(j + 1))` (tf × idf-like), rows scaled to unit norm (as rcv1 and
//! news20 are); `y = Xβ* + σε` with 200 non-zero `β*_j ~ N(0, 1)` among the 10 % most frequent
//! terms and σ three times the signal's RMS. Fold k holds the rows `i ≡ k (mod 5)`.
//!
//! Inner tolerance: the HOAG schedule 1e-4·0.5ᵏ down to 2e-6 (relative duality gap), the rule
//! of `LassoCV(tol=1e-6)`; Jacobian tolerance 1e-6. The CV error of the selected α is evaluated
//! again afterwards (untimed) at tolerance 1e-10.
//!
//! Run: `cargo run --release --example text_scale -- N P DENSITY [DUMP_DIR]` (with a directory,
//! also writes X, y for the Python side). Prints one `key = value` per line: `seconds` (wall),
//! `cpu_seconds` (user + system, all threads), `alpha`,
//! `alpha_ratio`, `cv_error`, `evaluations`, `epochs`, `peak_rss_mb` (the process's high-water
//! mark, data included).

#[path = "../benches/common/mod.rs"]
mod common;

use hypergrad::bilevel::outer::{
    Bilevel, CrossValidation, HyperObjective, Lbfgs, LineSearch, ToleranceSchedule,
};
use hypergrad::bilevel::{HeldOutMse, Method, Options};
use hypergrad::optim::{Design, FixedPointMap, Lasso, SolverParams};
use ndarray::Array1;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use sprs::{CsMat, TriMat};
use std::collections::BTreeSet;
use std::time::Instant;

const FOLDS: usize = 5;

/// The seeded text-like design (CSC) and targets.
fn text_problem(n: usize, p: usize, density: f64, seed: u64) -> (Design, Vec<f64>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let per_row = ((density * p as f64).round() as usize).clamp(1, p);
    let mut tri = TriMat::with_capacity((n, p), n * per_row);
    let mut terms = BTreeSet::new();
    let mut weights = Vec::with_capacity(per_row);
    for i in 0..n {
        terms.clear();
        while terms.len() < per_row {
            // P(j) ∝ 1/(j + 1): j = ⌊(p + 1)^u⌋ − 1 for u uniform.
            let j = ((p as f64 + 1.0).powf(rng.gen::<f64>()) as usize).saturating_sub(1);
            terms.insert(j.min(p - 1));
        }
        weights.clear();
        weights.extend(terms.iter().map(|&j| {
            let idf = (1.0 + p as f64 / (j as f64 + 1.0)).ln();
            (j, (1.0 + rng.gen::<f64>()) * idf)
        }));
        let norm = weights.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
        for &(j, w) in &weights {
            tri.add_triplet(i, j, w / norm);
        }
    }
    let x = Design::sparse(tri.to_csc()).expect("finite, non-empty");
    let mut beta = vec![0.0; p];
    for _ in 0..200 {
        beta[rng.gen_range(0..(p / 10).max(1))] = rng.sample(StandardNormal);
    }
    let mut signal = vec![0.0; n];
    x.matvec(&beta, &mut signal);
    let rms = (signal.iter().map(|v| v * v).sum::<f64>() / n as f64).sqrt();
    let y = signal
        .iter()
        .map(|s| s + 3.0 * rms * rng.sample::<f64, _>(StandardNormal))
        .collect();
    (x, y)
}

/// Fold k of a CSC matrix: the training rows (`i mod 5 ≠ k`) and the validation rows
/// (`i mod 5 = k`) as checked sparse designs with their targets, built column by column
/// (no intermediate copy of the data).
fn split(x: &CsMat<f64>, y: &[f64], k: usize) -> [(Design, Array1<f64>); 2] {
    let part = |i: usize| usize::from(i % FOLDS == k);
    // The row of sample i within its part.
    let mut position = vec![0; x.rows()];
    let mut counts = [0; 2];
    for (i, pos) in position.iter_mut().enumerate() {
        *pos = counts[part(i)];
        counts[part(i)] += 1;
    }
    let mut entries = [0; 2];
    x.indices().iter().for_each(|&i| entries[part(i)] += 1);
    let mut built = entries.map(|m| {
        let mut indptr = Vec::with_capacity(x.cols() + 1);
        indptr.push(0);
        (indptr, Vec::with_capacity(m), Vec::with_capacity(m))
    });
    for column in x.outer_iterator() {
        for (i, &v) in column.iter() {
            let (_, indices, data) = &mut built[part(i)];
            indices.push(position[i]);
            data.push(v);
        }
        for (indptr, indices, _) in built.iter_mut() {
            indptr.push(indices.len());
        }
    }
    let mut targets: [Vec<f64>; 2] = Default::default();
    (0..x.rows()).for_each(|i| targets[part(i)].push(y[i]));
    let [train, val] = built;
    let [y_train, y_val] = targets;
    let design = |(indptr, indices, data): (Vec<usize>, Vec<usize>, Vec<f64>), rows| {
        let csc = CsMat::new_csc((rows, x.cols()), indptr, indices, data);
        Design::sparse(csc).expect("finite, non-empty")
    };
    [
        (design(train, counts[0]), Array1::from(y_train)),
        (design(val, counts[1]), Array1::from(y_val)),
    ]
}

/// The CPU time of the process so far (user + system, all threads) in seconds, from
/// `/proc/self/stat` (fields 14 and 15, in clock ticks of 1/100 s — Linux's `USER_HZ`); NaN
/// where `/proc` is missing.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // The command name (field 2) is parenthesized and may hold spaces: split after it.
            let rest = &s[s.rfind(')')? + 2..];
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let ticks = |k: usize| fields.get(k - 3).and_then(|v| v.parse::<f64>().ok());
            Some((ticks(14)? + ticks(15)?) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

/// The process's peak resident memory (VmHWM) in MB, where `/proc` has it.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (n, p, density) = match args.as_slice() {
        [n, p, d, ..] => (n.parse()?, p.parse()?, d.parse::<f64>()?),
        _ => return Err("usage: text_scale N P DENSITY [DUMP_DIR]".into()),
    };
    let (x, y) = text_problem(n, p, density, 2027);
    if let Some(dir) = args.get(3) {
        common::dump(dir, "text", &x, &Array1::from(y.clone()));
    }
    let options = Options {
        inner_tol: 2e-6,
        jacobian_tol: 1e-6,
        ..Options::default()
    };
    let schedule = ToleranceSchedule {
        initial: 1e-4,
        decay: 0.5,
        minimum: 2e-6,
    };

    let (clock, cpu) = (Instant::now(), cpu_seconds());
    let full = Lasso::new(x, Array1::from(y.clone()).view())?;
    let Design::Sparse(x) = full.loss().design() else {
        unreachable!("built sparse")
    };
    let mut problems = Vec::with_capacity(FOLDS);
    for k in 0..FOLDS {
        let [(train, y_train), (val, y_val)] = split(x, &y, k);
        problems.push((
            Lasso::new(train, y_train.view())?,
            HeldOutMse::new(val, y_val.view())?,
        ));
    }
    let alpha_max = full.alpha_max();
    let bounds = ((alpha_max * 1e-3).ln(), alpha_max.ln());
    let folds = problems
        .iter()
        .map(|(lasso, criterion)| {
            Bilevel::new(lasso, criterion, Method::ImplicitForward, options.clone())
        })
        .collect();
    let mut cv = CrossValidation::new(folds)?;
    let lbfgs = Lbfgs {
        line_search: LineSearch {
            max_steps: 30,
            schedule,
            bounds,
            ..LineSearch::default()
        },
        ..Lbfgs::default()
    };
    let run = lbfgs.run(&mut cv, &[(alpha_max / 10.0).ln()])?;
    let best = run.best().log_alpha.clone();
    let params = SolverParams {
        tol: schedule.minimum,
        ..SolverParams::default()
    };
    let refit = full.solve(&best, None, &params)?;
    let (seconds, cpu) = (clock.elapsed().as_secs_f64(), cpu_seconds() - cpu);

    // Untimed: the CV error of the selected α, solved tightly from cold starts.
    let mut check = CrossValidation::new(
        problems
            .iter()
            .map(|(lasso, criterion)| {
                Bilevel::new(lasso, criterion, Method::OneStep, options.clone())
            })
            .collect(),
    )?;
    let cv_error = check.value(&best, 1e-10)?.value;
    println!("seconds = {seconds:.3}");
    println!("cpu_seconds = {cpu:.2}");
    println!("alpha = {:.6e}", best[0].exp());
    println!("alpha_ratio = {:.4e}", best[0].exp() / alpha_max);
    println!("cv_error = {cv_error:.8e}");
    println!("evaluations = {}", run.steps.len());
    println!(
        "epochs = {}",
        run.steps.last().map_or(0, |s| s.inner_iterations)
    );
    println!(
        "refit_nonzeros = {}",
        refit.x.iter().filter(|b| **b != 0.0).count()
    );
    println!("peak_rss_mb = {:.0}", peak_rss_mb());
    Ok(())
}
