//! Driving the real window through Slint's testing backend: run its event
//! loop until something shows, and find controls by accessible label.

use std::rc::Rc;
use std::time::{Duration, Instant};

use banter::client::ui::AppWindow;
use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementRoot};
use slint::ComponentHandle;

/// Runs the UI event loop until `done` holds; fails after 30 s.
#[track_caller]
pub fn pump_until(what: &str, done: impl Fn() -> bool + 'static) {
    let done = Rc::new(done);
    let deadline = Instant::now() + Duration::from_secs(30);
    let timer = slint::Timer::default();
    let check = done.clone();
    timer.start(
        slint::TimerMode::Repeated,
        Duration::from_millis(5),
        move || {
            if check() || Instant::now() > deadline {
                let _ = slint::quit_event_loop();
            }
        },
    );
    // A quit left over from an earlier pump can end a run early: run again.
    while !done() && Instant::now() <= deadline {
        slint::run_event_loop_until_quit().expect("event loop");
    }
    assert!(done(), "timed out waiting for: {what}");
}

/// The control labelled `label` (plain text with the same words is skipped).
#[track_caller]
pub fn element(window: &AppWindow, label: &str) -> ElementHandle {
    ElementHandle::find_by_accessible_label(window, label)
        .find(|e| e.accessible_role() != Some(AccessibleRole::Text))
        .unwrap_or_else(|| panic!("no control labelled {label:?}"))
}

/// Whether some element's accessible label satisfies `pred`.
pub fn has_label(window: &AppWindow, pred: impl Fn(&str) -> bool + 'static) -> bool {
    window
        .root_element()
        .query_descendants()
        .match_predicate(move |e| e.accessible_label().is_some_and(|l| pred(&l)))
        .find_first()
        .is_some()
}

/// How many elements are labelled `label`.
pub fn count_labels(window: &AppWindow, label: &str) -> usize {
    ElementHandle::find_by_accessible_label(window, label).count()
}

/// Whether a control (not plain text) labelled `label` is on screen.
pub fn has_control(window: &AppWindow, label: &str) -> bool {
    ElementHandle::find_by_accessible_label(window, label)
        .any(|e| e.accessible_role() != Some(AccessibleRole::Text))
}

/// Clicks the control labelled `label`.
#[track_caller]
pub fn click(window: &AppWindow, label: &str) {
    element(window, label).invoke_accessible_default_action();
}

/// Waits until a label satisfying `pred` shows.
#[track_caller]
pub fn wait_for_label(window: &AppWindow, what: &str, pred: impl Fn(&str) -> bool + 'static) {
    let w = slint::ComponentHandle::clone_strong(window);
    let pred = Rc::new(pred);
    pump_until(what, move || {
        let pred = pred.clone();
        has_label(&w, move |l| pred(l))
    });
}

/// Whether the control labelled `label` lies wholly inside the window, so a
/// click can reach it (not cut off by a small window).
pub fn on_screen(window: &AppWindow, label: &str) -> bool {
    let size = window
        .window()
        .size()
        .to_logical(window.window().scale_factor());
    ElementHandle::find_by_accessible_label(window, label)
        .filter(|e| e.accessible_role() != Some(AccessibleRole::Text))
        .any(|e| {
            let at = e.absolute_position();
            let of = e.size();
            of.width > 0.0
                && of.height > 0.0
                && at.x >= 0.0
                && at.y >= 0.0
                && at.x + of.width <= size.width + 0.5
                && at.y + of.height <= size.height + 0.5
        })
}
