//! `banter-bench`: load any IRC server on this machine and report delivery,
//! order, throughput and latency (see BENCHMARKS.md).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use banter::bench::{run, Options};
use clap::Parser;

/// Load generator for IRC servers on this machine (loopback only).
#[derive(Debug, Parser)]
#[command(name = "banter-bench", version, about)]
struct Args {
    /// Server to load (a loopback address).
    #[arg(long, default_value = "127.0.0.1:6667")]
    addr: SocketAddr,
    /// Connections, all registered and joined to the channel.
    #[arg(long, default_value_t = 100)]
    clients: usize,
    /// How many of them send.
    #[arg(long, default_value_t = 10)]
    senders: usize,
    /// Messages per sender.
    #[arg(long, default_value_t = 1000)]
    messages: usize,
    /// Messages per second per sender (default: as fast as the server takes them).
    #[arg(long)]
    rate: Option<f64>,
    #[arg(long, default_value = "#bench")]
    channel: String,
    /// Idle mode: open this many connections (instead of --clients), send nothing.
    #[arg(long)]
    idle: Option<usize>,
    /// Idle mode: seconds to hold the connections.
    #[arg(long, default_value_t = 5)]
    hold: u64,
    /// Read this server process's memory before and after connecting (Linux).
    #[arg(long)]
    server_pid: Option<u32>,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// Connections set up at once.
    #[arg(long, default_value_t = 200)]
    connect_batch: usize,
    /// Print one JSON line instead of text.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut opts = Options::new(args.addr);
    opts.clients = args.idle.unwrap_or(args.clients);
    opts.senders = if args.idle.is_some() { 0 } else { args.senders };
    opts.messages = args.messages;
    opts.rate = args.rate;
    opts.channel = args.channel;
    opts.hold = args.idle.map(|_| Duration::from_secs(args.hold));
    opts.server_pid = args.server_pid;
    opts.timeout = Duration::from_secs(args.timeout.max(1));
    opts.connect_batch = args.connect_batch.max(1);
    match run(&opts) {
        Ok(report) => {
            if args.json {
                println!("{}", report.to_json());
            } else {
                print!("{}", report.to_text());
            }
            if report.timed_out || report.clients_connected < opts.clients {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("banter-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
