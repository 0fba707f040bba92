//! `banter-server`: parses the command line, sets up logging, runs the server.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use banter::logging::{QueueLogger, QUEUE_LEN};
use banter::server::{Config, FloodConfig, Server};
use clap::Parser;
use log::LevelFilter;

/// A lightweight chat room server. Any IRC client (irssi, WeeChat, HexChat)
/// and the Banter desktop client can connect to it.
#[derive(Debug, Parser)]
#[command(name = "banter-server", version, about)]
struct Args {
    /// Address to listen on (0.0.0.0 for every IPv4 interface, :: for IPv6).
    #[arg(long, default_value = "0.0.0.0")]
    bind: IpAddr,
    /// TCP port to listen on.
    #[arg(long, default_value_t = 6667)]
    port: u16,
    /// The permanent room, created at start and never removed.
    #[arg(long, default_value = "#lobby")]
    room: String,
    /// Message of the day: the text itself, or the path of a file holding it.
    /// An empty value means no MOTD.
    #[arg(long)]
    motd: Option<String>,
    /// Password clients must give (IRC PASS) to connect.
    #[arg(long)]
    password: Option<String>,
    /// Most connections at once.
    #[arg(long, default_value_t = 4096)]
    max_clients: usize,
    /// Most connections from one IP address (0: no limit).
    #[arg(long, default_value_t = 64)]
    max_per_ip: usize,
    /// Most rooms on the server.
    #[arg(long, default_value_t = 1000)]
    max_channels: usize,
    /// Most rooms one user may be in.
    #[arg(long, default_value_t = 50)]
    max_joined: usize,
    /// Most characters in a nickname.
    #[arg(long, default_value_t = 30)]
    nick_len: usize,
    /// Bytes a client may send without a line ending before it is dropped.
    #[arg(long, default_value_t = 8192)]
    recvq: usize,
    /// Bytes queued for a client that is not reading before it is dropped.
    #[arg(long, default_value_t = 1 << 20)]
    sendq: usize,
    /// Lines a client may send at once before flood control slows it down.
    #[arg(long, default_value_t = 10)]
    flood_burst: u32,
    /// Lines per second a client may send after its burst.
    #[arg(long, default_value_t = 4.0)]
    flood_rate: f64,
    /// Turn flood control off (for benchmarks).
    #[arg(long)]
    no_flood_control: bool,
    /// Seconds a new connection has to register.
    #[arg(long, default_value_t = 60)]
    registration_timeout: u64,
    /// Seconds of silence before the server sends a PING.
    #[arg(long, default_value_t = 90)]
    ping_interval: u64,
    /// Seconds of silence before the client is dropped.
    #[arg(long, default_value_t = 150)]
    ping_timeout: u64,
    /// Name the server gives itself in replies.
    #[arg(long, default_value = "banter.local")]
    server_name: String,
    /// Network name shown to clients.
    #[arg(long, default_value = "Banter")]
    network: String,
    /// Console log level: error, warn, info, debug, trace or off.
    #[arg(long, default_value = "info")]
    log_level: LevelFilter,
    /// Also append the log to this file.
    #[arg(long)]
    log_file: Option<String>,
    /// Do not log what people say (joins, leaves and connections are still logged).
    #[arg(long)]
    no_message_log: bool,
}

fn config_from(args: &Args) -> Result<Config, String> {
    let motd = match args.motd.as_deref() {
        None => Config::default().motd,
        Some("") => None,
        Some(text) if Path::new(text).is_file() => {
            let contents = std::fs::read_to_string(text)
                .map_err(|e| format!("cannot read the MOTD file {text}: {e}"))?;
            Some(contents)
        }
        Some(text) => Some(text.to_owned()),
    };
    banter::proto::names::validate_channel(&args.room)
        .map_err(|e| format!("--room {}: {e}", args.room))?;
    if !(args.flood_rate > 0.0 && args.flood_rate.is_finite()) {
        return Err("--flood-rate must be a positive number".into());
    }
    if args.ping_timeout <= args.ping_interval {
        return Err("--ping-timeout must be longer than --ping-interval".into());
    }
    let flood = (!args.no_flood_control).then(|| FloodConfig {
        burst: args.flood_burst.max(1),
        interval: Duration::from_secs_f64(1.0 / args.flood_rate),
    });
    Ok(Config {
        bind: SocketAddr::new(args.bind, args.port),
        server_name: args.server_name.clone(),
        network: args.network.clone(),
        room: args.room.clone(),
        motd,
        password: args.password.clone(),
        max_clients: args.max_clients,
        max_per_ip: args.max_per_ip,
        max_channels: args.max_channels.max(1),
        max_joined: args.max_joined.max(1),
        nick_len: args.nick_len.clamp(1, 64),
        recvq: args.recvq.max(1024),
        sendq: args.sendq.max(4096),
        flood,
        registration_timeout: Duration::from_secs(args.registration_timeout.max(1)),
        ping_interval: Duration::from_secs(args.ping_interval.max(1)),
        ping_timeout: Duration::from_secs(args.ping_timeout.max(2)),
        message_log: !args.no_message_log,
    })
}

/// Logging goes through a queue to its own thread: writing to a stalled
/// stderr must not stall the server (see `banter::logging`).
fn init_logging(args: &Args) -> Result<(), String> {
    let mut outputs: Vec<Box<dyn Write + Send>> = vec![Box::new(BufWriter::new(io::stderr()))];
    if let Some(path) = &args.log_file {
        let file = File::options()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot open the log file {path}: {e}"))?;
        outputs.push(Box::new(BufWriter::new(file)));
    }
    QueueLogger::spawn(args.log_level, QUEUE_LEN, outputs)
        .map_err(|e| format!("cannot start logging: {e}"))?
        .install()
        .map_err(|e| format!("cannot start logging: {e}"))
}

/// Reports a fatal error after the log lines before it.
fn fail(message: &str) -> ExitCode {
    log::logger().flush();
    eprintln!("banter-server: {message}");
    ExitCode::FAILURE
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = init_logging(&args)
        .and_then(|()| config_from(&args))
        .and_then(|config| Server::bind(config).map_err(|e| e.to_string()));
    let server = match result {
        Ok(server) => server,
        Err(e) => return fail(&e),
    };
    let handle = server.handle();
    if let Err(e) = ctrlc::set_handler(move || handle.shutdown()) {
        log::warn!("Ctrl+C will not stop the server cleanly: {e}");
    }
    match server.run() {
        Ok(()) => {
            log::logger().flush();
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!("the event loop failed: {e}")),
    }
}
