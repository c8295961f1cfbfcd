//! Linear operators of total-variation problems on 1-D signals and 2-D images stored row-major:
//! forward differences `D` with its adjoint, and a zero-padded "same" convolution `K` with its
//! adjoint. A 1-D signal is an image of height 1.

use crate::OptimError;
use hypergrad_ad::Scalar;

/// The shape of a row-major image (`height = 1` for a 1-D signal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grid {
    /// Rows.
    pub height: usize,
    /// Columns.
    pub width: usize,
}

impl Grid {
    /// A 1-D signal of length `n`.
    pub fn signal(n: usize) -> Self {
        Self {
            height: 1,
            width: n,
        }
    }

    /// Number of pixels.
    pub fn len(&self) -> usize {
        self.height * self.width
    }

    /// Whether the grid has no pixel.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forward differences `(Dx)` into `out` (length `2·len`): horizontal
    /// `out[k] = x[i, j+1] − x[i, j]` and vertical `out[len + k] = x[i+1, j] − x[i, j]`
    /// (`k = i·width + j`), zero on the last column / row (Neumann boundary).
    pub fn gradient<S: Scalar>(&self, x: &[S], out: &mut [S]) {
        let (h, w, n) = (self.height, self.width, self.len());
        for i in 0..h {
            for j in 0..w {
                let k = i * w + j;
                out[k] = if j + 1 < w {
                    x[k + 1] - x[k]
                } else {
                    S::zero()
                };
                out[n + k] = if i + 1 < h {
                    x[k + w] - x[k]
                } else {
                    S::zero()
                };
            }
        }
    }

    /// The adjoint `Dᵀp` into `out` (length `len`), i.e. minus the discrete divergence.
    pub fn gradient_adjoint<S: Scalar>(&self, p: &[S], out: &mut [S]) {
        let (h, w, n) = (self.height, self.width, self.len());
        out.iter_mut().for_each(|o| *o = S::zero());
        for i in 0..h {
            for j in 0..w {
                let k = i * w + j;
                if j + 1 < w {
                    out[k + 1] += p[k];
                    out[k] -= p[k];
                }
                if i + 1 < h {
                    out[k + w] += p[n + k];
                    out[k] -= p[n + k];
                }
            }
        }
    }

    /// An upper bound on `‖D‖²`: 4 per dimension with more than one pixel.
    pub fn gradient_norm_sq_bound(&self) -> f64 {
        4.0 * ((self.height > 1) as u8 + (self.width > 1) as u8) as f64
    }
}

/// A convolution kernel of odd height and width, centred, applied with zero padding and output
/// of the input's size: `(Kx)[i, j] = Σ_{a,b} k[a, b]·x[i + a − cₕ, j + b − c_w]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Kernel {
    weights: Vec<f64>,
    height: usize,
    width: usize,
}

impl Kernel {
    /// A kernel from row-major weights; both sizes must be odd and the weights finite.
    pub fn new(weights: Vec<f64>, height: usize, width: usize) -> Result<Self, OptimError> {
        if weights.len() != height * width {
            return Err(OptimError::ShapeMismatch {
                what: "kernel",
                expected: height * width,
                got: weights.len(),
            });
        }
        for (name, size) in [("kernel height", height), ("kernel width", width)] {
            if size % 2 == 0 {
                return Err(OptimError::InvalidParameter {
                    name: if name == "kernel height" {
                        "kernel_height"
                    } else {
                        "kernel_width"
                    },
                    value: size as f64,
                    reason: "must be odd (a centred kernel)",
                });
            }
        }
        if weights.iter().any(|v| !v.is_finite()) {
            return Err(OptimError::NonFinite { what: "kernel" });
        }
        Ok(Self {
            weights,
            height,
            width,
        })
    }

    /// `‖K‖ ≤ Σ|k|` (Young's inequality).
    pub fn norm_bound(&self) -> f64 {
        self.weights.iter().map(|v| v.abs()).sum()
    }

    /// `Kx` (`adjoint = false`) or `Kᵀx` (`adjoint = true`, the flipped kernel) into `out`.
    pub fn apply<S: Scalar>(&self, grid: Grid, x: &[S], adjoint: bool, out: &mut [S]) {
        let (ch, cw) = ((self.height / 2) as isize, (self.width / 2) as isize);
        let (h, w) = (grid.height as isize, grid.width as isize);
        let sign = if adjoint { -1 } else { 1 };
        for i in 0..h {
            for j in 0..w {
                let mut s = S::zero();
                for a in 0..self.height as isize {
                    let r = i + sign * (a - ch);
                    if r < 0 || r >= h {
                        continue;
                    }
                    for b in 0..self.width as isize {
                        let c = j + sign * (b - cw);
                        if c >= 0 && c < w {
                            let kv = self.weights[(a * self.width as isize + b) as usize];
                            s += x[(r * w + c) as usize] * kv;
                        }
                    }
                }
                out[(i * w + j) as usize] = s;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `⟨Ax, u⟩ = ⟨x, Aᵀu⟩` for D and K on a 3×4 grid with non-symmetric data.
    #[test]
    fn adjoints_are_adjoint() {
        let g = Grid {
            height: 3,
            width: 4,
        };
        let x: Vec<f64> = (0..12).map(|i| ((i * 7) % 5) as f64 - 1.5).collect();
        let u: Vec<f64> = (0..24).map(|i| ((i * 3) % 7) as f64 * 0.3 - 1.0).collect();
        let (mut dx, mut dtu) = (vec![0.0; 24], vec![0.0; 12]);
        g.gradient(&x, &mut dx);
        g.gradient_adjoint(&u, &mut dtu);
        let lhs: f64 = dx.iter().zip(&u).map(|(a, b)| a * b).sum();
        let rhs: f64 = x.iter().zip(&dtu).map(|(a, b)| a * b).sum();
        assert!((lhs - rhs).abs() < 1e-12);
        let k = Kernel::new(vec![0.1, 0.5, -0.2, 0.3, 1.0, 0.0, 0.7, -0.4, 0.2], 3, 3).unwrap();
        let (mut kx, mut ktu) = (vec![0.0; 12], vec![0.0; 12]);
        k.apply(g, &x, false, &mut kx);
        k.apply(g, &u[..12], true, &mut ktu);
        let lhs: f64 = kx.iter().zip(&u[..12]).map(|(a, b)| a * b).sum();
        let rhs: f64 = x.iter().zip(&ktu).map(|(a, b)| a * b).sum();
        assert!((lhs - rhs).abs() < 1e-12);
    }
}
