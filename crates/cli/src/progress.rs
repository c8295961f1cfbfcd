//! A progress bar on standard error while an outer optimizer runs: a [`HyperObjective`]
//! wrapper that ticks once per evaluation. Hidden when standard error is not a terminal and with
//! `--json`.

use hypergrad::bilevel::outer::{HyperEval, HyperObjective};
use hypergrad::bilevel::BilevelError;
use indicatif::{ProgressBar, ProgressStyle};

/// `objective` with a bar of `len` evaluations showing the best criterion so far.
pub struct Progress<'h, H> {
    objective: &'h mut H,
    bar: ProgressBar,
    best: f64,
}

impl<'h, H: HyperObjective> Progress<'h, H> {
    /// A bar of `len` evaluations labelled `label`; hidden if `hidden`.
    pub fn new(objective: &'h mut H, len: usize, label: &str, hidden: bool) -> Self {
        let bar = if hidden {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(len as u64)
        };
        if let Ok(style) =
            ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} evaluations {msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(label.to_string());
        Self {
            objective,
            bar,
            best: f64::INFINITY,
        }
    }

    fn tick(&mut self, eval: Result<HyperEval, BilevelError>) -> Result<HyperEval, BilevelError> {
        if let Ok(e) = &eval {
            self.best = self.best.min(e.value);
            self.bar.set_message(format!("best {:.6}", self.best));
        }
        self.bar.inc(1);
        eval
    }
}

impl<H> Drop for Progress<'_, H> {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

impl<H: HyperObjective> HyperObjective for Progress<'_, H> {
    fn dim(&self) -> usize {
        self.objective.dim()
    }
    fn evaluate(&mut self, log_alpha: &[f64], inner_tol: f64) -> Result<HyperEval, BilevelError> {
        let eval = self.objective.evaluate(log_alpha, inner_tol);
        self.tick(eval)
    }
    fn value(&mut self, log_alpha: &[f64], inner_tol: f64) -> Result<HyperEval, BilevelError> {
        let eval = self.objective.value(log_alpha, inner_tol);
        self.tick(eval)
    }
}
