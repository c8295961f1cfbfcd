//! [`Schedule`]: the working sets of a solver's epochs — the program `x_{k+1} = T_{W_k}(x_k, θ)`
//! that the unrolled methods differentiate for a map solved by epochs on working sets.

/// The coordinate sets `W₀, W₁, …` of a solve's epochs, epoch `k` being
/// [`apply_on_support`](crate::FixedPointMap::apply_on_support)`(x_k, θ, W_k)`: `T` restricted
/// to `W_k` (in that order), the other coordinates left as they are. The sets are the solver's
/// discrete choices (scores, gap checks); they are data, not differentiated, as the branch of a
/// soft-threshold is not. Consecutive epochs on the same set share it.
///
/// ```
/// use hypergrad_optim::Schedule;
///
/// let mut schedule = Schedule::default();
/// schedule.start_working_set(vec![0, 3]);
/// schedule.push_epoch();
/// schedule.push_epoch();
/// schedule.start_working_set(vec![0, 2, 3]);
/// schedule.push_epoch();
/// assert_eq!(schedule.len(), 3);
/// assert_eq!(schedule.columns(1), &[0, 3]);
/// assert_eq!(schedule.columns(2), &[0, 2, 3]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schedule {
    /// The working sets, in the order the solver took them.
    sets: Vec<Vec<usize>>,
    /// For each epoch, the index of its working set in `sets`.
    epochs: Vec<usize>,
}

impl Schedule {
    /// Makes `columns` the working set of the epochs pushed next.
    pub fn start_working_set(&mut self, columns: Vec<usize>) {
        self.sets.push(columns);
    }

    /// Appends one epoch on the current working set (none yet: an epoch on no coordinate).
    pub fn push_epoch(&mut self) {
        if self.sets.is_empty() {
            self.sets.push(Vec::new());
        }
        self.epochs.push(self.sets.len() - 1);
    }

    /// The number of epochs.
    pub fn len(&self) -> usize {
        self.epochs.len()
    }

    /// Whether there is no epoch.
    pub fn is_empty(&self) -> bool {
        self.epochs.is_empty()
    }

    /// The coordinates updated by epoch `k`, in order. Panics if `k ≥ len()` (as indexing).
    pub fn columns(&self, k: usize) -> &[usize] {
        &self.sets[self.epochs[k]]
    }
}
