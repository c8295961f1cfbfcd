//! [`Oracle`]: unbiased minibatch estimates of the derivatives of a [`FiniteSum`], by AD of its
//! one per-sample loss (no derivative written by hand).
//!
//! - [`Oracle::first_order`]: `f_B`, `∇_z f_B`, `∇_θ f_B` by one reverse sweep of the batch's
//!   program recorded on a tape;
//! - [`Oracle::second_order`]: `∇_z f_B`, `∇²_zz f_B·v` and the cross product `∇²_θz f_B·v`
//!   by one reverse sweep of the program recorded on a tape of dual numbers at `(z + εv, θ)`
//!   (forward over reverse): the adjoint of `z` is `∇_z f(z + εv) = ∇_z f + ε ∇²_zz f·v`, that
//!   of θ is `∇_θ f(z + εv) = ∇_θ f + ε ∇²_θz f·v`, to first order in ε.
//!
//! The tapes are kept between calls (cleared, their memory reused). Only the entries of θ that
//! the batch reads ([`FiniteSum::sample_theta`], [`FiniteSum::penalty_theta`]) are recorded;
//! the derivatives in the others are exactly 0.

use super::finite_sum::{batch_mean, dim_z, FiniteSum};
use crate::BilevelError;
use hypergrad_ad::{Dual, Scalar, Tape, Var};

/// What [`Oracle::first_order`] returns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FirstOrder {
    /// `f_B(z, θ)`.
    pub value: f64,
    /// `∇_z f_B(z, θ)`.
    pub grad_z: Vec<f64>,
    /// `∇_θ f_B(z, θ)`.
    pub grad_theta: Vec<f64>,
}

/// What [`Oracle::second_order`] returns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SecondOrder {
    /// `∇_z f_B(z, θ)`.
    pub grad_z: Vec<f64>,
    /// `∇²_zz f_B(z, θ)·v`.
    pub hvp: Vec<f64>,
    /// `∇²_θz f_B(z, θ)·v`, the derivative in θ of `⟨∇_z f_B, v⟩`.
    pub cross: Vec<f64>,
}

/// Minibatch oracles of one finite sum, counting the samples they evaluate.
pub struct Oracle<'a, F: ?Sized> {
    problem: &'a F,
    tape: Tape<f64>,
    dual_tape: Tape<Dual<f64>>,
    samples: usize,
    /// The entries of θ the current batch reads.
    read: Vec<usize>,
}

impl<'a, F: FiniteSum + ?Sized> Oracle<'a, F> {
    /// Oracles of `problem`, with empty tapes.
    pub fn new(problem: &'a F) -> Self {
        Self {
            problem,
            tape: Tape::new(),
            dual_tape: Tape::new(),
            samples: 0,
            read: Vec::new(),
        }
    }

    /// The finite sum.
    pub fn problem(&self) -> &'a F {
        self.problem
    }

    /// Samples evaluated so far (one per sample per call, whatever the order of derivative).
    pub fn samples(&self) -> usize {
        self.samples
    }

    /// `f_B`, `∇_z f_B` and `∇_θ f_B` at `(z, θ)` for the samples `batch`, into `out`.
    ///
    /// Errors: an empty batch, an index out of range, or `z` / θ of the wrong length.
    pub fn first_order(
        &mut self,
        batch: &[usize],
        z: &[f64],
        theta: &[f64],
        out: &mut FirstOrder,
    ) -> Result<(), BilevelError> {
        self.check(batch, z, theta, None)?;
        self.samples += batch.len();
        read_theta(self.problem, batch, &mut self.read);
        self.tape.clear();
        let tape = &self.tape;
        let zs = tape.vars(z);
        let ts = theta_inputs(tape, theta, &self.read);
        let y = batch_mean(self.problem, batch, &zs, &ts);
        tape.reverse(&[(y, 1.0)]).expect(SAME_TAPE);
        out.value = y.primal();
        out.grad_z.resize(z.len(), 0.0);
        tape.adjoints_into(&zs, &mut out.grad_z).expect(SAME_TAPE);
        out.grad_theta.clear();
        out.grad_theta.resize(theta.len(), 0.0);
        for &k in &self.read {
            out.grad_theta[k] = tape.adjoint(ts[k]);
        }
        Ok(())
    }

    /// `∇_z f_B`, `∇²_zz f_B·v` and `∇²_θz f_B·v` at `(z, θ)` for the samples `batch`, into
    /// `out`, by one forward-over-reverse sweep.
    ///
    /// Errors: an empty batch, an index out of range, or `z`, `v` / θ of the wrong length.
    pub fn second_order(
        &mut self,
        batch: &[usize],
        z: &[f64],
        theta: &[f64],
        v: &[f64],
        out: &mut SecondOrder,
    ) -> Result<(), BilevelError> {
        self.check(batch, z, theta, Some(v))?;
        self.samples += batch.len();
        read_theta(self.problem, batch, &mut self.read);
        self.dual_tape.clear();
        let tape = &self.dual_tape;
        let point: Vec<Dual<f64>> = z.iter().zip(v).map(|(&a, &b)| Dual::new(a, b)).collect();
        let constants: Vec<Dual<f64>> = theta.iter().map(|&t| Dual::constant(t)).collect();
        let zs = tape.vars(&point);
        let ts = theta_inputs(tape, &constants, &self.read);
        let y = batch_mean(self.problem, batch, &zs, &ts);
        tape.reverse(&[(y, Dual::constant(1.0))]).expect(SAME_TAPE);
        let mut adjoints = vec![Dual::constant(0.0); z.len()];
        tape.adjoints_into(&zs, &mut adjoints).expect(SAME_TAPE);
        out.grad_z.clear();
        out.grad_z.extend(adjoints.iter().map(|d| d.re));
        out.hvp.clear();
        out.hvp.extend(adjoints.iter().map(|d| d.eps));
        out.cross.clear();
        out.cross.resize(theta.len(), 0.0);
        for &k in &self.read {
            out.cross[k] = tape.adjoint(ts[k]).eps;
        }
        Ok(())
    }

    fn check(
        &self,
        batch: &[usize],
        z: &[f64],
        theta: &[f64],
        v: Option<&[f64]>,
    ) -> Result<(), BilevelError> {
        let n = self.problem.n_samples();
        if batch.is_empty() {
            return Err(BilevelError::InvalidParameter {
                name: "batch",
                value: 0.0,
                reason: "a minibatch needs at least one sample",
            });
        }
        if let Some(&i) = batch.iter().find(|&&i| i >= n) {
            return Err(BilevelError::InvalidParameter {
                name: "batch",
                value: i as f64,
                reason: "a sample index is not below the number of samples",
            });
        }
        let p = dim_z(self.problem);
        for (what, expected, got) in [
            ("z", p, z.len()),
            ("theta", self.problem.dim_theta(), theta.len()),
            ("v", p, v.map_or(p, <[f64]>::len)),
        ] {
            if expected != got {
                return Err(BilevelError::ShapeMismatch {
                    what,
                    expected,
                    got,
                });
            }
        }
        Ok(())
    }
}

/// The entries of θ that the samples `batch` and the penalty read, sorted, into `read`.
fn read_theta<F: FiniteSum + ?Sized>(problem: &F, batch: &[usize], read: &mut Vec<usize>) {
    read.clear();
    read.extend(problem.penalty_theta());
    for &i in batch {
        read.extend(problem.sample_theta(i));
    }
    read.sort_unstable();
    read.dedup();
}

/// θ as tape inputs at the entries `read`, constants (no node) elsewhere.
fn theta_inputs<'t, T: Scalar>(tape: &'t Tape<T>, theta: &[T], read: &[usize]) -> Vec<Var<'t, T>> {
    let mut inputs: Vec<Var<'t, T>> = theta.iter().map(|&t| Var::constant(t)).collect();
    for &k in read {
        inputs[k] = tape.var(theta[k]);
    }
    inputs
}

const SAME_TAPE: &str = "the variables were recorded on this tape with matching lengths";
