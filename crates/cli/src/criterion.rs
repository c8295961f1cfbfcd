//! The `--criterion` option: what "best hyperparameters" means.

use std::fmt;
use std::str::FromStr;

/// The `--criterion` values: `heldout`, `cv:K`, `cv` (folds from `--folds`), `sure:σ`,
/// `mc-sure:σ` or `fdmc-sure:σ`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CriterionKind {
    /// Loss of the model on validation data (a seeded third, or `--val`).
    HeldOut,
    /// Mean validation loss over `folds` seeded folds of the data, or over the folds of
    /// `--folds` (`None`).
    CrossValidation {
        /// K ≥ 2.
        folds: Option<usize>,
    },
    /// Stein's unbiased risk estimate with df = |S| (noise level σ).
    Sure {
        /// σ > 0.
        sigma: f64,
    },
    /// Monte-Carlo SURE with the exact Jacobian in y (noise level σ).
    McSure {
        /// σ > 0.
        sigma: f64,
    },
    /// Finite-difference Monte-Carlo SURE, differentiated by SUGAR (noise level σ).
    FdmcSure {
        /// σ > 0.
        sigma: f64,
    },
}

fn sigma(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s.is_finite() => Ok(s),
        _ => Err(format!(
            "the noise level σ must be a positive number, got `{text}`"
        )),
    }
}

impl FromStr for CriterionKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (name, arg) = text.split_once(':').unwrap_or((text, ""));
        match (name, arg) {
            ("heldout", "") => Ok(Self::HeldOut),
            ("cv", "") if !text.contains(':') => Ok(Self::CrossValidation { folds: None }),
            ("cv", k) => match k.parse::<usize>() {
                Ok(folds) if folds >= 2 => Ok(Self::CrossValidation { folds: Some(folds) }),
                _ => Err(format!("cv:K needs an integer K ≥ 2, got `{k}`")),
            },
            ("sure", s) => Ok(Self::Sure { sigma: sigma(s)? }),
            ("mc-sure", s) => Ok(Self::McSure { sigma: sigma(s)? }),
            ("fdmc-sure", s) => Ok(Self::FdmcSure { sigma: sigma(s)? }),
            _ => Err(format!(
                "unknown criterion `{text}`: expected heldout, cv:K, cv, sure:σ, mc-sure:σ or fdmc-sure:σ"
            )),
        }
    }
}

/// σ as typed for ordinary values (`55`, `0.5`), in exponent form far from 1 (`1e-300`, not
/// 300 digits).
struct Sigma(f64);

impl fmt::Display for Sigma {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if (1e-4..1e15).contains(&self.0) {
            write!(f, "{}", self.0)
        } else {
            write!(f, "{:e}", self.0)
        }
    }
}

impl fmt::Display for CriterionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::HeldOut => write!(f, "heldout"),
            Self::CrossValidation { folds: Some(k) } => write!(f, "cv:{k}"),
            Self::CrossValidation { folds: None } => write!(f, "cv"),
            Self::Sure { sigma } => write!(f, "sure:{}", Sigma(sigma)),
            Self::McSure { sigma } => write!(f, "mc-sure:{}", Sigma(sigma)),
            Self::FdmcSure { sigma } => write!(f, "fdmc-sure:{}", Sigma(sigma)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form_and_rejects_bad_values() {
        assert_eq!("heldout".parse(), Ok(CriterionKind::HeldOut));
        assert_eq!(
            "cv:5".parse(),
            Ok(CriterionKind::CrossValidation { folds: Some(5) })
        );
        assert_eq!(
            "cv".parse(),
            Ok(CriterionKind::CrossValidation { folds: None })
        );
        assert_eq!("sure:0.5".parse(), Ok(CriterionKind::Sure { sigma: 0.5 }));
        assert_eq!(
            "mc-sure:3".parse(),
            Ok(CriterionKind::McSure { sigma: 3.0 })
        );
        assert_eq!(
            "fdmc-sure:2".parse(),
            Ok(CriterionKind::FdmcSure { sigma: 2.0 })
        );
        for bad in [
            "cv:1",
            "cv:",
            "cv:x",
            "sure:0",
            "sure:-1",
            "fdmc-sure:NaN",
            "sure",
            "aic",
        ] {
            assert!(bad.parse::<CriterionKind>().is_err(), "{bad}");
        }
        let round: CriterionKind = CriterionKind::Sure { sigma: 0.5 }
            .to_string()
            .parse()
            .unwrap();
        assert_eq!(round, CriterionKind::Sure { sigma: 0.5 });
        for sigma in [1e-300, 1e300, 55.0] {
            let text = CriterionKind::Sure { sigma }.to_string();
            assert!(text.len() < 12, "{text}");
            assert_eq!(text.parse(), Ok(CriterionKind::Sure { sigma }));
        }
    }
}
