"""irctest controller for banter-server.

Starts the server on exactly the address irctest picks, with the settings the
suite expects (server name, oper credentials, no flood control, no per-IP
limit, no permanent room), and declares honestly what Banter supports so that
a missing feature fails instead of silently skipping.

The server binary comes from $BANTER_SERVER_BIN (the runner script sets it).
Every server this module starts is killed when the pytest worker exits,
because bot_mode raises its skip after `run()` and unittest then never calls
teardown.
"""

import atexit
import os
import shutil
import signal
import subprocess
import time
from typing import List, Optional, Set, Type

from irctest import patma
from irctest.basecontrollers import BaseServerController, DirectoryBasedController
from irctest.runner import NotImplementedByController
from irctest.specifications import Capabilities, OptionalBehaviors

_STARTED: List[subprocess.Popen] = []


def _kill_all() -> None:
    for proc in _STARTED:
        if proc.poll() is None:
            try:
                os.killpg(os.getpgid(proc.pid), signal.SIGKILL)
            except OSError:
                proc.kill()


atexit.register(_kill_all)


class BanterController(BaseServerController, DirectoryBasedController):
    software_name = "Banter"
    supported_sasl_mechanisms: Set[str] = set()
    supports_sts = False

    capabilities = frozenset(
        {
            Capabilities.AWAY_NOTIFY,
            Capabilities.BATCH,
            Capabilities.ECHO_MESSAGE,
            Capabilities.LABELED_RESPONSE,
            Capabilities.MESSAGE_TAGS,
            Capabilities.MULTI_PREFIX,
            Capabilities.SERVER_TIME,
            Capabilities.SETNAME,
            Capabilities.EXTENDED_MONITOR,
        }
    )

    optional_behaviors = frozenset(
        {
            OptionalBehaviors.BAN_EXCEPTION_MODE,
            OptionalBehaviors.CAP_REQ_MINUS,
            OptionalBehaviors.INVITE_EXCEPTION_MODE,
            OptionalBehaviors.INVITE_OVERRIDES_LIMIT,
            OptionalBehaviors.MULTI_JOIN,
            OptionalBehaviors.MULTI_KICK,
            OptionalBehaviors.MULTI_NAMES_COMMAND,
            OptionalBehaviors.MULTI_PRIVMSG,
            OptionalBehaviors.NO_CTCP,
            OptionalBehaviors.INVITE_LIST,
            OptionalBehaviors.ELIST_M,
            OptionalBehaviors.ELIST_N,
            OptionalBehaviors.ELIST_U,
            OptionalBehaviors.ELIST_C,
        }
    )

    isupport = {
        "BOT": "B",
        "ELIST": "CMNTU",
        "INVEX": "I",
        "MONITOR": patma.ANYSTR,
        "PREFIX": "(Oov)~@+",
        "STATUSMSG": "@+",
        "TARGMAX": patma.ANYSTR,
        "UTF8ONLY": None,
        "WHOX": None,
    }

    def run(
        self,
        hostname: str,
        port: int,
        *,
        password: Optional[str],
        ssl: bool,
        run_services: bool,
        faketime: Optional[str],
        websocket_hostname: Optional[str],
        websocket_port: Optional[int],
    ) -> None:
        if ssl:
            raise NotImplementedByController("TLS")
        # run_services: Banter has no services; a test that then registers
        # an account is skipped by BaseServerController.registerUser
        # ("account registration"), the rest run.
        if websocket_hostname is not None or websocket_port is not None:
            raise NotImplementedByController("Websocket")
        assert self.proc is None
        self.port = port
        self.hostname = hostname
        self.create_config()
        binary = os.environ.get("BANTER_SERVER_BIN", "banter-server")
        command = [
            binary,
            "--bind",
            hostname,
            "--port",
            str(port),
            "--server-name",
            "My.Little.Server",
            "--server-description",
            "test server",
            "--room",
            "",
            "--oper",
            "operuser:operpassword",
            "--max-per-ip",
            "0",
            "--connects-per-minute",
            "0",
            "--no-flood-control",
            "--log-level",
            "warn",
            # Each server its own folder: the history file is locked to one
            # server at a time, and tests must not write to the user's.
            "--data-dir",
            str(self.directory),
        ]
        if password is not None:
            command += ["--password", password]
        env = None
        if faketime and shutil.which("faketime"):
            # Only the wall clock runs fast (LIST's C/T filters); timeouts
            # keep to real time.
            command = ["faketime", "-f", faketime] + command
            env = dict(os.environ, FAKETIME_DONT_FAKE_MONOTONIC="1")
            self.faketime_enabled = True
        self.proc = self.execute(command, env=env)
        _STARTED.append(self.proc)


    def kill_proc(self) -> None:
        """Waits for the whole process group, not only the process started:
        under faketime that process is a wrapper that exits on SIGTERM while
        the server is still saying goodbye and closing its history file, and
        removing the folder meanwhile raced with SQLite deleting its `-shm`
        file (a teardown error seen in CI)."""
        assert self.proc
        group = os.getpgid(self.proc.pid)
        super().kill_proc()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return
            time.sleep(0.02)
        os.killpg(group, signal.SIGKILL)

    def wait_for_services(self) -> None:
        # No services to wait for (see run()).
        pass


def get_irctest_controller_class() -> Type[BanterController]:
    return BanterController
