#!/usr/bin/env python3
"""Smoke test of the Windows builds under Wine, on an X display (Xvfb).

1. banter-server.exe runs on 127.0.0.1 with its stderr a pipe nobody reads;
   a flood of messages fills that pipe (every message is logged), and the
   server must keep relaying all of them.
2. banter.exe opens its window, is typed into with xdotool: server address,
   nickname, a message, which must reach the room; a member's reply (with
   Chinese text) shows in the window (--screenshot saves it); typing `exit`
   and confirming ends the client with status 0.
3. The server gets SIGINT, which Wine turns into a console Ctrl+C: the member
   must get the goodbye and the server must end with status 0.
4. With --ctrlsend (scripts/wine/ctrlsend.c built): a second server gets the
   console-close event (CTRL_CLOSE_EVENT), delivered as the Windows console
   host delivers it; again the goodbye and status 0.

Only 127.0.0.1 is used. Run it inside a loopback-only network namespace
(scripts/windows-ci.sh does). Needs: wine, xdotool, DISPLAY set; `import`
(ImageMagick) for --screenshot.
"""

import argparse
import fcntl
import os
import signal
import socket
import subprocess
import sys
import termios
import time

WAIT = 60.0  # generous: the first Wine start in a prefix is slow


def log(text):
    print(f"wine-smoke: {text}", flush=True)


def fail(text):
    print(f"wine-smoke: FAILED: {text}", file=sys.stderr, flush=True)
    sys.exit(1)


class Irc:
    """A blocking IRC client that reads parsed lines with bounded waits."""

    def __init__(self, port, nick):
        self.nick = nick
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        self.buf = b""
        self.send(f"NICK {nick}")
        self.send(f"USER {nick} 0 * :{nick}")
        self.expect(lambda m: m[1] == "001", "welcome")

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def lines(self, deadline):
        while True:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                yield parse(line.rstrip(b"\r").decode("utf-8", "replace"))
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return
            if not data:
                return
            self.buf += data

    def expect(self, pred, what, wait=WAIT):
        for m in self.lines(time.monotonic() + wait):
            if m[1] == "PING":
                self.send("PONG :" + (m[2][-1] if m[2] else ""))
            elif pred(m):
                return m
        fail(f"{self.nick} did not get {what} within {wait:.0f} s")

    def join(self, channel):
        self.send(f"JOIN {channel}")
        self.expect(lambda m: m[1] == "366", f"the end of NAMES for {channel}")


def parse(line):
    """(source nick, command, params) of an IRC line, tags skipped."""
    if line.startswith("@"):
        line = line.split(" ", 1)[1]
    source = ""
    if line.startswith(":"):
        source, line = line[1:].split(" ", 1)
    head, _, trailing = line.partition(" :")
    params = head.split(" ")
    command = params.pop(0)
    if _:
        params.append(trailing)
    return (source.split("!")[0], command, params)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pipe_bytes(f):
    """Bytes waiting unread in a pipe."""
    buf = bytearray(4)
    fcntl.ioctl(f.fileno(), termios.FIONREAD, buf)
    return int.from_bytes(buf, sys.byteorder)


def xdotool(*args, check=True):
    out = subprocess.run(["xdotool", *args], capture_output=True, text=True, timeout=WAIT)
    if check and out.returncode != 0:
        fail(f"xdotool {' '.join(args)}: {out.stderr.strip()}")
    return out.stdout.strip()


def find_window(name, proc):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            fail(f"the client exited with status {proc.returncode} before its window appeared")
        ids = xdotool("search", "--onlyvisible", "--name", name, check=False).split()
        if ids:
            return ids[0]
        time.sleep(0.2)
    fail(f"no window named {name!r} within {WAIT:.0f} s")


def type_text(window, text):
    xdotool("type", "--window", window, "--delay", "40", text)


def key(window, *keys):
    xdotool("key", "--window", window, "--delay", "60", *keys)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--server", required=True, help="banter-server.exe")
    ap.add_argument("--client", required=True, help="banter.exe")
    ap.add_argument("--wine", default="wine")
    ap.add_argument("--nick", default="Wendy")
    ap.add_argument("--fake-hz", help="BANTER_FAKE_REFRESH_HZ for the client")
    ap.add_argument("--screenshot", help="save the chat window here (PNG)")
    ap.add_argument("--ctrlsend", help="ctrlsend.exe, to test closing the console")
    ap.add_argument("--flood", type=int, default=1500, help="messages sent to fill stderr (0: skip that check)")
    args = ap.parse_args()

    env = dict(os.environ, BANTER_DISCOVERY="loopback", WINEDEBUG="-all")
    port = free_port()
    server = subprocess.Popen(
        [args.wine, args.server, "--bind", "127.0.0.1", "--port", str(port),
         "--no-flood-control", "--motd", ""],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        run(args, env, port, server)
    finally:
        if server.poll() is None:
            server.kill()
    if args.ctrlsend:
        close_console(args, env)


def close_console(args, env):
    """4. Closing the console window: goodbyes, then status 0."""
    port = free_port()
    server = subprocess.Popen(
        [args.wine, args.server, "--bind", "127.0.0.1", "--port", str(port), "--motd", ""],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        bob = connect_when_up(port, "bob", server)
        bob.join("#lobby")
        name = os.path.basename(args.server)
        sent = subprocess.run([args.wine, args.ctrlsend, name, "2"], env=env, timeout=WAIT)
        if sent.returncode != 0:
            fail("ctrlsend could not deliver CTRL_CLOSE_EVENT")
        bob.expect(lambda m: m[1] == "ERROR", "the server's goodbye on closing its console")
        expect_exit_0(server, "after its console was closed (the server)")
        log("console closed: goodbye sent, server exited with status 0")
    finally:
        if server.poll() is None:
            server.kill()


def expect_exit_0(proc, after):
    """Waits for `proc` to end with status 0 `after` something; fails if not."""
    try:
        status = proc.wait(timeout=WAIT)
    except subprocess.TimeoutExpired:
        fail(f"it did not exit {after}")
    if status != 0:
        fail(f"it exited with status {status} {after}")


def connect_when_up(port, nick, server):
    deadline = time.monotonic() + WAIT
    while True:
        if server.poll() is not None:
            fail(f"the server exited with status {server.returncode} at start")
        try:
            return Irc(port, nick)
        except OSError:
            if time.monotonic() > deadline:
                fail(f"the server did not listen on 127.0.0.1:{port}")
            time.sleep(0.3)


def run(args, env, port, server):
    # 1. A blocked stderr never stalls the relay.
    bob = connect_when_up(port, "bob", server)
    bob.join("#lobby")
    eve = Irc(port, "eve")
    eve.join("#lobby")
    text = "x" * 120

    def flood(round_):
        eve.send("\r\n".join(f"PRIVMSG #lobby :{round_}.{i} {text}" for i in range(args.flood)))
        for i in range(args.flood):
            bob.expect(lambda m, i=i: m[1] == "PRIVMSG" and m[2][1].startswith(f"{round_}.{i} "),
                       f"flood message {round_}.{i} (stderr unread)")

    # The first flood fills the pipe (each message is a log line); the second
    # is relayed while the log writer cannot write: the pipe stays as it was.
    if args.flood > 0:
        flood(1)
        time.sleep(1.0)
        full = pipe_bytes(server.stderr)
        flood(2)
        time.sleep(1.0)
        after = pipe_bytes(server.stderr)
        if full < 32_768 or after != full:
            fail(f"the server's stderr pipe held {full} then {after} bytes: it was not blocked")
        log(f"server relayed {args.flood} more messages with its stderr pipe full ({full} bytes)")
    eve.send("QUIT")

    # 2. The client: log in, talk, see a reply, leave.
    cenv = dict(env)
    # A settings file of this run's own (Wine maps Z: to /): the client
    # remembers the last server and name, which would pre-fill the form that
    # this script types into.
    settings = f"/tmp/banter-smoke-settings-{os.getpid()}-{time.monotonic_ns()}.toml"
    cenv["BANTER_SETTINGS"] = "Z:" + settings.replace("/", "\\")
    if args.fake_hz is not None:
        cenv["BANTER_FAKE_REFRESH_HZ"] = args.fake_hz
    started = time.monotonic()
    client = subprocess.Popen([args.wine, args.client], stdin=subprocess.DEVNULL, env=cenv)
    try:
        window = find_window("^Banter$", client)
        log(f"window up after {time.monotonic() - started:.1f} s")
        time.sleep(1.0)  # let it settle (a frame or two at any rate)
        xdotool("windowfocus", "--sync", window)
        # The nickname field has the focus; the address field is before it.
        key(window, "shift+Tab")
        type_text(window, f"127.0.0.1:{port}")
        key(window, "Return")
        type_text(window, args.nick)
        key(window, "Return")
        bob.expect(lambda m: m[1] == "JOIN" and m[0] == args.nick, f"{args.nick} joining")
        log(f"{args.nick} joined #lobby")
        time.sleep(1.0)
        type_text(window, "hello from Wine")
        sent = time.monotonic()
        key(window, "Return")
        bob.expect(lambda m: m[1] == "PRIVMSG" and m[0] == args.nick
                   and m[2] == ["#lobby", "hello from Wine"], "the client's message")
        log(f"the client's message reached the room ({time.monotonic() - sent:.2f} s after Enter)")
        bob.send("PRIVMSG #lobby :你好 Wendy! 小明 says café ☕ works too")
        time.sleep(2.0)
        if args.screenshot:
            subprocess.run(["import", "-window", "root", args.screenshot], check=True, timeout=WAIT)
            log(f"screenshot: {args.screenshot}")
        if client.poll() is not None:
            fail(f"the client exited with status {client.returncode} while chatting")
        type_text(window, "exit")
        key(window, "Return")
        time.sleep(1.0)
        key(window, "Return")  # the dialog's OK has the focus
        bob.expect(lambda m: m[1] == "QUIT" and m[0] == args.nick, f"{args.nick} quitting")
        expect_exit_0(client, "after OK (the client)")
        log("the client quit and exited with status 0")
    finally:
        if client.poll() is None:
            client.kill()

    # 3. Ctrl+C: goodbyes, then status 0.
    server.send_signal(signal.SIGINT)
    bob.expect(lambda m: m[1] == "ERROR", "the server's goodbye")
    expect_exit_0(server, "after Ctrl+C (the server)")
    log("Ctrl+C: goodbye sent, server exited with status 0")


if __name__ == "__main__":
    main()
