//! `banter-server`: parses the command line, sets up logging, runs the server.

use std::fmt::Display;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::process::ExitCode;
use std::str::FromStr;
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
    /// The permanent room, created at start and never removed ("" for none).
    /// Server operators (--oper) are its operators.
    #[arg(long, default_value = "#lobby")]
    room: String,
    /// Message of the day: the text itself, or the path of a file holding it.
    /// An empty value means no MOTD.
    #[arg(long)]
    motd: Option<String>,
    /// Password clients must give (IRC PASS) to connect.
    #[arg(long)]
    password: Option<String>,
    /// Server operator credentials for OPER, as NAME:PASSWORD (repeatable).
    #[arg(long, value_name = "NAME:PASSWORD", value_parser = parse_oper)]
    oper: Vec<(String, String)>,
    /// Most connections at once.
    #[arg(long, default_value_t = 4096, value_parser = whole_number::<usize>(1, 1_000_000))]
    max_clients: usize,
    /// Most connections from one IP address (0: no limit).
    #[arg(long, default_value_t = 64, value_parser = whole_number::<usize>(0, 1_000_000))]
    max_per_ip: usize,
    /// Most rooms on the server.
    #[arg(long, default_value_t = 1000, value_parser = whole_number::<usize>(1, 1_000_000))]
    max_channels: usize,
    /// Most rooms one user may be in.
    #[arg(long, default_value_t = 50, value_parser = whole_number::<usize>(1, 10_000))]
    max_joined: usize,
    /// Most characters in a nickname.
    #[arg(long, default_value_t = 30, value_parser = whole_number::<usize>(1, 64))]
    nick_len: usize,
    /// Bytes a client may send without a line ending before it is dropped.
    #[arg(long, default_value_t = 8192, value_parser = whole_number::<usize>(1024, 1 << 20))]
    recvq: usize,
    /// Bytes queued for a client that is not reading before it is dropped.
    #[arg(long, default_value_t = 1 << 20, value_parser = whole_number::<usize>(4096, 1 << 30))]
    sendq: usize,
    /// Lines a client may send at once before flood control slows it down.
    #[arg(long, default_value_t = 10, value_parser = whole_number::<u32>(1, 10_000))]
    flood_burst: u32,
    /// Lines per second a client may send after its burst.
    #[arg(long, default_value_t = 4.0, value_parser = flood_rate)]
    flood_rate: f64,
    /// Turn flood control off (for benchmarks).
    #[arg(long)]
    no_flood_control: bool,
    /// Seconds a new connection has to register.
    #[arg(long, default_value_t = 60, value_parser = whole_number::<u64>(1, 86_400))]
    registration_timeout: u64,
    /// Seconds of silence before the server sends a PING.
    #[arg(long, default_value_t = 90, value_parser = whole_number::<u64>(1, 86_400))]
    ping_interval: u64,
    /// Seconds of silence before the client is dropped.
    #[arg(long, default_value_t = 150, value_parser = whole_number::<u64>(2, 86_400))]
    ping_timeout: u64,
    /// Name the server gives itself in replies: a host name such as
    /// chat.example.org (letters, digits, '-' and at least one '.').
    #[arg(long, default_value = "banter.local", value_parser = server_name)]
    server_name: String,
    /// Network name shown to clients (no spaces).
    #[arg(long, default_value = "Banter", value_parser = network_name)]
    network: String,
    /// One line about the server, shown by WHOIS and LINKS.
    #[arg(long, default_value = "Banter chat room", value_parser = description)]
    server_description: String,
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

// Bad values are refused rather than adjusted: a server that silently runs
// with other limits than it was given is harder to debug than one that does
// not start.

/// A parser for a whole number in `min..=max`.
fn whole_number<T>(min: T, max: T) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync
where
    T: FromStr + PartialOrd + Display + Copy + Send + Sync + 'static,
{
    move |text| match text.parse::<T>() {
        Ok(n) if min <= n && n <= max => Ok(n),
        _ => Err(format!("expected a whole number from {min} to {max}")),
    }
}

/// Lines per second: finite and within what a person or a bot could mean.
fn flood_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if (0.01..=1000.0).contains(&rate) => Ok(rate),
        _ => Err("expected a number of lines per second from 0.01 to 1000".into()),
    }
}

/// The server's name starts every line it sends, so it must be one IRC word
/// that clients read as a server: a host name with a dot.
fn server_name(text: &str) -> Result<String, String> {
    let host_like = !text.is_empty()
        && text.len() <= 63
        && text.contains('.')
        && text.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if host_like {
        Ok(text.to_owned())
    } else {
        Err(
            "expected a host name such as chat.example.org: letters, digits, '-' and \
             dots, at most 63 bytes"
                .into(),
        )
    }
}

/// The network name goes into ISUPPORT as `NETWORK=<name>`: one word.
fn network_name(text: &str) -> Result<String, String> {
    if !text.is_empty()
        && text.len() <= 64
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        Ok(text.to_owned())
    } else {
        Err("expected a name without spaces, at most 64 bytes".into())
    }
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
    if !args.room.is_empty() {
        banter::proto::names::validate_channel(&args.room)
            .map_err(|e| format!("--room {}: {e}", args.room))?;
    }
    if args.ping_timeout <= args.ping_interval {
        return Err("--ping-timeout must be longer than --ping-interval".into());
    }
    let flood = (!args.no_flood_control).then(|| FloodConfig {
        burst: args.flood_burst,
        interval: Duration::from_secs_f64(1.0 / args.flood_rate),
    });
    Ok(Config {
        bind: SocketAddr::new(args.bind, args.port),
        server_name: args.server_name.clone(),
        network: args.network.clone(),
        description: args.server_description.clone(),
        room: args.room.clone(),
        motd,
        password: args.password.clone(),
        opers: args.oper.clone(),
        max_clients: args.max_clients,
        max_per_ip: args.max_per_ip,
        max_channels: args.max_channels,
        max_joined: args.max_joined,
        nick_len: args.nick_len,
        recvq: args.recvq,
        sendq: args.sendq,
        flood,
        registration_timeout: Duration::from_secs(args.registration_timeout),
        ping_interval: Duration::from_secs(args.ping_interval),
        ping_timeout: Duration::from_secs(args.ping_timeout),
        message_log: !args.no_message_log,
    })
}

/// One line of text, 1 to 100 bytes, no control characters (it is sent in replies).
fn description(text: &str) -> Result<String, String> {
    if text.is_empty() || text.len() > 100 || text.chars().any(char::is_control) {
        return Err("expected one line of 1 to 100 bytes".into());
    }
    Ok(text.to_owned())
}

/// `NAME:PASSWORD` for `--oper`: both non-empty, the name one word.
fn parse_oper(s: &str) -> Result<(String, String), String> {
    match s.split_once(':') {
        Some((name, password))
            if !name.is_empty() && !password.is_empty() && !name.contains(char::is_whitespace) =>
        {
            Ok((name.to_owned(), password.to_owned()))
        }
        _ => Err("expected NAME:PASSWORD, both non-empty, the name without spaces".into()),
    }
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

/// A bad flag value is one line naming the flag, like every other start-up
/// error; `--help`, `--version` and usage mistakes keep clap's own output.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if !matches!(
        e.kind(),
        ErrorKind::ValueValidation | ErrorKind::InvalidValue
    ) {
        let _ = e.print();
        return if e.use_stderr() {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        };
    }
    let text = e.to_string();
    let first = text.lines().next().unwrap_or_default();
    eprintln!("banter-server: {}", first.trim_start_matches("error: "));
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => return usage_error(&e),
    };
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
    #[cfg(windows)]
    if let Err(e) = banter::win::console::shut_down_on_close(server.handle()) {
        log::warn!("closing the console will not stop the server cleanly: {e}");
    }
    match server.run() {
        Ok(()) => {
            log::logger().flush();
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!("the event loop failed: {e}")),
    }
}
