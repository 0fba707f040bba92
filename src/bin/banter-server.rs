//! `banter-server`: parses the command line, sets up logging, runs the server.

use std::fmt::Display;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Duration;

use banter::logging::{QueueLogger, QUEUE_LEN};
use banter::server::history::Limits;
use banter::server::tls::default_data_dir;
use banter::server::transcript::{self, Format};
use banter::server::{Config, FloodConfig, Server, TlsSettings};
use clap::{Parser, Subcommand, ValueEnum};
use log::LevelFilter;

/// A lightweight chat room server. Any IRC client (irssi, WeeChat, HexChat)
/// and the Banter desktop client can connect to it.
#[derive(Debug, Parser)]
#[command(name = "banter-server", version, about)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    data: DataArgs,
    /// Address to listen on (0.0.0.0 for every IPv4 interface, :: for IPv6).
    #[arg(long, default_value = "0.0.0.0")]
    bind: IpAddr,
    /// TCP port to listen on.
    #[arg(long, default_value_t = 6667)]
    port: u16,
    /// Also serve TLS (ircs://), on --tls-port. Without --tls-cert/--tls-key
    /// the server makes a self-signed certificate on first start, keeps it in
    /// --data-dir and prints its SHA-256 fingerprint.
    #[arg(long)]
    tls: bool,
    /// TCP port for TLS connections [default: 6697]; implies --tls.
    #[arg(long, value_name = "N")]
    tls_port: Option<u16>,
    /// PEM certificate chain for TLS, leaf first; implies --tls, needs --tls-key.
    #[arg(long, value_name = "PATH", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, value_name = "PATH", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// The permanent room, created at start and never removed ("" for none).
    /// Server operators (--oper) are its operators.
    #[arg(long, default_value = "#lobby")]
    room: String,
    /// What people call the room ("7B Maths"), shown in the list of rooms
    /// on the network beside its address.
    #[arg(long, default_value = "", value_parser = title)]
    room_title: String,
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
    /// New connections one IP address may open per minute (0: no limit).
    #[arg(long, default_value_t = 64, value_parser = whole_number::<u32>(0, 1_000_000))]
    connects_per_minute: u32,
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
    /// Do not answer LAN discovery queries (UDP port 6667); the
    /// BANTER_DISCOVERY environment variable (off, loopback, lan) also applies.
    #[arg(long)]
    no_discovery: bool,
    /// Keep room history in memory only (it is gone after a restart).
    #[arg(long)]
    no_history_file: bool,
    /// Most events kept per room.
    #[arg(long, default_value_t = 1000, value_parser = whole_number::<usize>(1, 1_000_000))]
    history_lines: usize,
    /// Most bytes of history kept per room.
    #[arg(long, default_value_t = 1 << 20, value_parser = whole_number::<usize>(4096, 1 << 30))]
    history_bytes: usize,
    /// Forget history older than this many days (0: keep until the line or byte limit).
    #[arg(long, default_value_t = 0, value_parser = whole_number::<u64>(0, 36_500))]
    history_days: u64,
    /// Seconds a lost connection's name and rooms are held for it to come
    /// back (clients with banter.chat/resume, such as Banter's; 0: none).
    #[arg(long, default_value_t = 120, value_parser = whole_number::<u64>(0, 86_400))]
    seat_grace: u64,
    /// Lines of history shown on JOIN to clients that cannot ask for it (0: none).
    #[arg(long, default_value_t = 20, value_parser = whole_number::<usize>(0, 1000))]
    replay_lines: usize,
}

/// Where the server keeps its files.
#[derive(Debug, clap::Args)]
struct DataArgs {
    /// Folder for the server's files (history, the self-signed certificate);
    /// default: $BANTER_DATA_DIR when set, else the system's per-user data
    /// folder (e.g. ~/.local/share/banter).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// The history file (default: history.sqlite3 in the data folder).
    #[arg(long, global = true)]
    history_file: Option<PathBuf>,
}

impl DataArgs {
    /// The data folder (see `--data-dir`).
    fn dir(&self) -> Result<PathBuf, String> {
        match (&self.data_dir, std::env::var_os("BANTER_DATA_DIR")) {
            (Some(d), _) => Ok(d.clone()),
            (None, Some(d)) if !d.is_empty() => Ok(PathBuf::from(d)),
            _ => default_data_dir()
                .ok_or_else(|| "no data folder for this user: give --data-dir".to_owned()),
        }
    }

    fn history_file(&self) -> Result<PathBuf, String> {
        match &self.history_file {
            Some(f) => Ok(f.clone()),
            None => Ok(self.dir()?.join("history.sqlite3")),
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a room's transcript from the history file (run it on the host).
    Export(ExportArgs),
}

#[derive(Debug, clap::Args)]
struct ExportArgs {
    /// The room, e.g. #lobby.
    #[arg(long, default_value = "#lobby")]
    room: String,
    /// From this time (2026-11-22 or 2026-11-22T09:00:00Z, UTC); default: the start.
    #[arg(long, value_parser = time_arg)]
    from: Option<u64>,
    /// Until this time (same forms); default: now.
    #[arg(long, value_parser = time_arg)]
    to: Option<u64>,
    #[arg(long, value_enum, default_value_t = ExportFormat::Text)]
    format: ExportFormat,
    /// Write to this file instead of standard output.
    #[arg(long)]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ExportFormat {
    Text,
    Html,
}

/// Where to answer discovery queries: nowhere with `--no-discovery` or
/// `BANTER_DISCOVERY=off`, this computer only with `loopback` (or a server
/// bound to loopback), every interface otherwise.
fn discovery_addr(args: &Args) -> Option<SocketAddr> {
    if args.no_discovery {
        return None;
    }
    banter::env::discovery_mode().answer_addr(args.bind.is_loopback())
}

/// A time as `YYYY-MM-DD` or a server-time value, in Unix milliseconds.
fn time_arg(text: &str) -> Result<u64, String> {
    let full = if text.len() == 10 {
        format!("{text}T00:00:00.000Z")
    } else {
        text.to_owned()
    };
    banter::proto::time::parse_server_time(&full)
        .ok_or_else(|| "expected a date (2026-11-22) or a time (2026-11-22T09:00:00Z)".into())
}

/// `banter-server export`: the transcript, or why not.
fn export(data: &DataArgs, args: &ExportArgs) -> Result<(), String> {
    let path = data.history_file()?;
    if !path.is_file() {
        return Err(format!("no history file at {}", path.display()));
    }
    let to = args.to.unwrap_or(u64::MAX / 2);
    let events = banter::server::store::read_room(
        &path,
        &banter::proto::names::fold(&args.room),
        args.from.unwrap_or(0),
        to,
        banter::clock::unix_ms(),
    )
    .map_err(|e| e.to_string())?;
    let format = match args.format {
        ExportFormat::Text => Format::Text,
        ExportFormat::Html => Format::Html,
    };
    let text = transcript::render(&args.room, &events, format);
    match &args.output {
        Some(file) => {
            std::fs::write(file, text).map_err(|e| format!("cannot write {}: {e}", file.display()))
        }
        None => io::stdout()
            .write_all(text.as_bytes())
            .map_err(|e| format!("cannot write the transcript: {e}")),
    }
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

/// The TLS listener's settings, when TLS is on; logs where a self-signed
/// certificate came from.
fn tls_from(args: &Args) -> Result<Option<TlsSettings>, String> {
    if !args.tls && args.tls_port.is_none() && args.tls_cert.is_none() {
        return Ok(None);
    }
    let bind = SocketAddr::new(args.bind, args.tls_port.unwrap_or(6697));
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        return TlsSettings::from_pem_files(bind, cert, key)
            .map(Some)
            .map_err(|e| format!("TLS: {e}"));
    }
    let dir = args.data.dir().map_err(|e| format!("TLS: {e}"))?;
    let (settings, created) =
        TlsSettings::self_signed_in(bind, &dir).map_err(|e| format!("TLS: {e}"))?;
    if created {
        log::info!(
            "made a self-signed TLS certificate in {}; clients will ask to trust it \
             the first time they connect",
            dir.display()
        );
    } else {
        log::info!("using the self-signed TLS certificate in {}", dir.display());
    }
    Ok(Some(settings))
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
        room_title: args.room_title.clone(),
        host_name: String::new(),
        motd,
        password: args.password.clone(),
        opers: args.oper.clone(),
        max_clients: args.max_clients,
        max_per_ip: args.max_per_ip,
        connects_per_minute: args.connects_per_minute,
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
        history: Limits {
            lines: args.history_lines,
            bytes: args.history_bytes,
            max_age: (args.history_days > 0)
                .then(|| Duration::from_secs(args.history_days * 86_400)),
            ..Limits::default()
        },
        history_file: if args.no_history_file {
            None
        } else {
            Some(args.data.history_file()?)
        },
        replay_lines: args.replay_lines,
        chathistory_max: Config::default().chathistory_max,
        seat_grace: Duration::from_secs(args.seat_grace),
        discovery: discovery_addr(args),
        tls: tls_from(args)?,
    })
}

/// One line of text, 1 to 100 bytes, no control characters (it is sent in replies).
fn description(text: &str) -> Result<String, String> {
    if text.is_empty() || text.len() > 100 || text.chars().any(char::is_control) {
        return Err("expected one line of 1 to 100 bytes".into());
    }
    Ok(text.to_owned())
}

/// A room's title: up to 60 bytes, no control characters ("" for none).
fn title(text: &str) -> Result<String, String> {
    if text.len() > 60 || text.chars().any(char::is_control) {
        return Err("expected one line of at most 60 bytes".into());
    }
    Ok(text.trim().to_owned())
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
    if let Some(Command::Export(export_args)) = &args.command {
        return match export(&args.data, export_args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&e),
        };
    }
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
