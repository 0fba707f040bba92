//! Room history on disk: an SQLite file written by one thread, so that the
//! event loop never waits on the disk.
//!
//! Contract:
//! 1. [`Store::save`] never blocks: batches go through a bounded queue; when
//!    it is full the batch is dropped and counted, and the writer says so in
//!    the log once it catches up (the events stay in memory either way).
//! 2. The writer commits one transaction per batch it takes (many events
//!    per commit, WAL journal), with cached prepared statements.
//! 3. Each room keeps at most the configured number of events on disk too:
//!    older rows are deleted in the same transaction. Rows older than the
//!    age limit are deleted when the loop's sweep says so ([`StoreOp::Expire`])
//!    and at open; a room's rows go with the room ([`StoreOp::Forget`]), a
//!    deleted message's row with it ([`StoreOp::Redact`]).
//!    `secure_delete` is on, so deleted text does not linger in free pages.
//! 4. Only room events are stored; private messages never touch the disk.
//! 5. At open only what the limits allow is read back: the newest `lines`
//!    events of the `max_targets` rooms written to most recently, none older
//!    than `max_age`. The age limit is kept in the file too, so a transcript
//!    exported from it keeps to the same window.
//! 6. One server per file: `history.lock` beside it holds the writer's PID
//!    under an exclusive lock for as long as the store is open; a second
//!    server refuses to start rather than merge two rooms' histories.
//! 7. A file that is not a database (or is damaged beyond opening) is moved
//!    aside to `<name>.broken-<unix time>`, with one warning, and a new one
//!    is started: a class must not wait on a damaged file.
//! 8. The layout is versioned with `PRAGMA user_version` ([`SCHEMA_VERSION`]);
//!    a file from before the version was kept is brought forward and stamped,
//!    and a file from a newer server is refused, not rewritten.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;

use rusqlite::{params, Connection, OpenFlags};

use super::history::{Event, Limits};

/// What the loop asks of the history file, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreOp {
    /// Keep a room event.
    Insert(Event),
    /// A room ended: delete everything it said.
    Forget(String),
    /// Delete every event before this time (Unix ms): the age limit.
    Expire(u64),
    /// A message was deleted (REDACT): (room, msgid).
    Redact(String, String),
    /// A room's setting to keep across restarts (the server's own room's
    /// private-chat rule); `None` deletes it.
    RoomSetting {
        room: String,
        key: String,
        value: Option<String>,
    },
}

/// Most room settings read back at start.
const MAX_SETTINGS: i64 = 256;

/// Batches waiting for the writer (each is one loop turn's events).
const QUEUE: usize = 1024;

/// The layout this code writes (contract 8): 1 is the `events` table with
/// its two indexes and the `meta` table.
pub const SCHEMA_VERSION: i64 = 1;

/// Why the history file could not be used.
#[derive(Debug)]
pub enum StoreError {
    Dir(PathBuf, std::io::Error),
    Sql(PathBuf, rusqlite::Error),
    Thread(std::io::Error),
    /// Another server holds the lock on this folder (contract 6).
    Locked(PathBuf),
    /// The file was written by a newer server (its `user_version`).
    Newer(PathBuf, i64),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Dir(p, e) => write!(f, "cannot create the folder {}: {e}", p.display()),
            StoreError::Sql(p, e) => write!(f, "cannot use the history file {}: {e}", p.display()),
            StoreError::Thread(e) => write!(f, "cannot start the history writer: {e}"),
            StoreError::Locked(dir) => write!(
                f,
                "another banter-server is using the data folder {}; stop it, or give this one its own --data-dir",
                dir.display()
            ),
            StoreError::Newer(p, v) => write!(
                f,
                "the history file {} is from a newer banter-server (layout {v}, this one knows {SCHEMA_VERSION}); use that version, or --no-history-file",
                p.display()
            ),
        }
    }
}

impl std::error::Error for StoreError {}

/// See the module contract.
pub struct Store {
    tx: Option<SyncSender<Vec<StoreOp>>>,
    thread: Option<JoinHandle<()>>,
    dropped: Arc<AtomicU64>,
    /// Held (locked) until the writer has finished (contract 6).
    _lock: std::fs::File,
    /// (room, key, value) read at open, until taken.
    room_settings: Vec<(String, String, String)>,
}

fn open(path: &Path, flags: OpenFlags) -> Result<Connection, StoreError> {
    let sql = |e| StoreError::Sql(path.to_owned(), e);
    let conn = Connection::open_with_flags(path, flags).map_err(sql)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(sql)?;
    Ok(conn)
}

fn create_schema(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA secure_delete = ON;
         CREATE TABLE IF NOT EXISTS events (
             id      INTEGER PRIMARY KEY,
             target  TEXT NOT NULL,
             msgid   TEXT NOT NULL,
             time_ms INTEGER NOT NULL,
             source  TEXT NOT NULL,
             command TEXT NOT NULL,
             params  TEXT NOT NULL
         );
         CREATE INDEX IF NOT EXISTS events_by_target ON events (target, id);
         CREATE INDEX IF NOT EXISTS events_by_time ON events (time_ms);
         CREATE TABLE IF NOT EXISTS meta (
             key   TEXT PRIMARY KEY,
             value INTEGER NOT NULL
         );",
    )
}

/// Takes the folder's lock and writes our PID into it (contract 6).
fn lock(dir: &Path) -> Result<std::fs::File, StoreError> {
    use std::io::Write;
    let path = dir.join("history.lock");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| StoreError::Dir(path.clone(), e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => return Err(StoreError::Locked(dir.to_owned())),
        Err(std::fs::TryLockError::Error(e)) => return Err(StoreError::Dir(path, e)),
    }
    // The PID is for a person looking at the folder; the lock is what counts.
    let _ = file
        .set_len(0)
        .and_then(|()| writeln!(file, "{}", std::process::id()));
    Ok(file)
}

/// Opens the file and brings its layout to [`SCHEMA_VERSION`] (contract 8).
fn open_current(path: &Path) -> Result<Connection, StoreError> {
    let sql = |e| StoreError::Sql(path.to_owned(), e);
    let conn = open(path, OpenFlags::default())?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(sql)?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::Newer(path.to_owned(), version));
    }
    // Version 0 is a new file or one from before versions were kept, whose
    // `events` table is today's: the statements add what it lacks.
    create_schema(&conn).map_err(sql)?;
    conn.pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(sql)?;
    Ok(conn)
}

/// Whether an error means the file is not a usable database at all.
fn is_damaged(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::Sql(_, rusqlite::Error::SqliteFailure(f, _))
            if matches!(
                f.code,
                rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt
            )
    )
}

/// Moves a damaged file (and its journal) aside (contract 7).
fn move_aside(path: &Path, why: &StoreError) -> Result<(), StoreError> {
    let stamp = crate::clock::unix_ms() / 1000;
    let mut aside = path.as_os_str().to_owned();
    aside.push(format!(".broken-{stamp}"));
    let aside = PathBuf::from(aside);
    std::fs::rename(path, &aside).map_err(|e| StoreError::Dir(path.to_owned(), e))?;
    for suffix in ["-wal", "-shm"] {
        let mut from = path.as_os_str().to_owned();
        from.push(suffix);
        let mut to = aside.as_os_str().to_owned();
        to.push(suffix);
        let _ = std::fs::rename(PathBuf::from(from), PathBuf::from(to));
    }
    log::warn!(
        "history: {why}; moved it to {} and starting a new history file",
        aside.display()
    );
    Ok(())
}

/// IRC parameters cannot hold a line feed, so one joins them unambiguously.
fn join_params(params: &[String]) -> String {
    params.join("\n")
}

fn split_params(joined: &str) -> Vec<String> {
    if joined.is_empty() {
        return Vec::new();
    }
    joined.split('\n').map(str::to_owned).collect()
}

fn row_event(row: &rusqlite::Row<'_>) -> rusqlite::Result<Event> {
    let time: i64 = row.get(2)?;
    let params: String = row.get(5)?;
    Ok(Event {
        target: row.get(0)?,
        msgid: row.get(1)?,
        time_ms: u64::try_from(time).unwrap_or(0),
        source: row.get(3)?,
        command: row.get(4)?,
        params: split_params(&params),
    })
}

/// The age limit in milliseconds as the file keeps it (0: none).
fn age_ms(limits: &Limits) -> u64 {
    limits
        .max_age
        .map_or(0, |a| u64::try_from(a.as_millis()).unwrap_or(u64::MAX))
}

fn sql_int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store {
    /// Opens (creating it and its folder if needed) the history file, deletes
    /// what is older than the age limit at `now_ms`, reads back what the
    /// limits allow (contract 5), and starts the writer.
    pub fn open(
        path: &Path,
        limits: Limits,
        now_ms: u64,
    ) -> Result<(Store, Vec<Event>), StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Dir(dir.to_owned(), e))?;
        }
        let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
            Some(dir) => dir.to_owned(),
            None => PathBuf::from("."),
        };
        let lock = lock(&dir)?;
        let sql = |e| StoreError::Sql(path.to_owned(), e);
        let mut conn = match open_current(path) {
            Err(e) if is_damaged(&e) => {
                move_aside(path, &e)?;
                open_current(path)?
            }
            other => other?,
        };
        let age = age_ms(&limits);
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('max_age_ms', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![sql_int(age)],
        )
        .map_err(sql)?;
        if age > 0 {
            write_batch(
                &mut conn,
                &[StoreOp::Expire(now_ms.saturating_sub(age))],
                limits.lines,
            )
            .map_err(sql)?;
        }
        let loaded = load(&conn, &limits).map_err(sql)?;
        let room_settings = load_room_settings(&conn).map_err(sql)?;
        let keep = limits.lines;
        let (tx, rx) = sync_channel(QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&dropped);
        let at = path.to_owned();
        let thread = std::thread::Builder::new()
            .name("banter-history".into())
            .spawn(move || writer(conn, rx, keep, counter, at))
            .map_err(StoreError::Thread)?;
        Ok((
            Store {
                tx: Some(tx),
                thread: Some(thread),
                dropped,
                _lock: lock,
                room_settings,
            },
            loaded,
        ))
    }

    /// The room settings read at open (once).
    pub fn take_room_settings(&mut self) -> Vec<(String, String, String)> {
        std::mem::take(&mut self.room_settings)
    }

    /// Hands a batch to the writer without waiting (contract 1).
    pub fn save(&self, batch: Vec<StoreOp>) {
        let Some(tx) = &self.tx else { return };
        match tx.try_send(batch) {
            Ok(()) => {}
            Err(TrySendError::Full(batch)) => {
                let events = batch
                    .iter()
                    .filter(|op| matches!(op, StoreOp::Insert(_)))
                    .count();
                self.dropped.fetch_add(events as u64, Ordering::Relaxed);
            }
            Err(TrySendError::Disconnected(_)) => {}
        }
    }

    /// Writes what is queued and stops the writer.
    pub fn close(mut self) {
        self.shut();
    }

    fn shut(&mut self) {
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.shut();
    }
}

/// Contract 5. Rooms come least recently written first, so that pushing
/// them in order gives memory the same recency as the file.
/// `room/<room>/<key>` rows of the meta table: (room, key, value).
fn load_room_settings(conn: &Connection) -> rusqlite::Result<Vec<(String, String, String)>> {
    let mut rows = conn.prepare("SELECT key, value FROM meta WHERE key LIKE 'room/%' LIMIT ?1")?;
    let found = rows.query_map(params![MAX_SETTINGS], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in found {
        let (name, value) = row?;
        let parsed = name
            .strip_prefix("room/")
            .and_then(|rest| rest.rsplit_once('/'));
        if let Some((room, key)) = parsed {
            out.push((room.to_owned(), key.to_owned(), value));
        }
    }
    Ok(out)
}

fn load(conn: &Connection, limits: &Limits) -> rusqlite::Result<Vec<Event>> {
    let mut targets = conn.prepare(
        "SELECT target FROM
           (SELECT target, MAX(id) AS newest FROM events GROUP BY target
            ORDER BY newest DESC LIMIT ?1)
         ORDER BY newest",
    )?;
    let targets: Vec<String> = targets
        .query_map(params![sql_int(limits.max_targets as u64)], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut rows = conn.prepare(
        "SELECT target, msgid, time_ms, source, command, params FROM
           (SELECT * FROM events WHERE target = ?1 ORDER BY id DESC LIMIT ?2)
         ORDER BY id",
    )?;
    let mut all = Vec::new();
    for t in targets {
        let limit = sql_int(limits.lines as u64);
        for e in rows.query_map(params![t, limit], row_event)? {
            all.push(e?);
        }
    }
    Ok(all)
}

fn writer(
    mut conn: Connection,
    rx: Receiver<Vec<StoreOp>>,
    keep: usize,
    dropped: Arc<AtomicU64>,
    path: PathBuf,
) {
    while let Ok(mut batch) = rx.recv() {
        // Whatever else is already waiting goes into the same transaction.
        while let Ok(more) = rx.try_recv() {
            batch.extend(more);
        }
        if let Err(e) = write_batch(&mut conn, &batch, keep) {
            let events = batch
                .iter()
                .filter(|op| matches!(op, StoreOp::Insert(_)))
                .count();
            log::error!(
                "history: {events} events not saved to {}: {e}",
                path.display()
            );
        }
        let lost = dropped.swap(0, Ordering::Relaxed);
        if lost > 0 {
            log::warn!("history: the disk fell behind; {lost} events were kept in memory only");
        }
    }
}

fn write_batch(conn: &mut Connection, batch: &[StoreOp], keep: usize) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO events (target, msgid, time_ms, source, command, params)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut forget = tx.prepare_cached("DELETE FROM events WHERE target = ?1")?;
        let mut expire = tx.prepare_cached("DELETE FROM events WHERE time_ms < ?1")?;
        let mut redact =
            tx.prepare_cached("DELETE FROM events WHERE target = ?1 AND msgid = ?2")?;
        let mut set = tx.prepare_cached(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )?;
        let mut unset = tx.prepare_cached("DELETE FROM meta WHERE key = ?1")?;
        let mut touched: Vec<&str> = Vec::new();
        for op in batch {
            match op {
                StoreOp::Insert(e) => {
                    insert.execute(params![
                        e.target,
                        e.msgid,
                        sql_int(e.time_ms),
                        e.source,
                        e.command,
                        join_params(&e.params)
                    ])?;
                    touched.push(&e.target);
                }
                StoreOp::Forget(target) => {
                    forget.execute(params![target])?;
                }
                StoreOp::Expire(before) => {
                    expire.execute(params![sql_int(*before)])?;
                }
                StoreOp::Redact(target, msgid) => {
                    redact.execute(params![target, msgid])?;
                }
                StoreOp::RoomSetting { room, key, value } => {
                    let name = format!("room/{room}/{key}");
                    match value {
                        Some(v) => set.execute(params![name, v])?,
                        None => unset.execute(params![name])?,
                    };
                }
            }
        }
        let mut prune = tx.prepare_cached(
            "DELETE FROM events WHERE target = ?1 AND id <=
               (SELECT id FROM events WHERE target = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
        )?;
        touched.sort_unstable();
        touched.dedup();
        let keep = i64::try_from(keep).unwrap_or(i64::MAX);
        for t in touched {
            prune.execute(params![t, keep])?;
        }
    }
    tx.commit()
}

/// A room's stored events between two times (Unix ms, inclusive), oldest
/// first, read from the file without writing to it: for transcripts. Nothing
/// older than the server's age limit at `now_ms` is read (contract 5), even
/// from a file the server has not pruned yet.
pub fn read_room(
    path: &Path,
    folded_room: &str,
    from_ms: u64,
    to_ms: u64,
    now_ms: u64,
) -> Result<Vec<Event>, StoreError> {
    let conn = open(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let sql = |e| StoreError::Sql(path.to_owned(), e);
    // A file from before the age limit was kept has no meta table: no limit.
    let age: i64 = conn
        .query_row("SELECT value FROM meta WHERE key = 'max_age_ms'", [], |r| {
            r.get(0)
        })
        .unwrap_or(0);
    let age = u64::try_from(age).unwrap_or(0);
    let from_ms = if age > 0 {
        from_ms.max(now_ms.saturating_sub(age))
    } else {
        from_ms
    };
    let mut q = conn
        .prepare(
            "SELECT target, msgid, time_ms, source, command, params FROM events
             WHERE target = ?1 AND time_ms BETWEEN ?2 AND ?3 ORDER BY id",
        )
        .map_err(sql)?;
    let from = i64::try_from(from_ms).unwrap_or(i64::MAX);
    let to = i64::try_from(to_ms).unwrap_or(i64::MAX);
    let rows = q
        .query_map(params![folded_room, from, to], row_event)
        .map_err(sql)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(sql)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(target: &str, n: u64) -> Event {
        Event {
            target: target.into(),
            msgid: format!("m{n}"),
            time_ms: 1000 + n,
            source: "a!u@h".into(),
            command: "PRIVMSG".into(),
            params: vec![target.into(), format!("hello {n}, 小明")],
        }
    }

    fn limits(lines: usize) -> Limits {
        Limits {
            lines,
            ..Limits::default()
        }
    }

    fn inserts(events: impl IntoIterator<Item = Event>) -> Vec<StoreOp> {
        events.into_iter().map(StoreOp::Insert).collect()
    }

    #[test]
    fn events_survive_a_reopen_and_rooms_stay_bounded() {
        let dir = std::env::temp_dir().join(format!("banter-store-{}", std::process::id()));
        let path = dir.join("nested").join("history.sqlite3");
        let _ = std::fs::remove_dir_all(&dir);
        let (store, loaded) = Store::open(&path, limits(5), 0).expect("open");
        assert!(loaded.is_empty());
        store.save(inserts((0..4).map(|n| ev("#a", n))));
        store.save(inserts((4..8).map(|n| ev("#a", n))));
        store.save(inserts([
            ev("#b", 100),
            Event {
                params: vec![],
                ..ev("#b", 101)
            },
        ]));
        store.close();

        let (store, loaded) = Store::open(&path, limits(5), 0).expect("reopen");
        let a: Vec<&str> = loaded
            .iter()
            .filter(|e| e.target == "#a")
            .map(|e| e.msgid.as_str())
            .collect();
        assert_eq!(a, ["m3", "m4", "m5", "m6", "m7"]);
        let b: Vec<&Event> = loaded.iter().filter(|e| e.target == "#b").collect();
        assert_eq!(b.len(), 2);
        assert_eq!(b[0], &ev("#b", 100));
        assert!(b[1].params.is_empty());
        drop(store);

        let range = read_room(&path, "#a", 1005, 1006, 0).expect("read");
        assert_eq!(range.len(), 2);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_age_limit_and_an_ended_room_delete_rows_and_bound_what_is_read() {
        let dir = std::env::temp_dir().join(format!("banter-store-age-{}", std::process::id()));
        let path = dir.join("history.sqlite3");
        let _ = std::fs::remove_dir_all(&dir);
        let aged = Limits {
            max_age: Some(std::time::Duration::from_millis(50)),
            ..limits(100)
        };
        let (store, _) = Store::open(&path, limits(100), 0).expect("open");
        store.save(inserts((0..10).map(|n| ev("#a", n))));
        store.save(inserts((0..3).map(|n| ev("#gone", n))));
        store.save(vec![StoreOp::Forget("#gone".into())]);
        store.close();
        let count = |target: &str| -> i64 {
            let conn = Connection::open(&path).expect("inspect");
            conn.query_row(
                "SELECT COUNT(*) FROM events WHERE target = ?1",
                [target],
                |r| r.get(0),
            )
            .expect("count")
        };
        assert_eq!(count("#gone"), 0, "an ended room's rows are deleted");
        assert_eq!(count("#a"), 10);

        // Without an age limit all of it comes back;
        let (store, loaded) = Store::open(&path, limits(100), 0).expect("reopen");
        assert_eq!(loaded.len(), 10);
        drop(store);
        let (store, loaded) = Store::open(&path, aged, 1_057).expect("reopen aged");
        // with one, a restart reads and keeps only what is younger than 50 ms,
        let ids: Vec<&str> = loaded.iter().map(|e| e.msgid.as_str()).collect();
        assert_eq!(ids, ["m7", "m8", "m9"]);
        assert_eq!(count("#a"), 3, "pruned at open");
        store.save(vec![StoreOp::Expire(1_009)]);
        store.close();
        assert_eq!(count("#a"), 1);
        // and the export keeps to the limit the server last ran with.
        assert_eq!(
            read_room(&path, "#a", 0, u64::MAX / 2, 1_059)
                .expect("read")
                .len(),
            1
        );
        assert!(read_room(&path, "#a", 0, u64::MAX / 2, 1_060)
            .expect("read")
            .is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_older_file_is_stamped_and_a_newer_one_refused() {
        let dir = std::env::temp_dir().join(format!("banter-store-ver-{}", std::process::id()));
        let path = dir.join("history.sqlite3");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        {
            // The layout before versions were kept: no meta table, no time index.
            let conn = Connection::open(&path).expect("old file");
            conn.execute_batch(
                "CREATE TABLE events (
                     id INTEGER PRIMARY KEY, target TEXT NOT NULL, msgid TEXT NOT NULL,
                     time_ms INTEGER NOT NULL, source TEXT NOT NULL,
                     command TEXT NOT NULL, params TEXT NOT NULL);
                 CREATE INDEX events_by_target ON events (target, id);
                 INSERT INTO events (target, msgid, time_ms, source, command, params)
                 VALUES ('#a', 'm1', 1001, 'a!u@h', 'PRIVMSG', '#a
old');",
            )
            .expect("old layout");
        }
        let (store, loaded) = Store::open(&path, limits(5), 0).expect("migrate");
        assert_eq!(loaded.len(), 1, "its events are kept");
        store.close();
        let version = |p: &Path| -> i64 {
            Connection::open(p)
                .expect("inspect")
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .expect("version")
        };
        assert_eq!(version(&path), SCHEMA_VERSION);

        Connection::open(&path)
            .expect("inspect")
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("stamp newer");
        let err = Store::open(&path, limits(5), 0).err().expect("refused");
        assert!(matches!(err, StoreError::Newer(_, 2)), "{err}");
        assert!(err.to_string().contains("--no-history-file"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_damaged_file_is_moved_aside_and_a_second_writer_is_refused() {
        let dir = std::env::temp_dir().join(format!("banter-store-bad-{}", std::process::id()));
        let path = dir.join("history.sqlite3");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let junk = b"this is a spreadsheet, not a database".repeat(200);
        std::fs::write(&path, &junk).expect("junk");
        let (store, loaded) = Store::open(&path, limits(5), 0).expect("a new file");
        assert!(loaded.is_empty());
        let aside: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("list")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.to_string_lossy().contains("history.sqlite3.broken-"))
            .collect();
        assert_eq!(aside.len(), 1, "{aside:?}");
        assert_eq!(std::fs::read(&aside[0]).expect("kept"), junk);

        let err = Store::open(&path, limits(5), 0).err().expect("locked");
        assert!(matches!(err, StoreError::Locked(_)), "{err}");
        let line = err.to_string();
        assert!(line.contains(&dir.display().to_string()) && line.contains("--data-dir"));
        let pid = std::fs::read_to_string(dir.join("history.lock")).expect("lock file");
        assert_eq!(pid.trim(), std::process::id().to_string());
        store.close();
        let (store, _) = Store::open(&path, limits(5), 0).expect("free once closed");
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
