//! [`Minibatches`]: seeded sampling of minibatches from a fixed partition of the samples.

use crate::BilevelError;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// The samples `0 … n−1` shuffled once (seeded) and cut into `N = ⌈n / batch_size⌉` batches
/// whose sizes differ by at most one; [`draw`](Self::draw) picks a batch uniformly at random
/// (with replacement, from the same seed).
///
/// With weights `w_B = N·|B|/n`, `w_B·f_B` is an unbiased estimate of `f = 1/n Σᵢ fᵢ` for any
/// per-batch mean `f_B` (`E_B[w_B f_B] = Σ_B |B|/n · f_B = f`), and the mean over all batches of
/// `w_B f_B` is `f` exactly: what SAGA-style memories rely on.
///
/// ```
/// use hypergrad_bilevel::stochastic::Minibatches;
///
/// let mut batches = Minibatches::new(10, 4, 0).unwrap(); // sizes 4, 3, 3
/// assert_eq!(batches.len(), 3);
/// let sizes: usize = (0..3).map(|b| batches.batch(b).len()).sum();
/// assert_eq!(sizes, 10);
/// let total: f64 = (0..3).map(|b| batches.weight(b)).sum();
/// assert!((total - 3.0).abs() < 1e-12);
/// assert!(batches.draw() < 3);
/// ```
#[derive(Clone, Debug)]
pub struct Minibatches {
    batches: Vec<Vec<usize>>,
    n: usize,
    rng: rand::rngs::StdRng,
}

impl Minibatches {
    /// The partition of `n` samples into batches of at most `batch_size`, shuffled with
    /// `seed`. Errors: `n = 0` or `batch_size = 0`.
    pub fn new(n: usize, batch_size: usize, seed: u64) -> Result<Self, BilevelError> {
        for (name, value) in [("samples", n), ("batch_size", batch_size)] {
            if value == 0 {
                return Err(BilevelError::InvalidParameter {
                    name,
                    value: 0.0,
                    reason: "must be at least 1",
                });
            }
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut rng);
        let count = n.div_ceil(batch_size);
        let (small, extra) = (n / count, n % count);
        let mut rest = order.as_slice();
        let batches = (0..count)
            .map(|b| {
                let (batch, tail) = rest.split_at(small + usize::from(b < extra));
                rest = tail;
                batch.to_vec()
            })
            .collect();
        Ok(Self { batches, n, rng })
    }

    /// `N`, the number of batches.
    pub fn len(&self) -> usize {
        self.batches.len()
    }

    /// Whether there is no batch (never: a partition holds at least one).
    pub fn is_empty(&self) -> bool {
        self.batches.is_empty()
    }

    /// The samples of batch `b < N`.
    pub fn batch(&self, b: usize) -> &[usize] {
        &self.batches[b]
    }

    /// `w_B = N·|B|/n` (1 when every batch has the same size).
    pub fn weight(&self, b: usize) -> f64 {
        (self.batches.len() * self.batches[b].len()) as f64 / self.n as f64
    }

    /// A batch index drawn uniformly from `0 … N−1`.
    pub fn draw(&mut self) -> usize {
        self.rng.gen_range(0..self.batches.len())
    }
}
