//! Reverse unrolling through the library's maps (`FixedPointMap::apply` on tape variables).
//!
//! **Lasso coordinate descent.** Reverse unrolling through the cyclic sweeps, as a multiple of the
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
//! **ISTA**, 200 steps of `ProximalGradientStep<LeastSquares, L1>` on a dense 50×100 problem,
//! d(held-out MSE)/dθ: reverse (full tape) and forward (`Dual`) as multiples of the `f64` steps,
//! with the tape's nodes and bytes. **Heavy ball**, 70 steps of `MomentumStep<LeastSquares>` on a
//! 200×20 problem (the shape of the user's solver in `benches/heavy_ball.rs`): nodes and bytes.
//!
//! Run: `cargo bench --bench unroll_maps -- --warm-up-time 1 --measurement-time 3`.
//!
//! Measured (issue 15, best of 3, × the inner solve; the same binary built on the branch before
//! the sweep node ("before") and after, run back to back on a loaded 2-core machine, so single
//! ratios move by ~2× between runs; every gradient agrees to 10 digits):
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
//! themselves, 3–50× slower than the working-set solver. ISTA (200 steps): 2.77 M nodes / 69 MB
//! → 131 k nodes / 2.6 MB, 578× → 23× the `f64` steps (256× → 7.4× in another run). Heavy
//! ball (70 steps): 1.15 M nodes / 28.8 MB → 52 k nodes / 0.98 MB (22× fewer), 1628× → 5.2×.
//!
//! Re-run after the reverse-over-forward fix (one quiet run, × the inner solve; f64 K / rev √K /
//! rev full / method / forward): dense α_max/10 2.8/12.9/9.3/19.2/13.1, dense α_max/100
//! 11.4/44.2/30.8/57.3/39.3, sparse α_max/10 1.5/8.6/6.3/14.1/8.0, sparse α_max/100
//! 4.3/20.8/21.8/28.9/15.4; ISTA 130 654 nodes / 2.58 MB, 4.9× (forward 2.0×); heavy ball
//! 51 841 nodes / 0.98 MB, 5.2×.

use criterion::{black_box, Criterion};
use hypergrad::ad::reverse::{reverse_unrolled, Checkpoints, Recurrence, UnrolledVjp};
use hypergrad::ad::Dual;
use hypergrad::ad::{Tape, Var};
use hypergrad::bilevel::{hypergradient, Criterion as Validation, HeldOutMse, Method, Options};
use hypergrad::optim::regularizer::L1;
use hypergrad::optim::solvers::{Momentum, MomentumKind, MomentumStep, ProximalGradientStep};
use hypergrad::optim::{FixedPointMap, Lasso, LeastSquares, SolverParams};
use std::time::Instant;

mod common;
use common::{dense_problem, sparse_problem};

/// A map's update as a recurrence on the tape.
struct Sweeps<'a, M>(&'a M);

impl<M: FixedPointMap> Recurrence<f64> for Sweeps<'_, M> {
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

/// `(nodes, bytes, seconds, θ̄)` of a full-tape reverse unrolling of `map` over `steps` steps
/// from 0, with the loss `C(x)` given on tape variables.
fn reverse_map<M: FixedPointMap>(
    map: &M,
    theta: &[f64],
    steps: usize,
    loss: impl for<'t> Fn(&[Var<'t, f64>]) -> Var<'t, f64>,
) -> (usize, usize, f64, Vec<f64>) {
    let x0 = vec![0.0; map.dim_x()];
    let run = || {
        let mut tape = Tape::new();
        reverse_unrolled(
            &mut tape,
            &Sweeps(map),
            &x0,
            theta,
            steps,
            Checkpoints::Full,
            |x, _| loss(x),
        )
        .unwrap()
    };
    let r = run();
    let t = seconds(run);
    (r.peak_tape.nodes, r.peak_tape.bytes, t, r.theta_bar)
}

/// `K` steps of `map` from 0 on scalars `S`.
fn iterate<S: hypergrad::ad::Scalar, M: FixedPointMap>(map: &M, theta: &[S], k: usize) -> Vec<S> {
    let mut x = vec![S::zero(); map.dim_x()];
    let mut out = x.clone();
    for _ in 0..k {
        map.apply(&x, theta, &mut out);
        std::mem::swap(&mut x, &mut out);
    }
    x
}

/// ISTA and heavy-ball rows.
fn library_maps() {
    let (design, y) = dense_problem(50, 100, 42);
    let (design_val, y_val) = dense_problem(50, 100, 43);
    let ls = LeastSquares::new(design, y.view()).unwrap();
    let criterion = HeldOutMse::new(design_val, y_val.view()).unwrap();
    let ista = ProximalGradientStep {
        objective: &ls,
        regularizer: &L1,
        step: 1.0 / ls.lipschitz(),
    };
    let theta = [(ls.alpha_max() / 10.0).ln()];
    let base = seconds(|| iterate(&ista, &theta, 200));
    let fwd_time = seconds(|| {
        let x = iterate(&ista, &[Dual::variable(theta[0])], 200);
        criterion.value(&x, &[]).eps
    });
    let x = iterate(&ista, &[Dual::variable(theta[0])], 200);
    let fwd = criterion.value(&x, &[]).eps;
    let (nodes, bytes, t, bar) = reverse_map(&ista, &theta, 200, |x| criterion.value(x, &[]));
    assert!(
        (bar[0] - fwd).abs() <= 1e-9 * fwd.abs(),
        "{} vs {fwd}",
        bar[0]
    );
    println!(
        "\nISTA 200 steps 50×100: f64 {:.3} ms; reverse full tape {:.1}× ({nodes} nodes, {bytes} B); forward Dual {:.1}×; dC/dθ = {fwd:.10e}",
        base * 1e3,
        t / base,
        fwd_time / base
    );
    let (design, y) = dense_problem(200, 20, 44);
    let ls = LeastSquares::new(design, y.view()).unwrap();
    let heavy_ball = MomentumStep {
        objective: &ls,
        method: Momentum {
            kind: MomentumKind::HeavyBall,
            step: 1.0 / ls.lipschitz(),
            momentum: 0.5,
        },
    };
    let base = seconds(|| iterate::<f64, _>(&heavy_ball, &[], 70));
    let (nodes, bytes, t, _) = reverse_map(&heavy_ball, &[], 70, |x| {
        hypergrad::ad::Scalar::norm_sq(&x[..20])
    });
    println!(
        "heavy ball 70 steps 200×20: f64 {:.3} ms; reverse full tape {:.1}× ({nodes} nodes, {bytes} B)",
        base * 1e3,
        t / base
    );
}

fn main() {
    library_maps();
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
