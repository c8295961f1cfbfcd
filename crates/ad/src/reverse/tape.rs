//! [`Tape<T>`]: the Wengert list, stored Adept-style in flat arrays, and the adjoint sweep.

use super::{ReverseError, Var};
use crate::Scalar;
use std::cell::RefCell;
use std::fmt;

/// A matrix copied once onto the tape (row-major), shared by every product that uses it.
pub(super) struct StoredMatrix {
    pub(super) at: usize,
    /// Address and strides of the view it was copied from, to find it again cheaply.
    pub(super) source: (usize, [isize; 2]),
    pub(super) rows: usize,
    pub(super) cols: usize,
}

/// A composite matrix–vector node: outputs `first .. first + len` are `A·x` (or `Aᵀ·x`), whose
/// operands `x` are listed in [`Records::block_args`] from `args_at`. Its output nodes have empty
/// operand ranges; the sweep applies `x̄ += Aᵀȳ` (or `A ȳ`) when it reaches `first`.
pub(super) struct Block {
    pub(super) first: u32,
    pub(super) matrix: usize,
    pub(super) transpose: bool,
    pub(super) args_at: usize,
}

/// Everything a tape records; behind a `RefCell` so that recording needs only `&Tape`.
pub(super) struct Records<T: Scalar> {
    /// Per node, the end of its operand range in `partials`/`args` (the range starts where the
    /// previous node's ends; input nodes have an empty range).
    pub(super) ends: Vec<u32>,
    /// Per operand, the local partial ∂node/∂operand.
    pub(super) partials: Vec<T>,
    /// Per operand, the operand's node index.
    pub(super) args: Vec<u32>,
    pub(super) blocks: Vec<Block>,
    pub(super) block_args: Vec<u32>,
    pub(super) matrices: Vec<StoredMatrix>,
    pub(super) matrix_entries: Vec<T::Real>,
    pub(super) adjoints: Vec<T>,
}

/// A Wengert list: every operation on a [`Var`] of this tape appends one node holding its value
/// and the local partials with respect to its operands; [`Tape::reverse`] then propagates
/// adjoints `v̄ᵢ = Σ_{j: i ∈ operands(j)} v̄ⱼ · ∂vⱼ/∂vᵢ` from the outputs back to the inputs.
///
/// Storage is flat (Adept-style): per node the end of its operand range (`u32`), per operand its
/// partial and `u32` node index (12 bytes for `f64`), plus composite matrix blocks. Values live in
/// the [`Var`]s only. Nothing is
/// allocated per node, and [`Tape::clear`] keeps the capacity, so a loop that differentiates
/// many times allocates only on its first pass.
///
/// A tape is `!Sync` (interior mutability through a `RefCell`): use one tape per thread.
///
/// ```
/// use hypergrad_ad::Tape;
///
/// let tape = Tape::<f64>::new();
/// let x = tape.var(3.0);
/// let y = x * x + x; // y = x² + x, dy/dx = 2x + 1 = 7
/// tape.reverse(&[(y, 1.0)]).unwrap();
/// assert_eq!(tape.adjoint(x), 7.0);
/// ```
pub struct Tape<T: Scalar> {
    pub(super) rec: RefCell<Records<T>>,
}

/// The memory a tape holds: counts of what it recorded and the bytes they occupy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TapeStats {
    /// Recorded nodes (inputs, scalar operations, composite outputs).
    pub nodes: usize,
    /// Stored (partial, operand index) pairs.
    pub operands: usize,
    /// Entries of matrices stored for matrix–vector blocks.
    pub matrix_entries: usize,
    /// Bytes in use by the recorded program (excluding the adjoint work array).
    pub bytes: usize,
    /// Bytes reserved, including spare capacity kept for reuse and the adjoint work array.
    pub capacity_bytes: usize,
}

/// Converts a length to a `u32` index.
///
/// # Panics
/// If the tape holds more than 2³² − 1 entries (a resource limit, like `Vec`'s capacity overflow).
#[inline(always)]
pub(super) fn to_index(n: usize) -> u32 {
    u32::try_from(n).expect("hypergrad tape: more than 2^32 - 1 nodes or operands recorded")
}

impl<T: Scalar> Records<T> {
    /// Ends the node whose operands were just pushed; returns its index.
    #[inline(always)]
    pub(super) fn close_node(&mut self) -> u32 {
        let end = to_index(self.args.len());
        let index = to_index(self.ends.len());
        self.ends.push(end);
        index
    }
}

impl<T: Scalar> Default for Tape<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Scalar> Tape<T> {
    /// An empty tape.
    pub fn new() -> Self {
        Self::with_capacity(0, 0)
    }

    /// An empty tape with room for `nodes` nodes and `operands` operands.
    pub fn with_capacity(nodes: usize, operands: usize) -> Self {
        Self {
            rec: RefCell::new(Records {
                ends: Vec::with_capacity(nodes),
                partials: Vec::with_capacity(operands),
                args: Vec::with_capacity(operands),
                blocks: Vec::new(),
                block_args: Vec::new(),
                matrices: Vec::new(),
                matrix_entries: Vec::new(),
                adjoints: Vec::with_capacity(nodes),
            }),
        }
    }

    /// Forgets every node, keeping the memory for the next recording. Taking `&mut self` proves
    /// that no [`Var`] of the previous recording is still alive.
    pub fn clear(&mut self) {
        let r = self.rec.get_mut();
        r.ends.clear();
        r.partials.clear();
        r.args.clear();
        r.blocks.clear();
        r.block_args.clear();
        r.matrices.clear();
        r.matrix_entries.clear();
        r.adjoints.clear();
    }

    /// The number of recorded nodes.
    pub fn len(&self) -> usize {
        self.rec.borrow().ends.len()
    }

    /// Whether nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The memory this tape holds; see [`TapeStats`].
    pub fn memory(&self) -> TapeStats {
        use std::mem::size_of;
        let r = self.rec.borrow();
        let used = r.ends.len() * size_of::<u32>()
            + r.args.len() * (size_of::<T>() + size_of::<u32>())
            + r.blocks.len() * size_of::<Block>()
            + r.block_args.len() * size_of::<u32>()
            + r.matrices.len() * size_of::<StoredMatrix>()
            + r.matrix_entries.len() * size_of::<T::Real>();
        let reserved = r.ends.capacity() * size_of::<u32>()
            + r.partials.capacity() * size_of::<T>()
            + r.args.capacity() * size_of::<u32>()
            + r.blocks.capacity() * size_of::<Block>()
            + r.block_args.capacity() * size_of::<u32>()
            + r.matrices.capacity() * size_of::<StoredMatrix>()
            + r.matrix_entries.capacity() * size_of::<T::Real>()
            + r.adjoints.capacity() * size_of::<T>();
        TapeStats {
            nodes: r.ends.len(),
            operands: r.args.len(),
            matrix_entries: r.matrix_entries.len(),
            bytes: used,
            capacity_bytes: reserved,
        }
    }

    /// A new independent variable (an input node) with the given value.
    #[inline]
    pub fn var(&self, value: T) -> Var<'_, T> {
        let index = self.rec.borrow_mut().close_node();
        Var::on_tape(value, index, self)
    }

    /// One input node per value, in order.
    pub fn vars(&self, values: &[T]) -> Vec<Var<'_, T>> {
        values.iter().map(|&v| self.var(v)).collect()
    }

    /// Records `f(x)` with local partial `d = ∂f/∂x`.
    #[inline(always)]
    pub(super) fn push_unary(&self, x: u32, d: T) -> u32 {
        let mut r = self.rec.borrow_mut();
        r.partials.push(d);
        r.args.push(x);
        r.close_node()
    }

    /// Records `f(x, y)` with local partials `dx`, `dy`.
    #[inline(always)]
    pub(super) fn push_binary(&self, x: u32, dx: T, y: u32, dy: T) -> u32 {
        let mut r = self.rec.borrow_mut();
        r.partials.extend_from_slice(&[dx, dy]);
        r.args.extend_from_slice(&[x, y]);
        r.close_node()
    }

    /// Checks that `v` belongs to this tape (or is a constant) and returns its node index.
    fn own_index(&self, v: &Var<'_, T>) -> Result<Option<u32>, ReverseError> {
        match v.tape {
            None => Ok(None),
            Some(t) if std::ptr::eq(t, self) => Ok(Some(v.index)),
            Some(_) => Err(ReverseError::ForeignVar),
        }
    }

    /// The reverse sweep. Adjoints start at zero, each seed `(v, w)` adds `w` to `v̄`, then every
    /// node from the last to the first pushes `v̄ⱼ · ∂vⱼ/∂vᵢ` to each operand `vᵢ`. Seeding an
    /// output with weights `w` gives the vector–Jacobian product `wᵀJ` in the inputs' adjoints
    /// (read them with [`Tape::adjoint`]); seeding an input adds the seed to its final adjoint.
    /// Seeds on constants are ignored (a constant has no adjoint).
    ///
    /// # Errors
    /// [`ReverseError::ForeignVar`] if a seed belongs to another tape.
    pub fn reverse(&self, seeds: &[(Var<'_, T>, T)]) -> Result<(), ReverseError> {
        let mut r = self.rec.borrow_mut();
        let n = r.ends.len();
        r.adjoints.clear();
        r.adjoints.resize(n, T::zero());
        for (v, w) in seeds {
            if let Some(i) = self.own_index(v)? {
                r.adjoints[i as usize] += *w;
            }
        }
        sweep(&mut r);
        Ok(())
    }

    /// The adjoint `v̄` left by the last [`Tape::reverse`]; zero for a constant, for a node
    /// recorded after that sweep, or for a variable of another tape.
    pub fn adjoint(&self, v: Var<'_, T>) -> T {
        match self.own_index(&v) {
            Ok(Some(i)) => self
                .rec
                .borrow()
                .adjoints
                .get(i as usize)
                .copied()
                .unwrap_or_else(T::zero),
            _ => T::zero(),
        }
    }

    /// Writes the adjoints of `inputs` into `out` (after a [`Tape::reverse`]).
    ///
    /// # Errors
    /// [`ReverseError::LengthMismatch`] if `out` and `inputs` differ in length.
    pub fn adjoints_into(&self, inputs: &[Var<'_, T>], out: &mut [T]) -> Result<(), ReverseError> {
        check_len("adjoint output", inputs.len(), out.len())?;
        for (o, x) in out.iter_mut().zip(inputs) {
            *o = self.adjoint(*x);
        }
        Ok(())
    }

    /// The operands of node `i` as `(operand index, ∂node/∂operand)`, composite matrix–vector
    /// outputs included (one entry per matrix column); empty for an input. For listings and
    /// teaching (values are kept in the [`Var`]s, not on the tape, to keep it small).
    pub fn node(&self, i: usize) -> Option<Vec<(usize, T)>> {
        let r = self.rec.borrow();
        let end = *r.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { r.ends[i - 1] as usize };
        let mut ops: Vec<(usize, T)> = r.args[start..end]
            .iter()
            .zip(&r.partials[start..end])
            .map(|(&j, &d)| (j as usize, d))
            .collect();
        if let Some((b, row)) = block_of(&r, i) {
            let m = &r.matrices[b.matrix];
            let len = if b.transpose { m.rows } else { m.cols };
            for k in 0..len {
                let a = if b.transpose {
                    r.matrix_entries[m.at + k * m.cols + row]
                } else {
                    r.matrix_entries[m.at + row * m.cols + k]
                };
                ops.push((r.block_args[b.args_at + k] as usize, T::from_real(a)));
            }
        }
        Some(ops)
    }
}

/// The block whose outputs contain node `i`, and the row of `i` in it.
fn block_of<T: Scalar>(r: &Records<T>, i: usize) -> Option<(&Block, usize)> {
    let k = r.blocks.partition_point(|b| b.first as usize <= i);
    let b = r.blocks.get(k.checked_sub(1)?)?;
    let m = &r.matrices[b.matrix];
    let len = if b.transpose { m.cols } else { m.rows };
    let row = i - b.first as usize;
    (row < len).then_some((b, row))
}

/// `Err(LengthMismatch)` unless `found == expected`.
pub(super) fn check_len(
    what: &'static str,
    expected: usize,
    found: usize,
) -> Result<(), ReverseError> {
    if expected == found {
        Ok(())
    } else {
        Err(ReverseError::LengthMismatch {
            what,
            expected,
            found,
        })
    }
}

/// Propagates adjoints over the whole tape: scalar nodes between blocks in one tight loop,
/// each block as a transposed matrix–vector product.
fn sweep<T: Scalar>(r: &mut Records<T>) {
    let Records {
        ends,
        partials,
        args,
        blocks,
        block_args,
        matrices,
        matrix_entries,
        adjoints,
    } = r;
    let mut hi = ends.len();
    for b in blocks.iter().rev() {
        let m = &matrices[b.matrix];
        let first = b.first as usize;
        let outputs = if b.transpose { m.cols } else { m.rows };
        sweep_scalar(ends, partials, args, adjoints, first + outputs, hi);
        let a = &matrix_entries[m.at..m.at + m.rows * m.cols];
        let xs = &block_args[b.args_at..];
        for i in 0..m.rows {
            let row = &a[i * m.cols..(i + 1) * m.cols];
            if b.transpose {
                // y = Aᵀx: x̄ᵢ += Σⱼ Aᵢⱼ ȳⱼ.
                let mut acc = T::zero();
                for (j, &aij) in row.iter().enumerate() {
                    acc += adjoints[first + j].scale(aij);
                }
                adjoints[xs[i] as usize] += acc;
            } else {
                // y = A x: x̄ⱼ += Aᵢⱼ ȳᵢ.
                let yb = adjoints[first + i];
                for (j, &aij) in row.iter().enumerate() {
                    adjoints[xs[j] as usize] += yb.scale(aij);
                }
            }
        }
        hi = first;
    }
    sweep_scalar(ends, partials, args, adjoints, 0, hi);
}

/// The scalar part of the sweep over nodes `lo .. hi`, last first.
#[inline]
fn sweep_scalar<T: Scalar>(
    ends: &[u32],
    partials: &[T],
    args: &[u32],
    adjoints: &mut [T],
    lo: usize,
    hi: usize,
) {
    let mut end = if hi == 0 { 0 } else { ends[hi - 1] as usize };
    for i in (lo..hi).rev() {
        let start = if i == 0 { 0 } else { ends[i - 1] as usize };
        let a = adjoints[i];
        for (&j, &d) in args[start..end].iter().zip(&partials[start..end]) {
            adjoints[j as usize] += d * a;
        }
        end = start;
    }
}

impl<T: Scalar> fmt::Display for Tape<T> {
    /// One line per node: `v3 ← v1·2 + v2·1` (operand index · local partial).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for i in 0..self.len() {
            let Some(ops) = self.node(i) else {
                break;
            };
            write!(f, "v{i:<3}")?;
            if ops.is_empty() {
                writeln!(f, "  input")?;
            } else {
                let terms: Vec<String> = ops.iter().map(|(j, d)| format!("v{j}·{d}")).collect();
                writeln!(f, "  ← {}", terms.join(" + "))?;
            }
        }
        Ok(())
    }
}

impl<T: Scalar> fmt::Debug for Tape<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tape")
            .field("memory", &self.memory())
            .finish()
    }
}
