//! # hypergrad-bilevel
//!
//! Hypergradients of a criterion `C(x*(θ), θ)` through an inner solver `x*(θ)`.
