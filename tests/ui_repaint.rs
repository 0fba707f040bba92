//! What the screen shows matches the state: the real window markup drawn by
//! Slint's software renderer the way winit-software draws it (only what
//! changed, into the previous frame), compared with a full redraw after
//! every change. A room's heading was once seen stuck at "26 people" while
//! 40 were listed, until a resize redrew the window; a stale region shows
//! here as pixels that differ. Its own file: the platform is set once per
//! process.
#![cfg(feature = "gui")]

use std::rc::Rc;

use banter::client::ui::{AppWindow, ChatAdapter, MemberItem, Screen};
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType, Rgb565Pixel};
use slint::platform::{Platform, WindowAdapter};
use slint::{ComponentHandle, ModelRc, PhysicalSize, VecModel};

struct OneWindow(Rc<MinimalSoftwareWindow>);

impl Platform for OneWindow {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(self.0.clone())
    }
}

/// Draws what changed into `frame`, then the whole window afresh; returns
/// how many pixels the two differ in (stale), and how many the change
/// altered (so that a comparison which sees nothing cannot pass).
fn stale_pixels(
    window: &MinimalSoftwareWindow,
    frame: &mut [Rgb565Pixel],
    width: usize,
) -> (usize, usize) {
    let before = frame.to_vec();
    slint::platform::update_timers_and_animations();
    window.draw_if_needed(|r| {
        r.render(frame, width);
    });
    let mut fresh = vec![Rgb565Pixel::default(); frame.len()];
    window.request_redraw();
    let drawn = window.draw_if_needed(|r| {
        r.set_repaint_buffer_type(RepaintBufferType::NewBuffer);
        r.render(&mut fresh, width);
        r.set_repaint_buffer_type(RepaintBufferType::ReusedBuffer);
    });
    assert!(drawn, "a full redraw was asked for");
    let differ = |a: &[Rgb565Pixel]| a.iter().zip(&fresh).filter(|(a, b)| a.0 != b.0).count();
    let (stale, changed) = (differ(frame), differ(&before));
    frame.copy_from_slice(&fresh);
    (stale, changed)
}

fn member(i: usize) -> MemberItem {
    MemberItem {
        nick: format!("学生{i}").into(),
        name_index: i as i32,
        ..Default::default()
    }
}

#[test]
fn partial_repaints_match_a_full_redraw() {
    let window = MinimalSoftwareWindow::new(RepaintBufferType::ReusedBuffer);
    slint::platform::set_platform(Box::new(OneWindow(window.clone()))).expect("platform");
    let app = AppWindow::new().expect("window");
    app.set_screen(Screen::Chat);
    app.show().expect("show");
    let chat = app.global::<ChatAdapter>();
    chat.set_room_title("#lobby".into());
    let members = Rc::new(VecModel::<MemberItem>::default());
    chat.set_members(ModelRc::from(members.clone()));

    // The window's usual size (the heading) and its minimum (the count on
    // the button that opens the people drawer).
    for (width, height) in [(960usize, 640usize), (560, 420)] {
        window.set_size(PhysicalSize::new(width as u32, height as u32));
        let mut frame = vec![Rgb565Pixel::default(); width * height];
        stale_pixels(&window, &mut frame, width);
        // One by one, 40 arrive; 23 leave; the rest go and two come back.
        let counts = (1..=40).chain((17..40).rev()).chain([1, 2]);
        for n in counts {
            members.set_vec((0..n).map(member).collect::<Vec<_>>());
            let (stale, changed) = stale_pixels(&window, &mut frame, width);
            assert!(
                changed > 0,
                "the count shows with {n} members at {width}×{height}"
            );
            assert_eq!(
                stale, 0,
                "{stale} stale pixels with {n} members at {width}×{height}"
            );
        }
    }
}
