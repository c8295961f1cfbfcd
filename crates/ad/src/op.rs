//! Operation codes: what a tape records beside each node's partials so that it can evaluate the
//! node again for new inputs ([`Tape::replay`](crate::Tape::replay)).
//!
//! One byte: the top two bits say how the operands are held (one variable; two variables; a
//! constant on the left; a constant on the right), the low six bits name the function. A node
//! with a constant operand keeps the constant's value in its unused partial slot.

/// An operation code; see the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Op(pub(crate) u8);

/// The operand layout, the top two bits of an [`Op`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Layout {
    /// `f(x)` or `f(x; c)` with a parameter `c` (an input has no operand at all).
    Unary,
    /// `f(x, y)`, both variables.
    Both,
    /// `f(c, y)`, a constant on the left.
    ConstLeft,
    /// `f(x, c)`, a constant on the right.
    ConstRight,
}

macro_rules! codes {
    ($($name:ident = $code:expr),* $(,)?) => {
        impl Op {
            $(pub(crate) const $name: Op = Op($code);)*
        }
    };
}

const BINARY: u8 = 1 << 6;

codes! {
    // Unary, with the parameter `c` of SHIFT (x + c), SCALE (x·c), DIV_REAL (x / c), POWI (xᶜ).
    INPUT = 0, OPAQUE = 1, NEG = 2, SHIFT = 3, SCALE = 4, DIV_REAL = 5, RECIP = 6, SQRT = 7,
    CBRT = 8, EXP = 9, EXP2 = 10, EXP_M1 = 11, LN = 12, LN_1P = 13, LOG2 = 14, LOG10 = 15,
    SIN = 16, COS = 17, TAN = 18, ASIN = 19, ACOS = 20, ATAN = 21, SINH = 22, COSH = 23,
    TANH = 24, ASINH = 25, ACOSH = 26, ATANH = 27, ABS = 28, FRACT = 29, TO_DEGREES = 30,
    TO_RADIANS = 31, POWI = 32, FLOOR = 33, CEIL = 34, ROUND = 35, TRUNC = 36, SIGNUM = 37,
    // `x·x` of one variable (recorded by a tape as one operand with partial `2x`).
    SQUARE = 38,
    // Binary.
    ADD = BINARY, SUB = BINARY + 1, MUL = BINARY + 2, DIV = BINARY + 3, REM = BINARY + 4,
    POWF = BINARY + 5, ATAN2 = BINARY + 6, HYPOT = BINARY + 7, MAX = BINARY + 8,
    MIN = BINARY + 9, MUL_ADD = BINARY + 10,
}

impl Op {
    /// How the operands are held.
    #[inline(always)]
    pub(crate) fn layout(self) -> Layout {
        match self.0 >> 6 {
            0 => Layout::Unary,
            1 => Layout::Both,
            2 => Layout::ConstLeft,
            _ => Layout::ConstRight,
        }
    }

    /// The function, with the operand layout of two variables (for a binary op) or one.
    #[inline(always)]
    pub(crate) fn function(self) -> Op {
        match self.layout() {
            Layout::Unary => self,
            _ => Op(BINARY | (self.0 & (BINARY - 1))),
        }
    }

    /// This binary function with a constant left operand.
    #[inline(always)]
    pub(crate) const fn const_left(self) -> Op {
        Op(self.0 + BINARY)
    }

    /// This binary function with a constant right operand.
    #[inline(always)]
    pub(crate) const fn const_right(self) -> Op {
        Op(self.0 + 2 * BINARY)
    }
}
