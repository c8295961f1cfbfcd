//! Reverse unrolling through the Lasso's cyclic coordinate-descent sweeps, as a multiple of the
//! inner solve (the model's `solve`: working-set CD to a relative duality gap of 1e-8), on the
//! cases of `benches/lasso` (dense 200×1000 and sparse 5000×20000, α_max/10 and α_max/100):
//! d C(β_K(θ))/dθ for the held-out MSE, K = the cyclic sweeps that reach the same gap from 0.
//!
//! Rows (time / inner solve): K plain `f64` sweeps; `reverse_unrolled` over the model's map with
//! √K checkpoints and (when it fits in 512 MB) with a full tape; the whole
//! `Method::ReverseUnrolled` hypergradient (it also counts K by a plain CD solve and estimates
//! its error by an implicit solve); and forward unrolling for reference. The reverse gradient is
//! checked against forward unrolling (1e-9 relative).
//!
//! Run: `cargo bench --bench unroll_cd -- --warm-up-time 1 --measurement-time 3`.
//!
//! Measured (issue 15, best of 3, × the inner solve; the map before the sweep was one node
//! ("before") and after, run back to back on a loaded 2-core machine, so single ratios move by
//! ~2× between runs; every gradient agrees to 10 digits):
//!
//! | case | K | before: rev √K | after: rev √K | after: rev full | after: f64 K sweeps | bytes/sweep before → after |
//! | --- | --- | --- | --- | --- | --- | --- |
//! | dense α_max/10 | 15 | 2560× | 38× | 57× (9.8× in a quieter run) | 3.0× | 30.4 MB → 82 kB |
//! | dense α_max/100 | 53 | 6983× | 232× | 133× | 48× | 30.4 MB → 82 kB |
//! | sparse α_max/10 | 7 | 81× | 75× | 47× | 10× | 78.6 MB → 1.6 MB |
//! | sparse α_max/100 | 14 | 167× | 23× | 22× | 5.1× | 79.1 MB → 1.6 MB |
//!
//! Reverse unrolling costs 3–5× the K plain sweeps it differentiates (one recording sweep, about
//! two sweeps of adjoint); the rest of the distance to the inner solve is the K cyclic sweeps
//! themselves, 3–50× slower than the working-set solver.

use criterion::{black_box, Criterion};
use hypergrad::ad::reverse::{reverse_unrolled, Checkpoints, Recurrence, UnrolledVjp};
use hypergrad::ad::{Tape, Var};
use hypergrad::bilevel::{hypergradient, Criterion as Validation, HeldOutMse, Method, Options};
use hypergrad::optim::{FixedPointMap, Lasso, SolverParams};
use std::time::Instant;

mod common;
use common::{dense_problem, sparse_problem};

/// The model's sweep as a recurrence on the tape.
struct Sweeps<'a>(&'a Lasso);

impl Recurrence<f64> for Sweeps<'_> {
    fn step<'t>(
        &self,
        _k: usize,
        _tape: &'t Tape<f64>,
        x: &[Var<'t, f64>],
        theta: &[Var<'t, f64>],
        out: &mut [Var<'t, f64>],
    ) {
        self.0.apply(x, theta, out);
    }
}

/// One case: the model, the criterion, θ and the number of sweeps K.
struct Case {
    name: String,
    lasso: Lasso,
    criterion: HeldOutMse,
    theta: [f64; 1],
    steps: usize,
}

impl Case {
    fn reverse(&self, checkpoints: Checkpoints) -> UnrolledVjp<f64> {
        let mut tape = Tape::new();
        let x0 = vec![0.0; self.lasso.dim_x()];
        reverse_unrolled(
            &mut tape,
            &Sweeps(&self.lasso),
            &x0,
            &self.theta,
            self.steps,
            checkpoints,
            |x, th| self.criterion.value(x, th),
        )
        .expect("a valid checkpoint budget")
    }

    fn sweeps_f64(&self) -> Vec<f64> {
        let mut x = vec![0.0; self.lasso.dim_x()];
        let mut out = x.clone();
        for _ in 0..self.steps {
            self.lasso.apply(&x, &self.theta, &mut out);
            std::mem::swap(&mut x, &mut out);
        }
        x
    }

    /// Bytes of a tape holding one sweep.
    fn bytes_per_sweep(&self) -> usize {
        let tape = Tape::new();
        let x = tape.vars(&vec![0.0; self.lasso.dim_x()]);
        let th = tape.vars(&self.theta);
        let mut out = x.clone();
        self.lasso.apply(&x, &th, &mut out);
        tape.memory().bytes
    }
}

fn options() -> Options {
    Options {
        inner_tol: 1e-8,
        jacobian_tol: 1e-8,
        ..Options::default()
    }
}

fn params() -> SolverParams {
    SolverParams {
        max_iter: options().inner_max_iter,
        tol: options().inner_tol,
        record_history: false,
    }
}

fn cases() -> Vec<Case> {
    let problems = [
        (
            "dense_200x1000",
            dense_problem(200, 1000, 2024),
            dense_problem(100, 1000, 7),
        ),
        (
            "sparse_5000x20000",
            sparse_problem(5000, 20000, 25, 2025),
            sparse_problem(1000, 20000, 5, 8),
        ),
    ];
    let mut out = Vec::new();
    for (name, (design, y), (design_val, y_val)) in problems {
        let lasso = Lasso::new(design, y.view()).unwrap();
        for divisor in [10.0, 100.0] {
            let theta = [(lasso.alpha_max() / divisor).ln()];
            let start = vec![0.0; lasso.dim_x()];
            let sol = lasso.solve(&theta, None, &params()).unwrap();
            let steps = lasso
                .unrolled_steps(&start, &theta, &params(), &sol)
                .unwrap();
            out.push(Case {
                name: format!("{name}/alpha_max_over_{divisor}"),
                lasso: lasso.clone(),
                criterion: HeldOutMse::new(design_val.clone(), y_val.view()).unwrap(),
                theta,
                steps,
            });
        }
    }
    out
}

/// Best-of-3 seconds of `f`.
fn seconds<R>(mut f: impl FnMut() -> R) -> f64 {
    (0..3)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// A full tape is measured when K sweeps fit in this many bytes.
const FULL_TAPE_LIMIT: usize = 512 << 20;

fn bench(c: &mut Criterion, case: &Case, full: bool) {
    let mut g = c.benchmark_group(format!("unroll_cd/{}", case.name));
    g.sample_size(10);
    g.bench_function("inner_solve", |b| {
        b.iter(|| case.lasso.solve(&case.theta, None, &params()).unwrap())
    });
    g.bench_function("f64_sweeps", |b| b.iter(|| case.sweeps_f64()));
    g.bench_function("reverse_sqrt_checkpoints", |b| {
        b.iter(|| case.reverse(Checkpoints::Uniform))
    });
    if full {
        g.bench_function("reverse_full_tape", |b| {
            b.iter(|| case.reverse(Checkpoints::Full))
        });
    }
    g.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let cases = cases();
    let mut rows = Vec::new();
    for case in &cases {
        let per_sweep = case.bytes_per_sweep();
        let full = per_sweep * case.steps <= FULL_TAPE_LIMIT;
        bench(&mut c, case, full);
        let method = Method::ReverseUnrolled {
            truncate: None,
            checkpoints: Checkpoints::Uniform,
        };
        let run = |m: &Method| {
            hypergradient(&case.lasso, &case.criterion, &case.theta, m, &options()).unwrap()
        };
        let fwd = run(&Method::ForwardUnrolled).grad[0];
        let rev = case.reverse(Checkpoints::Uniform).theta_bar[0];
        // Forward and reverse unrolling differentiate the same K sweeps in another order.
        assert!(
            (rev - fwd).abs() <= 1e-9 * fwd.abs(),
            "{}: reverse {rev} vs forward {fwd}",
            case.name
        );
        let inner = seconds(|| case.lasso.solve(&case.theta, None, &params()).unwrap());
        let ratio = |t: f64| format!("{:.1}", t / inner);
        rows.push(format!(
            "{:<34} {:>5} {:>9.2} {:>8} {:>8} {:>8} {:>8} {:>8} {:>12}  dC/dθ = {rev:.10e}",
            case.name,
            case.steps,
            inner * 1e3,
            ratio(seconds(|| case.sweeps_f64())),
            ratio(seconds(|| case.reverse(Checkpoints::Uniform))),
            if full {
                ratio(seconds(|| case.reverse(Checkpoints::Full)))
            } else {
                "-".into()
            },
            ratio(seconds(|| run(&method))),
            ratio(seconds(|| run(&Method::ForwardUnrolled))),
            per_sweep,
        ));
    }
    c.final_summary();
    println!(
        "\n{:<34} {:>5} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>12}",
        "case", "K", "inner ms", "f64 K", "rev √K", "rev full", "method", "forward", "B/sweep"
    );
    rows.iter().for_each(|r| println!("{r}"));
}
