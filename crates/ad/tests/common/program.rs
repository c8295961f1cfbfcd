//! Random straight-line programs for property tests, evaluated on any [`Scalar`].
//!
//! A [`Program`] of `n` inputs is a list of instructions `(op, i, j)`; each appends the register
//! `op(rᵢ, rⱼ)` (operands taken modulo the number of registers defined so far), and the output
//! is the last register. Every operation is smooth on all of ℝ² and maps its arguments into a
//! safe domain first (`ln(1 + a²)`, `√(1 + a²)`, `a / (1 + b²)`, …), and none grows faster than
//! linearly in its arguments, so with inputs in [−2, 2] (see [`inputs`]) values stay moderate
//! and derivatives well conditioned: every AD mode and finite differences must agree up to
//! their own error.

use hypergrad_ad::Scalar;
use proptest::prelude::*;

/// The number of distinct operations.
pub const OPS: u8 = 16;

/// One instruction: an operation code (`< OPS`) and two operand registers.
pub type Instr = (u8, usize, usize);

/// A random program of `n_inputs` inputs.
#[derive(Clone, Debug)]
pub struct Program {
    /// Number of inputs.
    pub n_inputs: usize,
    /// The instructions, run in order.
    pub code: Vec<Instr>,
}

impl Program {
    /// The program's output at `x` (`x.len()` must be `n_inputs`).
    pub fn eval<S: Scalar>(&self, x: &[S]) -> S {
        assert_eq!(x.len(), self.n_inputs, "one value per program input");
        let mut r: Vec<S> = x.to_vec();
        for &(op, i, j) in &self.code {
            let (a, b) = (r[i % r.len()], r[j % r.len()]);
            r.push(apply(op, a, b));
        }
        *r.last().expect("at least one input")
    }

    /// Two outputs, for Jacobian tests: the program and the program with its last instruction
    /// dropped.
    pub fn eval2<S: Scalar>(&self, x: &[S]) -> Vec<S> {
        let head = Program {
            n_inputs: self.n_inputs,
            code: self.code[..self.code.len().saturating_sub(1)].to_vec(),
        };
        vec![self.eval(x), head.eval(x)]
    }
}

/// `op(a, b)`: smooth everywhere, no faster than linear growth.
fn apply<S: Scalar>(op: u8, a: S, b: S) -> S {
    let one = S::one();
    let half = S::from_f64(0.5);
    match op % OPS {
        0 => (a + b) * half,
        1 => (a - b) * half,
        2 => a * b.sin(),
        3 => a / (one + b * b),
        4 => a.sin().exp(),
        5 => (one + a * a).ln(),
        6 => a.sin() * b.cos(),
        7 => a.cos(),
        8 => a.tanh() + b * half,
        9 => (one + a * a).sqrt(),
        10 => a.sin().powi(3),
        11 => a.atan() * b.tanh(),
        12 => a.hypot(b * half + S::from_f64(2.0)) * half,
        13 => (one + a * a).powf(b.sin() * half),
        14 => a.mul_add(b.tanh(), one),
        _ => a.sinh().atan() - b.cos(),
    }
}

/// Programs with `n_inputs` inputs and up to `max_len` instructions (at least one).
pub fn program(n_inputs: usize, max_len: usize) -> impl Strategy<Value = Program> {
    prop::collection::vec((0..OPS, any::<usize>(), any::<usize>()), 1..=max_len)
        .prop_map(move |code| Program { n_inputs, code })
}

/// A point with `n` coordinates in [−2, 2].
pub fn inputs(n: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-2.0..2.0_f64, n)
}
