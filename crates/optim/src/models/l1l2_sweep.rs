//! [`L1L2Sweep`]: one cyclic coordinate-descent sweep of `1/(2n)‖y − Xβ‖² + Σ_j a_j|β_j| + b/2 ‖β‖²`
//! as a single primitive with a hand-written adjoint ([`CustomVjp`]).
//!
//! On `f64` and dual numbers the sweep runs as written (the generic [`sweep_l1l2`]); on a tape it
//! is one node holding its inputs `(x, a, b)` and outputs `β⁺`, so reverse unrolling through K
//! sweeps records K nodes instead of O(K·np) scalar operations.
//!
//! ## The adjoint
//! The sweep starts from `β = x`, `r = y − Xx` and updates j = 1..p in order:
//! `z_j = L_j β_j + X_jᵀr/n`, `β_j⁺ = st(z_j, a_j)/(L_j + b)`, `r ← r − X_j(β_j⁺ − β_j)`
//! (`L_j = ‖X_j‖²/n`; a zero column gives `β_j⁺ = 0`). Each coordinate is visited once, so the
//! old value is `x_j` and the new one the output `y_j`; the selected branch of `st` is
//! `σ_j = sign(y_j)` (0 when `y_j = 0`, the inactive branch, `soft_threshold`'s kink rule). The
//! residual enters the adjoint only linearly, so nothing else is stored. Backwards, with
//! `β̄ = ȳ`, `r̄ = 0`, for j = p..1:
//!
//! - `Δ̄ = −X_jᵀr̄`, `β̄_j⁺ ← β̄_j + Δ̄`, `β̄_j ← −Δ̄`;
//! - if `σ_j ≠ 0`: `z̄ = β̄_j⁺/(L_j + b)`, `ā_j = −σ_j z̄`, `b̄ −= z̄ y_j`, `β̄_j += L_j z̄`,
//!   `r̄ += X_j z̄/n`;
//!
//! and finally `x̄ = β̄ − Xᵀr̄` (from `r = y − Xx`). Cost: p column dot products, one column
//! update per active coordinate, and one `Xᵀr̄`: about two sweeps.

use crate::design::real;
use crate::loss::LeastSquares;
use crate::solvers::sweep_l1l2;
use hypergrad_ad::{CustomVjp, Scalar};

/// The sweep as a [`CustomVjp`] rule: inputs `(x₁…x_p, a₁…a_p, b)`, outputs `β⁺` (p).
#[derive(Clone, Debug)]
pub(crate) struct L1L2Sweep {
    pub(crate) loss: LeastSquares,
    /// `L_j = ‖X_j‖²/n`.
    pub(crate) lipschitz: Vec<f64>,
}

impl L1L2Sweep {
    fn p(&self) -> usize {
        self.lipschitz.len()
    }

    /// The adjoint of the coordinate updates `visits` (visited forward in this order), walked
    /// backwards; each visit is `(j, s, o)`: coordinate j, its slot `s` in `β̄` and its slot `o`
    /// in `ā` and in the outputs `y`, `ȳ` (the layouts of [`L1L2Sweep`] and [`L1L2SweepOn`]).
    /// `β̄` enters holding the outputs' adjoints at their coordinates' slots and leaves holding
    /// `x̄` but for the final `−Xᵀr̄`; returns `r̄`, for the caller to apply on the columns its
    /// residual used, and `b̄`.
    fn backward<S: Scalar>(
        &self,
        visits: impl DoubleEndedIterator<Item = (usize, usize, usize)>,
        (b, y): (S, &[S]),
        beta_bar: &mut [S],
        a_bar: &mut [S],
    ) -> (Vec<S>, S) {
        let design = self.loss.design();
        let inv_n = real::<S>(1.0 / self.loss.n_samples() as f64);
        let mut bb = S::zero();
        let mut r_bar = vec![S::zero(); self.loss.n_samples()];
        for (j, s, o) in visits.rev() {
            let lj = self.lipschitz[j];
            if lj == 0.0 {
                // β_j⁺ = 0 and X_j = 0: nothing flows through coordinate j.
                beta_bar[s] = S::zero();
                continue;
            }
            let delta_bar = -design.col_dot(j, &r_bar);
            let new_bar = beta_bar[s] + delta_bar;
            beta_bar[s] = -delta_bar;
            let yj = y[o].to_f64_value();
            if yj != 0.0 {
                let z_bar = new_bar / (b + lj);
                a_bar[o] = if yj > 0.0 { -z_bar } else { z_bar };
                bb -= z_bar * y[o];
                beta_bar[s] += z_bar * lj;
                design.col_axpy(j, z_bar.scale(inv_n), &mut r_bar);
            }
        }
        (r_bar, bb)
    }
}

impl CustomVjp for L1L2Sweep {
    fn n_inputs(&self) -> usize {
        2 * self.p() + 1
    }

    fn n_outputs(&self) -> usize {
        self.p()
    }

    /// Skipping the column update of an unchanged coordinate is exact in every mode: `is_zero`
    /// holds only when every derivative part is zero too (a constant zero on a tape).
    fn eval<S: Scalar>(&self, input: &[S], out: &mut [S]) {
        let p = self.p();
        let (x, a, b) = (&input[..p], &input[p..2 * p], input[2 * p]);
        out.copy_from_slice(x);
        let mut r = vec![S::zero(); self.loss.n_samples()];
        self.loss.residual(out, &mut r);
        let design = self.loss.design();
        sweep_l1l2(
            design,
            &self.lipschitz,
            (|j| a[j], |_| b),
            None,
            true,
            out,
            &mut r,
        );
    }

    fn vjp<S: Scalar>(&self, input: &[S], y: &[S], ybar: &[S], xbar: &mut [S]) {
        let p = self.p();
        let (beta_bar, rest) = xbar.split_at_mut(p);
        let (a_bar, b_bar) = rest.split_at_mut(p);
        beta_bar.copy_from_slice(ybar);
        a_bar.iter_mut().for_each(|v| *v = S::zero());
        let visits = (0..p).map(|j| (j, j, j));
        let (r_bar, bb) = self.backward(visits, (input[2 * p], y), beta_bar, a_bar);
        b_bar[0] = bb;
        let mut xt_r = vec![S::zero(); p];
        self.loss.design().rmatvec(&r_bar, &mut xt_r);
        xbar[..p].iter_mut().zip(&xt_r).for_each(|(v, &g)| *v -= g);
    }
}

/// The sweep restricted to `columns` (visited in that order, each once), the other coordinates
/// left as they are: the map of
/// [`FixedPointMap::apply_on_support`](crate::FixedPointMap::apply_on_support), as a
/// [`CustomVjp`] rule on what it reads and writes only. Its residual is formed from the
/// `active` coordinates (the listed ones and those non-zero in the input state); its inputs
/// are `(x_active, a_columns, b)` (`|A| + |W| + 1`), its outputs the listed coordinates' new
/// values (`|W|`). The other coordinates do not enter the node (the caller passes them
/// through), so an epoch costs `O(n·|A|)` on a tape and in its adjoint, whatever p: the
/// adjoint above over the listed coordinates, then `x̄_A = β̄_A − X_Aᵀr̄`.
#[derive(Clone, Debug)]
pub(crate) struct L1L2SweepOn {
    sweep: std::sync::Arc<L1L2Sweep>,
    /// The coordinates updated, in order.
    columns: Vec<usize>,
    /// The columns forming the residual: `columns` and the non-zero coordinates of the input,
    /// increasing.
    pub(crate) active: Vec<usize>,
    /// For each listed coordinate, its position in `active`.
    slots: Vec<usize>,
}

impl L1L2SweepOn {
    /// The rule for `columns` at the input state `x` (which fixes the residual's columns).
    pub(crate) fn new<S: Scalar>(
        sweep: std::sync::Arc<L1L2Sweep>,
        columns: &[usize],
        x: &[S],
    ) -> Self {
        let mut slot = vec![usize::MAX; x.len()];
        columns.iter().for_each(|&j| slot[j] = 0);
        let active: Vec<usize> = (0..x.len())
            .filter(|&j| slot[j] == 0 || x[j].to_f64_value() != 0.0)
            .collect();
        active.iter().enumerate().for_each(|(i, &j)| slot[j] = i);
        Self {
            sweep,
            columns: columns.to_vec(),
            slots: columns.iter().map(|&j| slot[j]).collect(),
            active,
        }
    }

    /// The inputs `(x_active, a_columns, b)` from the state and the weights.
    pub(crate) fn inputs<S: Scalar>(&self, x: &[S], l1: impl Fn(usize) -> S, l2: S) -> Vec<S> {
        let mut input = Vec::with_capacity(self.n_inputs());
        input.extend(self.active.iter().map(|&j| x[j]));
        input.extend(self.columns.iter().map(|&j| l1(j)));
        input.push(l2);
        input
    }

    /// `out = x` with the listed coordinates set to the rule's outputs `new`.
    pub(crate) fn scatter<S: Scalar>(&self, x: &[S], new: &[S], out: &mut [S]) {
        out.copy_from_slice(x);
        self.columns.iter().zip(new).for_each(|(&j, &v)| out[j] = v);
    }
}

impl CustomVjp for L1L2SweepOn {
    fn n_inputs(&self) -> usize {
        self.active.len() + self.columns.len() + 1
    }

    fn n_outputs(&self) -> usize {
        self.columns.len()
    }

    /// Runs [`sweep_l1l2`] on a p-vector holding the active values (zero elsewhere, as those
    /// coordinates are), so the arithmetic is that of the full-layout sweep.
    fn eval<S: Scalar>(&self, input: &[S], out: &mut [S]) {
        let (na, nw) = (self.active.len(), self.columns.len());
        let (x, a, b) = (&input[..na], &input[na..na + nw], input[na + nw]);
        let loss = &self.sweep.loss;
        let design = loss.design();
        let mut beta = vec![S::zero(); self.sweep.p()];
        // r = y − Σ_{j ∈ active} X_j x_j, in column order (as `Design::matvec`).
        let mut r = vec![S::zero(); loss.n_samples()];
        for (&j, &v) in self.active.iter().zip(x) {
            beta[j] = v;
            if !v.is_zero() {
                design.col_axpy(j, v, &mut r);
            }
        }
        r.iter_mut().zip(loss.y()).for_each(|(r, &y)| *r = -*r + y);
        let mut weight = vec![S::zero(); self.sweep.p()];
        self.columns
            .iter()
            .zip(a)
            .for_each(|(&j, &w)| weight[j] = w);
        sweep_l1l2(
            design,
            &self.sweep.lipschitz,
            (|j| weight[j], |_| b),
            Some(&self.columns),
            false,
            &mut beta,
            &mut r,
        );
        out.iter_mut()
            .zip(&self.columns)
            .for_each(|(o, &j)| *o = beta[j]);
    }

    fn vjp<S: Scalar>(&self, input: &[S], y: &[S], ybar: &[S], xbar: &mut [S]) {
        let (na, nw) = (self.active.len(), self.columns.len());
        let (beta_bar, rest) = xbar.split_at_mut(na);
        let (a_bar, b_bar) = rest.split_at_mut(nw);
        beta_bar.iter_mut().for_each(|v| *v = S::zero());
        a_bar.iter_mut().for_each(|v| *v = S::zero());
        self.slots
            .iter()
            .zip(ybar)
            .for_each(|(&s, &g)| beta_bar[s] = g);
        let visits =
            (self.columns.iter().zip(&self.slots).enumerate()).map(|(o, (&j, &s))| (j, s, o));
        let (r_bar, bb) = self
            .sweep
            .backward(visits, (input[na + nw], y), beta_bar, a_bar);
        b_bar[0] = bb;
        let design = self.sweep.loss.design();
        for (v, &j) in beta_bar.iter_mut().zip(&self.active) {
            *v -= design.col_dot(j, &r_bar);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Design;
    use hypergrad_ad::reverse::{reverse_unrolled, Checkpoints, Recurrence};
    use hypergrad_ad::{Dual, Tape, Var};
    use ndarray::Array2;
    use std::sync::Arc;

    /// A seeded 12×8 design with a zero column (j = 5) and a target with 3 active features.
    fn problem(sparse: bool) -> L1L2Sweep {
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        let mut uniform = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let x = Array2::from_shape_fn((12, 8), |(i, j)| {
            let v = uniform();
            if j == 5 || (sparse && (i + j) % 3 == 0) {
                0.0
            } else {
                v
            }
        });
        let y: Vec<f64> = (0..12)
            .map(|i| x[[i, 0]] - 2.0 * x[[i, 3]] + 0.5 * x[[i, 6]] + 0.1 * uniform())
            .collect();
        let design = if sparse {
            Design::sparse(sprs::CsMat::csr_from_dense(x.view(), 0.0)).unwrap()
        } else {
            Design::dense(x).unwrap()
        };
        let loss = LeastSquares::new(design, ndarray::ArrayView1::from(&y)).unwrap();
        let mut lipschitz = vec![0.0; 8];
        loss.coordinate_lipschitz(&mut lipschitz);
        L1L2Sweep { loss, lipschitz }
    }

    /// θ = (log a₁…log a_p, log b): the weighted elastic net, every input a hyperparameter.
    fn inputs<S: Scalar>(x: &[S], theta: &[S]) -> Vec<S> {
        let p = x.len();
        let mut v = x.to_vec();
        v.extend(theta[..p].iter().map(|t| t.exp()));
        v.push(theta[p].exp());
        v
    }

    /// The sweep through the custom node (`custom`) or as written, scalar operation by scalar
    /// operation.
    struct Sweeps<'a> {
        rule: &'a Arc<L1L2Sweep>,
        custom: bool,
    }

    impl Recurrence<f64> for Sweeps<'_> {
        fn step<'t>(
            &self,
            _k: usize,
            _tape: &'t Tape<f64>,
            x: &[Var<'t, f64>],
            theta: &[Var<'t, f64>],
            out: &mut [Var<'t, f64>],
        ) {
            let input = inputs(x, theta);
            if self.custom {
                Scalar::custom_vjp(self.rule, &input, out);
            } else {
                self.rule.eval(&input, out);
            }
        }
    }

    /// C(β) = Σ_j c_j β_j with c_j = j − 3.5 (both signs).
    fn criterion<S: Scalar>(x: &[S]) -> S {
        x.iter()
            .enumerate()
            .map(|(j, &v)| v * (j as f64 - 3.5))
            .sum()
    }

    fn unrolled(rule: &Arc<L1L2Sweep>, custom: bool, x0: &[f64], theta: &[f64]) -> Vec<f64> {
        let mut tape = Tape::new();
        let sweeps = Sweeps { rule, custom };
        reverse_unrolled(
            &mut tape,
            &sweeps,
            x0,
            theta,
            6,
            Checkpoints::Full,
            |x, _| criterion(x),
        )
        .unwrap()
        .theta_bar
    }

    fn forward(rule: &L1L2Sweep, x0: &[f64], theta: &[f64], k: usize) -> f64 {
        let th: Vec<Dual<f64>> = theta
            .iter()
            .enumerate()
            .map(|(i, &t)| {
                if i == k {
                    Dual::variable(t)
                } else {
                    Dual::constant(t)
                }
            })
            .collect();
        let mut x: Vec<Dual<f64>> = x0.iter().map(|&v| Dual::constant(v)).collect();
        let mut out = x.clone();
        for _ in 0..6 {
            rule.eval(&inputs(&x, &th), &mut out);
            std::mem::swap(&mut x, &mut out);
        }
        criterion(&x).eps
    }

    #[test]
    fn reverse_through_the_node_equals_scalar_recording_and_forward_mode() {
        for sparse in [false, true] {
            let rule = Arc::new(problem(sparse));
            // Penalties around α_max/5 so that some coordinates are active and some not; a
            // nonzero start so the first sweep moves every coordinate.
            let theta: Vec<f64> = (0..9)
                .map(|j| {
                    if j < 8 {
                        (0.01 * (1.0 + 0.3 * j as f64)).ln()
                    } else {
                        0.2_f64.ln()
                    }
                })
                .collect();
            let x0: Vec<f64> = (0..8).map(|j| 0.1 * (j as f64 - 4.0)).collect();
            let node = unrolled(&rule, true, &x0, &theta);
            let scalar = unrolled(&rule, false, &x0, &theta);
            let mut active = 0;
            for k in 0..9 {
                let fwd = forward(&rule, &x0, &theta, k);
                active += usize::from(fwd != 0.0);
                // The same derivative of the same branches, summed in another order: 1e-12.
                let scale = fwd.abs().max(1e-3);
                assert!(
                    (node[k] - scalar[k]).abs() <= 1e-12 * scale,
                    "{sparse} {k}: {node:?} vs {scalar:?}"
                );
                assert!(
                    (node[k] - fwd).abs() <= 1e-12 * scale,
                    "{sparse} {k}: {} vs {fwd}",
                    node[k]
                );
            }
            // The test must see nonzero derivatives (active coordinates) and the zero column.
            assert!(active >= 3, "{sparse}: {active} nonzero derivatives");
            assert_eq!(node[5], 0.0);
        }
    }

    #[test]
    fn restricted_node_reverse_equals_scalar_recording() {
        for sparse in [false, true] {
            let rule = Arc::new(problem(sparse));
            let theta: Vec<f64> = (0..9)
                .map(|j| (0.01 * (1.0 + 0.3 * j as f64)).ln())
                .collect();
            // Coordinates off the listed ones: 0 (dropped from the residual) or not (kept).
            let columns = [6, 0, 3, 5];
            let x0 = [0.2, 0.0, -0.1, 0.3, 0.0, 0.0, 0.05, 0.0];
            let gradient = |custom: bool| {
                let tape = Tape::new();
                let x = tape.vars(&x0);
                let th = tape.vars(&theta);
                let on = Arc::new(L1L2SweepOn::new(rule.clone(), &columns, &x));
                assert_eq!(on.active, [0, 2, 3, 5, 6]);
                // The full layout (x, a, b), whose weights the node reads at the listed j.
                let full = inputs(&x, &th);
                let input = on.inputs(&x, |j| full[8 + j], full[16]);
                let mut new = vec![x[0]; columns.len()];
                if custom {
                    Scalar::custom_vjp(&on, &input, &mut new);
                    // 17 inputs, 9 exp nodes, then the 4 listed outputs only.
                    assert_eq!(tape.len(), 17 + 9 + 4);
                } else {
                    on.eval(&input, &mut new);
                }
                let mut out = x.clone();
                on.scatter(&x, &new, &mut out);
                let mut all = x.clone();
                all.extend_from_slice(&th);
                (
                    out.iter().map(|v| v.value()).collect::<Vec<_>>(),
                    tape.gradient(criterion(&out), &all).unwrap(),
                )
            };
            let (node_values, node) = gradient(true);
            let (scalar_values, scalar) = gradient(false);
            assert_eq!(node_values, scalar_values);
            for (k, (a, b)) in node.iter().zip(&scalar).enumerate() {
                assert!(
                    (a - b).abs() <= 1e-12 * b.abs().max(1e-3),
                    "{sparse} {k}: {a} vs {b}"
                );
            }
            assert!(node.iter().filter(|g| **g != 0.0).count() >= 4);
        }
    }

    #[test]
    fn reverse_through_the_node_is_one_node_per_sweep() {
        let rule = Arc::new(problem(false));
        let tape = Tape::new();
        let x = tape.vars(&[0.1; 8]);
        let theta = tape.vars(&[0.01_f64.ln(); 9]);
        let mut out = x.clone();
        Scalar::custom_vjp(&rule, &inputs(&x, &theta), &mut out);
        // 17 inputs, 9 exp nodes, then the sweep's 8 outputs.
        assert_eq!(tape.len(), 17 + 9 + 8);
    }
}
