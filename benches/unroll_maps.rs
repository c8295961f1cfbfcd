//! Reverse unrolling through the library's maps (`FixedPointMap::apply` and `apply_on_support`
//! on tape variables).
//!
//! **Lasso coordinate descent.** d C(β(θ))/dθ for the held-out MSE by reverse unrolling, as a
//! multiple of the inner solve (the model's `solve`: working-set CD with Anderson extrapolation
//! to a relative duality gap of 1e-8), on the cases of `benches/lasso` (dense 200×1000 and
//! sparse 5000×20000, α_max/10 and α_max/100). Two programs are unrolled from 0:
//! - the K plain cyclic sweeps that reach the same gap (`apply`; K counted by a plain CD solve);
//! - the E epochs of the working-set solver without extrapolation (the model's
//!   `solve_with_schedule`, one working-set solve: "sched"), epoch k being the sweep restricted
//!   to its working set W_k (`apply_on_support`): the solver's own computation, and what
//!   `Method::ReverseUnrolled` and `Method::ForwardUnrolled` differentiate for the Lasso family.
//!
//! Columns (time / inner solve): K, E, the mean |W|; `f64` K sweeps; reverse over the sweeps
//! with √K checkpoints and (when it fits in 512 MB) a full tape; sched; `f64` E epochs; reverse
//! over the epochs with √E checkpoints and a full tape; the whole `Method::ReverseUnrolled`
//! hypergradient with `Checkpoints::Uniform` ("method") and `Checkpoints::Fit(64 MB)` ("m. fit")
//! — inner solve (the schedule's own, without extrapolation), reverse sweep, error estimate
//! against the direct derivative at the last iterate — and `Method::ForwardUnrolled`. Every
//! reverse gradient is checked against forward mode over the same steps (1e-9 relative).

//! **ISTA**, 200 steps of `ProximalGradientStep<LeastSquares, L1>` on a dense 50×100 problem,
//! d(held-out MSE)/dθ: reverse (full tape) and forward (`Dual`) as multiples of the `f64` steps,
//! with the tape's nodes and bytes. **Heavy ball**, 70 steps of `MomentumStep<LeastSquares>` on a
//! 200×20 problem (the shape of the user's solver in `benches/heavy_ball.rs`): nodes and bytes.
//!
//! Run: `cargo bench --bench unroll_maps -- --warm-up-time 1 --measurement-time 3` (3 min).
//!
//! Measured (issue 15, whole method; one run of main then one of this version, back to back,
//! on a 2-core machine shared with another build, best of 3, × the inner solve). Before (main):
//!
//! | case | K | E | mean W | inner ms | f64 K | rev √K | rev full | sched | f64 E | rev √E | rev E | method | forward |
//! | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
//! | dense α_max/10 | 15 | 29 | 22 | 0.25 | 2.9 | 13.2 | 9.7 | 1.0 | 0.5 | 2.1 | 1.1 | 5.7 | 4.2 |
//! | dense α_max/100 | 53 | 38 | 28 | 0.33 | 11.4 | 76.4 | 69.7 | 1.2 | 0.7 | 3.5 | 1.9 | 8.0 | 5.9 |
//! | sparse α_max/10 | 7 | 14 | 20 | 2.40 | 1.5 | 9.6 | 7.0 | 0.9 | 0.2 | 1.4 | 0.4 | 4.6 | 3.5 |
//! | sparse α_max/100 | 14 | 16 | 22 | 2.49 | 4.6 | 23.7 | 35.8 | 1.5 | 0.3 | 1.5 | 0.5 | 8.9 | 4.7 |
//!
//! After (dC/dθ unchanged; the methods' gradients equal main's bit for bit, compared to 17
//! digits by a separate timing program):
//!
//! | case | inner ms | f64 K | rev √K | rev full | sched | f64 E | rev √E | rev E | method | m. fit | forward |
//! | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
//! | dense α_max/10 | 0.30 | 3.0 | 13.7 | 10.3 | 1.0 | 0.5 | 2.4 | 1.2 | 3.7 | 2.5 | 2.3 |
//! | dense α_max/100 | 0.41 | 11.9 | 46.5 | 37.3 | 0.8 | 0.4 | 2.0 | 1.0 | 3.1 | 2.1 | 2.0 |
//! | sparse α_max/10 | 3.57* | 1.6 | 8.6 | 7.6 | 1.0 | 0.2 | 1.5 | 0.5 | 3.1 | 2.2 | 1.3 |
//! | sparse α_max/100 | 2.34 | 4.1 | 20.7 | 22.3 | 1.1 | 0.2 | 1.5 | 0.5 | 3.0 | 2.1 | 1.8 |
//!
//! (*) a slow inner-solve timing (2.3–2.5 ms elsewhere), which flatters that row. A second
//! pair of runs: before, method 5.6/5.6/4.8/6.1 and forward 4.0/4.0/2.8/3.6; after, method
//! 3.7/3.6/3.3/5.0, m. fit 2.4/2.5/2.6/2.3, forward 2.6/2.4/1.8/1.9. Where the whole method's
//! time went before (`perf` and timers inside the method, sparse α_max/10, × the inner solve):
//! the inner solve 1, the schedule's second solve without Anderson 1, reverse with √E
//! checkpoints 1.4, the reference of the error estimate (warm Neumann iterations from 0 to a
//! 1e-12 residual, its corrected point by GMRES) 0.6, the margin at the last iterate and the
//! identification check 0.3. Now: one solve (the schedule's, `solve_with_schedule`); the full
//! tape when it fits (`Checkpoints::Fit`: the epochs' tapes are 75 kB–0.66 MB, one recording
//! per step instead of two); the reference by the model's factorization on the support
//! (`solution_vjp`, as `Method::Auto`), microseconds. Left: the margin's pass over the data at
//! the last iterate (0.3 on the sparse cases), the reverse sweep itself.
//!
//! Earlier (issue 15 item 1, before this work; the epochs' columns as above): rev √E
//! 2.2/2.4/1.4/1.4, rev E 1.1/1.2/0.4/0.7, method 5.7/5.7/4.6/4.4, forward 4.1/4.2/3.6/3.7.
//!
//! Reverse unrolling of the solver's epochs with √E checkpoints is 1.4–2.4× the inner solve
//! (2.4–3.4× with the schedule's solve), against 8–43× for the plain sweeps, which alone cost
//! 1.5–11× the solve. Two things make it: the epochs touch |W| ≈ 20–30 columns, not p; and
//! each epoch is one tape node on the coordinates it reads and writes (its inputs the active
//! values, the listed weights and b; its outputs the listed coordinates), so an epoch costs
//! O(n·|W|) on the tape whatever p. With the earlier node on the full layout (inputs x, a, b,
//! outputs the p coordinates) the same run gave rev √E 3.1/4.2/3.5/3.5 and rev E
//! 2.7/2.6/3.4/5.4: on the sparse cases the O(p) copies per epoch dominated (`perf`: 22 % in
//! the tape's custom-node recording, 10 % in its reverse sweep, 9 % memmove, 7 % collecting
//! the p inputs; the sweep's column products 10 %).
//!
//! Earlier (the sweep node, issue 15): bytes per plain sweep 30.4 MB → 82 kB (dense), 78.6 MB →
//! 1.6 MB (sparse); ISTA (200 steps) 2.77 M nodes / 69 MB → 131 k nodes / 2.6 MB, 578× → ~5×
//! the `f64` steps; heavy ball (70 steps) 1.15 M nodes / 28.8 MB → 52 k nodes / 0.98 MB,
//! 1628× → ~5×. This run: ISTA 4.7× (forward 2.0×), heavy ball 4.6×.

use criterion::{black_box, Criterion};
use hypergrad::ad::reverse::{reverse_unrolled, Checkpoints, Recurrence, UnrolledVjp};
use hypergrad::ad::Dual;
use hypergrad::ad::{Tape, Var};
use hypergrad::bilevel::{hypergradient, Criterion as Validation, HeldOutMse, Method, Options};
use hypergrad::optim::regularizer::L1;
use hypergrad::optim::solvers::{Momentum, MomentumKind, MomentumStep, ProximalGradientStep};
use hypergrad::optim::{FixedPointMap, Lasso, LeastSquares, Schedule, SolverParams};
use std::time::Instant;

mod common;
use common::{dense_problem, sparse_problem};

/// A map as a recurrence on the tape: its plain update, or (with a schedule) its epoch `k` on
/// the schedule's k-th working set.
struct Steps<'a, M>(&'a M, Option<&'a Schedule>);

impl<M: FixedPointMap> Recurrence<f64> for Steps<'_, M> {
    fn step<'t>(
        &self,
        k: usize,
        _tape: &'t Tape<f64>,
        x: &[Var<'t, f64>],
        theta: &[Var<'t, f64>],
        out: &mut [Var<'t, f64>],
    ) {
        match self.1 {
            Some(schedule) => self.0.apply_on_support(x, theta, schedule.columns(k), out),
            None => self.0.apply(x, theta, out),
        }
    }
}

/// One case: the model, the criterion, θ, the number of sweeps K and the schedule of epochs.
struct Case {
    name: String,
    lasso: Lasso,
    criterion: HeldOutMse,
    theta: [f64; 1],
    steps: usize,
    schedule: Schedule,
}

impl Case {
    fn unroll<R: Recurrence<f64>>(
        &self,
        map: &R,
        steps: usize,
        checkpoints: Checkpoints,
    ) -> UnrolledVjp<f64> {
        let mut tape = Tape::new();
        let x0 = vec![0.0; self.lasso.dim_x()];
        reverse_unrolled(
            &mut tape,
            map,
            &x0,
            &self.theta,
            steps,
            checkpoints,
            |x, th| self.criterion.value(x, th),
        )
        .expect("a valid checkpoint budget")
    }

    /// Reverse unrolling of the K plain sweeps.
    fn reverse(&self, checkpoints: Checkpoints) -> UnrolledVjp<f64> {
        self.unroll(&Steps(&self.lasso, None), self.steps, checkpoints)
    }

    /// Reverse unrolling of the schedule's epochs.
    fn reverse_schedule(&self, checkpoints: Checkpoints) -> UnrolledVjp<f64> {
        let epochs = Steps(&self.lasso, Some(&self.schedule));
        self.unroll(&epochs, self.schedule.len(), checkpoints)
    }

    /// The schedule, as the unrolled methods obtain it (one working-set solve without
    /// extrapolation).
    fn record_schedule(&self) -> Schedule {
        let start = vec![0.0; self.lasso.dim_x()];
        self.lasso
            .solve_with_schedule(&self.theta, Some(&start), &params())
            .unwrap()
            .1
            .expect("the Lasso has a schedule")
    }

    /// `x_K` of K plain sweeps (`schedule: false`) or of the schedule's epochs, on scalars `S`.
    fn iterate<S: hypergrad::ad::Scalar>(&self, theta: S, schedule: bool) -> Vec<S> {
        if !schedule {
            return iterate(&self.lasso, &[theta], self.steps);
        }
        let mut x = vec![S::zero(); self.lasso.dim_x()];
        let mut out = x.clone();
        for k in 0..self.schedule.len() {
            let columns = self.schedule.columns(k);
            self.lasso.apply_on_support(&x, &[theta], columns, &mut out);
            std::mem::swap(&mut x, &mut out);
        }
        x
    }

    /// dC/dθ by forward mode (`Dual`) through the same steps: the reference of the reverse runs.
    fn forward(&self, schedule: bool) -> f64 {
        let x = self.iterate(Dual::variable(self.theta[0]), schedule);
        self.criterion.value(&x, &[]).eps
    }

    /// Bytes of a tape holding one sweep (`None`) or one epoch on `columns`.
    fn bytes_per_step(&self, columns: Option<&[usize]>) -> usize {
        let tape = Tape::new();
        let x = tape.vars(&vec![0.0; self.lasso.dim_x()]);
        let th = tape.vars(&self.theta);
        let mut out = x.clone();
        match columns {
            None => self.lasso.apply(&x, &th, &mut out),
            Some(columns) => self.lasso.apply_on_support(&x, &th, columns, &mut out),
        }
        tape.memory().bytes
    }

    /// The mean working-set size over the epochs.
    fn mean_working_set(&self) -> f64 {
        let total: usize = (0..self.schedule.len())
            .map(|k| self.schedule.columns(k).len())
            .sum();
        total as f64 / self.schedule.len().max(1) as f64
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
            let mut case = Case {
                name: format!("{name}/alpha_max_over_{divisor}"),
                lasso: lasso.clone(),
                criterion: HeldOutMse::new(design_val.clone(), y_val.view()).unwrap(),
                theta,
                steps,
                schedule: Schedule::default(),
            };
            case.schedule = case.record_schedule();
            out.push(case);
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

/// A full tape is measured when the steps fit in this many bytes.
const FULL_TAPE_LIMIT: usize = 512 << 20;

/// The tape budget of `Checkpoints::Fit` in the "m. fit" column (the epochs' full tapes here:
/// 75–100 kB dense, 0.66 MB sparse).
const METHOD_TAPE_LIMIT: usize = 64 << 20;

fn bench(c: &mut Criterion, case: &Case, full: bool, full_schedule: bool) {
    let mut g = c.benchmark_group(format!("unroll_cd/{}", case.name));
    g.sample_size(10);
    g.bench_function("inner_solve", |b| {
        b.iter(|| case.lasso.solve(&case.theta, None, &params()).unwrap())
    });
    g.bench_function("f64_sweeps", |b| {
        b.iter(|| case.iterate(case.theta[0], false))
    });
    g.bench_function("reverse_sqrt_checkpoints", |b| {
        b.iter(|| case.reverse(Checkpoints::Uniform))
    });
    if full {
        g.bench_function("reverse_full_tape", |b| {
            b.iter(|| case.reverse(Checkpoints::Full))
        });
    }
    g.bench_function("schedule", |b| b.iter(|| case.record_schedule()));
    g.bench_function("f64_epochs", |b| {
        b.iter(|| case.iterate(case.theta[0], true))
    });
    g.bench_function("reverse_schedule_sqrt_checkpoints", |b| {
        b.iter(|| case.reverse_schedule(Checkpoints::Uniform))
    });
    if full_schedule {
        g.bench_function("reverse_schedule_full_tape", |b| {
            b.iter(|| case.reverse_schedule(Checkpoints::Full))
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
            &Steps(map, None),
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
        let per_sweep = case.bytes_per_step(None);
        let largest = (0..case.schedule.len())
            .map(|k| case.schedule.columns(k))
            .max_by_key(|w| w.len())
            .unwrap_or(&[]);
        let per_epoch = case.bytes_per_step(Some(largest));
        let full = per_sweep * case.steps <= FULL_TAPE_LIMIT;
        let full_schedule = per_epoch * case.schedule.len() <= FULL_TAPE_LIMIT;
        bench(&mut c, case, full, full_schedule);
        let run = |m: &Method| {
            hypergradient(&case.lasso, &case.criterion, &case.theta, m, &options()).unwrap()
        };
        let method = Method::ReverseUnrolled {
            truncate: None,
            checkpoints: Checkpoints::Uniform,
        };
        let fit = Method::ReverseUnrolled {
            truncate: None,
            checkpoints: Checkpoints::Fit(METHOD_TAPE_LIMIT),
        };
        // Forward and reverse unrolling differentiate the same steps in another order.
        for (rev, fwd, what) in [
            (
                case.reverse(Checkpoints::Uniform).theta_bar[0],
                case.forward(false),
                "sweeps",
            ),
            (
                case.reverse_schedule(Checkpoints::Uniform).theta_bar[0],
                case.forward(true),
                "epochs",
            ),
            (
                run(&method).grad[0],
                run(&Method::ForwardUnrolled).grad[0],
                "methods",
            ),
            (
                run(&fit).grad[0],
                run(&Method::ForwardUnrolled).grad[0],
                "methods (fit)",
            ),
        ] {
            assert!(
                (rev - fwd).abs() <= 1e-9 * fwd.abs(),
                "{} {what}: reverse {rev} vs forward {fwd}",
                case.name
            );
        }
        let rev = case.reverse_schedule(Checkpoints::Uniform).theta_bar[0];
        let inner = seconds(|| case.lasso.solve(&case.theta, None, &params()).unwrap());
        let ratio = |t: f64| format!("{:.1}", t / inner);
        let optional = |measure: bool, f: &dyn Fn() -> f64| {
            if measure {
                ratio(f())
            } else {
                "-".into()
            }
        };
        rows.push(format!(
            "{:<34} {:>5} {:>5} {:>6.0} {:>9.2} {:>7} {:>7} {:>8} {:>7} {:>7} {:>7} {:>8} {:>7} {:>7} {:>7}  dC/dθ = {rev:.10e}",
            case.name,
            case.steps,
            case.schedule.len(),
            case.mean_working_set(),
            inner * 1e3,
            ratio(seconds(|| case.iterate(case.theta[0], false))),
            ratio(seconds(|| case.reverse(Checkpoints::Uniform))),
            optional(full, &|| seconds(|| case.reverse(Checkpoints::Full))),
            ratio(seconds(|| case.record_schedule())),
            ratio(seconds(|| case.iterate(case.theta[0], true))),
            ratio(seconds(|| case.reverse_schedule(Checkpoints::Uniform))),
            optional(full_schedule, &|| {
                seconds(|| case.reverse_schedule(Checkpoints::Full))
            }),
            ratio(seconds(|| run(&method))),
            ratio(seconds(|| run(&fit))),
            ratio(seconds(|| run(&Method::ForwardUnrolled))),
        ));
    }
    c.final_summary();
    println!(
        "\n{:<34} {:>5} {:>5} {:>6} {:>9} {:>7} {:>7} {:>8} {:>7} {:>7} {:>7} {:>8} {:>7} {:>7} {:>7}",
        "case",
        "K",
        "E",
        "|W|",
        "inner ms",
        "f64 K",
        "rev √K",
        "rev full",
        "sched",
        "f64 E",
        "rev √E",
        "rev E",
        "method",
        "m. fit",
        "forward"
    );
    rows.iter().for_each(|r| println!("{r}"));
}
