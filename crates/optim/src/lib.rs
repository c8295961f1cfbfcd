//! # hypergrad-optim
//!
//! Differentiable iterative solvers and the models they solve. Every solver exposes its update
//! as a map `x_{k+1} = T(x_k, θ)`, generic over [`hypergrad_ad::Scalar`], beside a fast `f64`
//! path.
