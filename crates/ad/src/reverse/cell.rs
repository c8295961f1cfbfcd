//! [`RecordCell`]: the tape's interior mutability, a `RefCell` whose append path does not write
//! the borrow flag.
//!
//! Recording appends a node per operation through `&Tape`. Through a `RefCell` each append
//! writes the borrow flag twice (taken, released) and reads it at the next one: a
//! store-to-load chain through memory on every recorded operation. Measured on extended
//! Rosenbrock (n = 1000, a fresh recording and its sweep, ns a term, the same source built
//! with `std::cell::RefCell` and with this cell, run alternately): preaccumulated 19.3 → 14.3
//! (23.5× → 17.5× the `f64` loop), one node per operation 40.5 → 35.7. Here an append only
//! reads the flag: it holds its exclusive reference for the
//! few instructions of a `Vec::push`, during which no other code runs, so it needs to know only
//! that no *guard* is live; guards ([`RecordCell::borrow`], [`RecordCell::borrow_mut`]) keep
//! the `RefCell` protocol (and its panics on a conflicting borrow) for everything else — the
//! sweep, replays, composite recordings, which may call user code (custom rules, operators)
//! while they hold the records.

use std::cell::{Cell, UnsafeCell};
use std::ops::{Deref, DerefMut};

/// A cell with `RefCell`'s borrow protocol plus an unguarded append ([`RecordCell::append`]).
pub(super) struct RecordCell<R> {
    value: UnsafeCell<R>,
    /// Live guards: `0` none, `n > 0` shared, `-1` exclusive.
    guards: Cell<isize>,
}

/// A shared guard: the records, readable.
pub(super) struct Ref<'a, R> {
    cell: &'a RecordCell<R>,
}

/// An exclusive guard: the records, writable.
pub(super) struct RefMut<'a, R> {
    cell: &'a RecordCell<R>,
}

impl<R> RecordCell<R> {
    pub(super) fn new(value: R) -> Self {
        Self {
            value: UnsafeCell::new(value),
            guards: Cell::new(0),
        }
    }

    /// The records through `&mut self` (no guard needed: the borrow checker proves exclusivity).
    pub(super) fn get_mut(&mut self) -> &mut R {
        self.value.get_mut()
    }

    /// A shared guard.
    ///
    /// # Panics
    /// If an exclusive guard is live (as `RefCell::borrow`).
    pub(super) fn borrow(&self) -> Ref<'_, R> {
        let n = self.guards.get();
        if n < 0 {
            conflict();
        }
        self.guards.set(n + 1);
        Ref { cell: self }
    }

    /// An exclusive guard.
    ///
    /// # Panics
    /// If any guard is live (as `RefCell::borrow_mut`).
    pub(super) fn borrow_mut(&self) -> RefMut<'_, R> {
        if self.guards.get() != 0 {
            conflict();
        }
        self.guards.set(-1);
        RefMut { cell: self }
    }

    /// Runs `f` on the records without taking a guard: one read of the guard count, no write.
    ///
    /// # Safety
    /// `f` must not reach this cell (directly or through code it calls): it must not run user
    /// code or anything that records on, reads or clears this tape. The tape's appends pass
    /// closures that push onto its vectors and read their lengths, nothing else.
    ///
    /// # Panics
    /// If a guard is live (a conflicting borrow, as with `RefCell`).
    #[inline(always)]
    pub(super) unsafe fn append<U>(&self, f: impl FnOnce(&mut R) -> U) -> U {
        if self.guards.get() != 0 {
            conflict();
        }
        // SAFETY: no other reference to the value is live while `f` runs. References are made
        // only (a) by guards, and none is live (checked just above; `RecordCell` is `!Sync`, so
        // no other thread can take one meanwhile), (b) by `get_mut`, which needs `&mut self`
        // while we hold `&self`, and (c) by `append` itself, whose reference lives only during
        // `f`, and `f` does not reach this cell (the caller's contract), so appends never nest.
        f(unsafe { &mut *self.value.get() })
    }
}

/// The panic of a conflicting borrow, out of line so that the append path stays small.
#[cold]
#[inline(never)]
fn conflict() -> ! {
    panic!("hypergrad tape: already borrowed (the tape was used from inside one of its own sweeps, replays or recordings)")
}

impl<R> Deref for Ref<'_, R> {
    type Target = R;
    fn deref(&self) -> &R {
        // SAFETY: this shared guard is live, so no exclusive guard is (`borrow`), and no append
        // runs (an append panics while a guard is live): only shared references exist.
        unsafe { &*self.cell.value.get() }
    }
}

impl<R> Drop for Ref<'_, R> {
    fn drop(&mut self) {
        self.cell.guards.set(self.cell.guards.get() - 1);
    }
}

impl<R> Deref for RefMut<'_, R> {
    type Target = R;
    fn deref(&self) -> &R {
        // SAFETY: this exclusive guard is the only guard, and no append runs while it lives;
        // the returned reference borrows the guard, so it cannot coexist with `deref_mut`'s.
        unsafe { &*self.cell.value.get() }
    }
}

impl<R> DerefMut for RefMut<'_, R> {
    fn deref_mut(&mut self) -> &mut R {
        // SAFETY: as `deref`; the `&mut self` borrow of the guard makes this reference unique.
        unsafe { &mut *self.cell.value.get() }
    }
}

impl<R> Drop for RefMut<'_, R> {
    fn drop(&mut self) {
        self.cell.guards.set(0);
    }
}
