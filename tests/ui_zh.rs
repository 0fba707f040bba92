//! The client in Simplified Chinese, through Slint's testing backend against
//! a real in-process server: the controls are found by their translated
//! accessible labels, the texts Rust builds come out translated too, and the
//! language selector's choice switches everything at once. Its own file
//! because the testing backend is set up once per process.
#![cfg(feature = "gui")]

mod common;

use banter::client::app::{App, Options};
use banter::client::ui::{LoginAdapter, Screen};
use banter::proto::discovery::Mode;
use common::ui::{element, has_label, pump_until};
use common::TestServer;
use slint::ComponentHandle;

#[test]
fn the_client_in_simplified_chinese() {
    i_slint_backend_testing::init_integration_test_with_system_time();
    let server = TestServer::start();
    let mut bob = server.member("bob", "#lobby");

    // No LAN discovery from a test (the rooms list is tested elsewhere).
    let app = App::new(Options {
        discovery: Mode::Off,
        language: Some("zh_CN".into()),
        data_dir: None,
        host_ip: None,
    })
    .expect("build the UI");
    assert_eq!(app.borrow().language(), "zh_CN");
    let window = app.borrow().window();
    window.window().set_size(slint::PhysicalSize::new(960, 640));
    window.show().expect("show");

    // The login form, by its Chinese labels; the selector shows the language.
    let languages = window.global::<LoginAdapter>().get_languages();
    let index = window.global::<LoginAdapter>().get_language_index();
    assert_eq!(
        slint::Model::row_data(&languages, index as usize).as_deref(),
        Some("简体中文")
    );
    element(&window, "语言");
    assert_eq!(
        element(&window, "主题").accessible_value().as_deref(),
        Some("跟随系统")
    );
    element(&window, "在这台电脑上主持聊天室");
    element(&window, "服务器密码");
    element(&window, "服务器地址").set_accessible_value(server.addr.to_string());

    // No name yet: the error Rust builds is Chinese, inside the markup's label.
    element(&window, "登录").invoke_accessible_default_action();
    let w = window.clone_strong();
    pump_until("the empty-name error", move || {
        has_label(&w, |l| l == "登录错误：请先输入昵称。")
    });

    element(&window, "昵称").set_accessible_value("小明");
    element(&window, "登录").invoke_accessible_default_action();
    let w = window.clone_strong();
    pump_until("chat screen", move || w.get_screen() == Screen::Chat);
    let w = window.clone_strong();
    pump_until("bob in the member list", move || {
        has_label(&w, |l| l == "私聊 bob")
    });
    assert_eq!(window.get_chat_title(), "#lobby — 小明 · Banter");
    assert!(has_label(&window, |l| l == "聊天室里有 2 人"));
    element(&window, "发送");
    element(&window, "退出");

    // Notices and messages from the session are Chinese too.
    let _carol = server.member("carol", "#lobby");
    let w = window.clone_strong();
    pump_until("carol's join notice", move || {
        has_label(&w, |l| l == "carol 加入了聊天室")
    });
    bob.send("PRIVMSG #lobby :你好，小明");
    let w = window.clone_strong();
    // It says 小明's name, so it is read out as a mention.
    pump_until("bob's message", move || {
        has_label(&w, |l| {
            l.starts_with("bob（") && l.ends_with("）提到了你：你好，小明")
        })
    });
    bob.send("PRIVMSG #lobby :大家好");
    let w = window.clone_strong();
    pump_until("bob's second message", move || {
        has_label(&w, |l| {
            l.starts_with("bob 在 ") && l.ends_with(" 说：大家好")
        })
    });
    element(&window, "消息").set_accessible_value("/frob");
    element(&window, "发送").invoke_accessible_default_action();
    let w = window.clone_strong();
    pump_until("the unknown-command error", move || {
        has_label(&w, |l| {
            l == "未发送：未知命令 /frob；输入 /help 查看命令列表"
        })
    });

    // The selector's choice switches the markup at once, and Rust's texts
    // from then on.
    window.global::<LoginAdapter>().invoke_choose_language(0);
    assert_eq!(app.borrow().language(), "en");
    let w = window.clone_strong();
    pump_until("English labels", move || {
        has_label(&w, |l| l == "Talk privately with bob")
    });
    element(&window, "Exit");
    element(&window, "Send");
    bob.send("PART #lobby");
    let w = window.clone_strong();
    pump_until("bob's leave notice in English", move || {
        has_label(&w, |l| l == "bob left")
    });
    drop(app);
}
