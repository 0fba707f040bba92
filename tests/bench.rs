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
        (2 * 20 * 9, 0, 0)
    );

    let mut idle = Options::new(server.addr);
    idle.clients = 30;
    idle.senders = 0;
    idle.hold = Some(Duration::from_millis(200));
    idle.server_pid = Some(std::process::id());
    let report = run(&idle).expect("run");
    assert_eq!(report.clients_connected, 30);
    assert_eq!(report.sent, 0);
    if cfg!(target_os = "linux") {
        assert!(report.server_rss_after_kib.is_some());
    }
}

#[test]
fn refuses_non_loopback_targets() {
    let opts = Options::new("192.0.2.1:6667".parse().unwrap());
    assert!(run(&opts).is_err());
}
