//! Default buses: one per thread (scoped, for tests) and one per process.
//!
//! A counter per event enum of its installed defaults lets the hot path
//! skip every lookup with one relaxed load while none is installed, which
//! is the common case in production services that hold their bus in a
//! field. The counter is a `static` the derive puts in the enum's crate, so
//! that the load is direct, not through another crate's address table.

use crate::bus::SharedBus;
use crate::kind::{EventKind, UsesDefaultBus};
use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::RwLock;

/// A default: the enum's type, its counter of installed defaults, the bus.
type Slot = (TypeId, &'static AtomicUsize, Box<dyn Any + Send + Sync>);

static GLOBAL: RwLock<Vec<Slot>> = RwLock::new(Vec::new());

thread_local! {
    static SCOPED: RefCell<Vec<Slot>> = const { RefCell::new(Vec::new()) };
}

fn find<E: EventKind>(slots: &[Slot]) -> Option<SharedBus<E>> {
    slots
        .iter()
        .rev()
        .find(|(id, ..)| *id == TypeId::of::<E>())
        .and_then(|(_, _, bus)| bus.downcast_ref::<SharedBus<E>>())
        .cloned()
}

/// The default bus for events of `E` on this thread: the innermost scoped
/// one, else the global one.
#[inline]
pub(crate) fn current<E: EventKind>() -> Option<SharedBus<E>> {
    if !may_be_installed::<E>() {
        return None;
    }
    current_installed()
}

/// Whether a default bus for `E` may be installed: false for an enum that
/// opted out (`#[event(default_bus = false)]`, known at compile time), and
/// while no default of any enum is installed (one relaxed load).
#[inline(always)]
pub(crate) fn may_be_installed<E: EventKind>() -> bool {
    E::DEFAULT_BUS && E::__installed_defaults().load(Ordering::Relaxed) != 0
}

/// [`current`], once [`may_be_installed`] said yes.
#[cold]
#[inline(never)]
pub(crate) fn current_installed<E: EventKind>() -> Option<SharedBus<E>> {
    let scoped = SCOPED
        .try_with(|slots| slots.try_borrow().ok().and_then(|s| find::<E>(&s)))
        .ok()
        .flatten();
    scoped.or_else(|| {
        // A poisoned lock still holds a valid Vec: nothing is half-written in it.
        let slots = GLOBAL.read().unwrap_or_else(|e| e.into_inner());
        find::<E>(&slots)
    })
}

/// Makes `bus` the default for events of `E` on this thread until the
/// returned guard is dropped; the previous default comes back then.
///
/// Methods whose receiver has no bus, and `emit!` without `bus = ..`,
/// publish to it. Meant for tests: each test thread gets its own.
///
/// ```
/// use eventwire::{emit, EventType, Recorder};
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
/// enum EventType { CacheCleared }
///
/// let recorder = Recorder::<EventType>::new();
/// {
///     let _guard = eventwire::set_scoped_default(recorder.bus());
///     emit!(CacheCleared);
/// }
/// emit!(CacheCleared); // no default any more: a no-op
/// recorder.assert_count(EventType::CacheCleared, 1);
/// ```
#[must_use = "the default is removed when the guard is dropped"]
pub fn set_scoped_default<E: UsesDefaultBus>(bus: SharedBus<E>) -> ScopedDefault<E> {
    let depth = SCOPED.with(|slots| {
        let mut slots = slots.borrow_mut();
        slots.push((TypeId::of::<E>(), E::__installed_defaults(), Box::new(bus)));
        slots.len()
    });
    E::__installed_defaults().fetch_add(1, Ordering::Relaxed);
    ScopedDefault {
        depth,
        _not_send: PhantomData,
    }
}

/// Restores the previous scoped default when dropped. Not `Send`: it
/// belongs to the thread that installed it.
pub struct ScopedDefault<E> {
    depth: usize,
    _not_send: PhantomData<(*const (), E)>,
}

impl<E> fmt::Debug for ScopedDefault<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopedDefault")
            .field("depth", &self.depth)
            .finish()
    }
}

impl<E> Drop for ScopedDefault<E> {
    fn drop(&mut self) {
        // Guards dropped out of order: everything installed after this one
        // goes too, so that no stale bus outlives its guard.
        let _ = SCOPED.try_with(|slots| {
            let mut slots = slots.borrow_mut();
            let keep = self.depth.saturating_sub(1).min(slots.len());
            for (_, installed, _) in slots.drain(keep..) {
                installed.fetch_sub(1, Ordering::Relaxed);
            }
        });
    }
}

/// Makes `bus` the process-wide default for events of `E`, replacing any
/// previous one, which is returned. Used by every thread that has no scoped
/// default and by methods whose receiver has no bus.
pub fn set_global_default<E: UsesDefaultBus>(bus: SharedBus<E>) -> Option<SharedBus<E>> {
    let mut slots = GLOBAL.write().unwrap_or_else(|e| e.into_inner());
    let previous = take::<E>(&mut slots);
    slots.push((TypeId::of::<E>(), E::__installed_defaults(), Box::new(bus)));
    if previous.is_none() {
        E::__installed_defaults().fetch_add(1, Ordering::Relaxed);
    }
    previous
}

/// Removes the process-wide default for events of `E`, returning it.
pub fn clear_global_default<E: EventKind>() -> Option<SharedBus<E>> {
    let mut slots = GLOBAL.write().unwrap_or_else(|e| e.into_inner());
    let previous = take::<E>(&mut slots);
    if previous.is_some() {
        E::__installed_defaults().fetch_sub(1, Ordering::Relaxed);
    }
    previous
}

fn take<E: EventKind>(slots: &mut Vec<Slot>) -> Option<SharedBus<E>> {
    let at = slots.iter().position(|(id, ..)| *id == TypeId::of::<E>())?;
    let (_, _, bus) = slots.remove(at);
    bus.downcast::<SharedBus<E>>().ok().map(|b| *b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{emit, EventType, Recorder};

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
    enum Ev {
        Ping,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
    enum Global {
        Pong,
    }

    #[test]
    fn scoped_defaults_nest_and_restore() {
        let outer = Recorder::<Ev>::new();
        let inner = Recorder::<Ev>::new();
        let _outer = outer.install_scoped();
        emit!(Ev::Ping, bus = outer);
        {
            let _inner = inner.install_scoped();
            emit!(Ev::Ping);
        }
        emit!(Ev::Ping);
        assert_eq!(outer.count(Ev::Ping), 2);
        assert_eq!(inner.count(Ev::Ping), 1);
    }

    #[test]
    fn scoped_defaults_belong_to_their_thread() {
        let recorder = Recorder::<Ev>::new();
        let _guard = recorder.install_scoped();
        std::thread::spawn(|| emit!(Ev::Ping)).join().unwrap();
        assert_eq!(recorder.count(Ev::Ping), 0);
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
    #[event(default_bus = false)]
    enum Quiet {
        Hushed,
    }

    #[crate::emits(Hushed, event = Quiet)]
    fn hush(bus: Option<&crate::SharedBus<Quiet>>) -> u8 {
        let _ = bus;
        3
    }

    #[crate::emits(Hushed, event = Quiet, bus = bus)]
    fn hush_on(bus: &crate::SharedBus<Quiet>) -> u8 {
        4
    }

    #[test]
    fn an_enum_without_default_buses_publishes_to_given_buses_only() {
        // A default of another enum is installed: the opted-out enum's
        // sites do not look, and still publish to the bus they are given.
        let other = Recorder::<Ev>::new();
        let _guard = other.install_scoped();
        let quiet = Recorder::<Quiet>::new();
        assert_eq!(hush(None), 3);
        assert_eq!(hush_on(&quiet.bus()), 4);
        assert_eq!(quiet.count(Quiet::Hushed), 1);
        assert_eq!(other.count(Ev::Ping), 0);
        const { assert!(!Quiet::DEFAULT_BUS) };
    }

    // Enums of this test alone: the counts are process-wide, and other
    // tests install defaults of `Ev` meanwhile.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
    enum First {
        Ping,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]
    enum Other {
        Pang,
    }

    #[test]
    fn guards_of_two_enums_dropped_out_of_order_leave_no_default_behind() {
        let ev = Recorder::<First>::new();
        let other = Recorder::<Other>::new();
        let first = ev.install_scoped();
        let second = other.install_scoped();
        assert_eq!(Other::__installed_defaults().load(Ordering::Relaxed), 1);
        // Dropping the first guard removes what was installed after it too,
        // and each enum's count of installed defaults goes down with it.
        drop(first);
        assert_eq!(First::__installed_defaults().load(Ordering::Relaxed), 0);
        assert_eq!(Other::__installed_defaults().load(Ordering::Relaxed), 0);
        emit!(First::Ping);
        emit!(Other::Pang);
        drop(second);
        assert_eq!(ev.count(First::Ping), 0);
        assert_eq!(other.count(Other::Pang), 0);
        assert_eq!(Other::__installed_defaults().load(Ordering::Relaxed), 0);
    }

    #[test]
    fn the_global_default_reaches_every_thread_until_cleared() {
        let recorder = Recorder::<Global>::new();
        assert!(set_global_default(recorder.bus()).is_none());
        std::thread::spawn(|| emit!(Global::Pong)).join().unwrap();
        assert!(clear_global_default::<Global>().is_some());
        emit!(Global::Pong);
        assert_eq!(recorder.count(Global::Pong), 1);
        assert!(clear_global_default::<Global>().is_none());
    }
}
