//! banter-bench in a test-sized run: every delivery arrives, in order, nothing
//! lost. Correctness only; speed belongs in BENCHMARKS.md.

mod common;
use std::time::Duration;

use banter::bench::{run, Options};
use common::TestServer;

#[test]
fn every_delivery_arrives_in_order() {
    let server = TestServer::with(|c| c.max_clients = 100);
    let mut opts = Options::new(server.addr);
    opts.clients = 40;
    opts.senders = 5;
    opts.messages = 200;
    opts.timeout = Duration::from_secs(60);
    let report = run(&opts).expect("run");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(!report.timed_out);
    assert_eq!(report.clients_connected, 40);
    assert_eq!(report.sent, 5 * 200);
    assert_eq!(report.expected, 5 * 200 * 39);
    assert_eq!(report.delivered, report.expected);
    assert_eq!(report.lost, 0);
    assert_eq!(report.out_of_order, 0);
    assert!(report.latency_us.max >= report.latency_us.p50);
    assert!(report.to_json().contains("\"lost\":0"));
}

#[test]
fn paced_senders_and_idle_holding() {
    let server = TestServer::start();
    let mut opts = Options::new(server.addr);
    opts.clients = 10;
    opts.senders = 2;
    opts.messages = 20;
    opts.rate = Some(200.0);
    let report = run(&opts).expect("run");
    assert_eq!(
        (report.delivered, report.lost, report.out_of_order),
        (2 * 20 * 9, 0, 0),
        "{:?}",
        report.errors
    );

    let mut idle = Options::new(server.addr);
    idle.clients = 30;
    idle.senders = 0;
    idle.hold = Some(Duration::from_millis(200));
    idle.server_pid = Some(std::process::id());
    // This run follows the first at once, before the server may have seen all
    // of the first run's connections close: its nicknames must not collide.
    let report = run(&idle).expect("run");
    assert_eq!(report.clients_connected, 30, "{:?}", report.errors);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.nick_retries, 0, "each run has nicknames of its own");
    assert_eq!(report.sent, 0);
    if cfg!(target_os = "linux") {
        assert!(report.server_rss_after_kib.is_some());
    }
}

#[test]
fn a_nickname_in_use_is_tried_again() {
    let server = TestServer::start();
    // Two of the nicknames client 0 would take, as a run whose connections
    // the server has not yet seen close would leave them.
    let _first = server.client("taken0");
    let _second = server.client("takex0");
    let mut opts = Options::new(server.addr);
    opts.nick_prefix = Some("taken".into());
    opts.clients = 3;
    opts.senders = 1;
    opts.messages = 5;
    opts.timeout = Duration::from_secs(60);
    let report = run(&opts).expect("run");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(!report.timed_out);
    assert_eq!(report.clients_connected, 3);
    assert_eq!(report.nick_retries, 2);
    assert_eq!((report.delivered, report.lost), (5 * 2, 0));
    assert!(report.to_json().contains("\"nick_retries\":2"));
}

#[test]
fn a_client_that_cannot_get_a_nickname_fails_without_waiting_for_the_server() {
    // The server would keep the unregistered connection for ten minutes; the
    // run gives that client up at once and finishes with the others.
    let server = TestServer::with(|c| c.registration_timeout = Duration::from_secs(600));
    let taken: Vec<_> = ["busy1", "busx1", "busz1", "busw1"]
        .iter()
        .map(|nick| server.client(nick))
        .collect();
    let mut opts = Options::new(server.addr);
    opts.nick_prefix = Some("busy".into());
    opts.clients = 3;
    opts.senders = 0;
    opts.hold = Some(Duration::from_millis(100));
    opts.timeout = Duration::from_secs(60);
    let report = run(&opts).expect("run");
    assert!(!report.timed_out);
    assert_eq!(report.clients_connected, 2);
    assert_eq!(report.nick_retries, 3);
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert!(
        report.errors[0].starts_with("client 1: cannot register:")
            && report.errors[0].contains(" 433 "),
        "{:?}",
        report.errors
    );
    drop(taken);
}

#[test]
fn refuses_non_loopback_targets() {
    let opts = Options::new("192.0.2.1:6667".parse().unwrap());
    assert!(run(&opts).is_err());
}
