"""Run the real `leads` command, each call its own process, without paying Python's start-up each time.

Spawning `leads` costs about 0.6 s of CPU before the command does anything (the interpreter, then
SQLAlchemy, click, rich, Scrapy... imported), and the suite makes well over a thousand such calls. So
each test worker starts one *zygote* (this file run as a script): a process that has imported the
CLI once and then, per call, forks a fresh process which takes the call's argv, environment,
working directory, stdin, stdout and stderr, and runs the console script's own last line,
``sys.exit(main())``. The forked process exits through the interpreter's normal shutdown (atexit,
threads joined, streams flushed, uncaught exceptions printed, SystemExit codes), so its exit code,
output and files are those of a spawned `leads`; what is shared is only the work done before the first
line of the command runs (imports), and the ZIP centroid tables matching builds from the installed
zipcodes package (the same in every process).

Calls still start a fresh interpreter (``spawn``) when asked, when ``LEADS_TEST_SPAWN=1`` is set (the
whole suite then runs as a user would start each command), or when the call changes an environment
variable that only counts at interpreter start-up (PYTHON*, locale). tests/test_cli_frame.py keeps the
checks on start-up itself in spawned processes.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The installed console script when there is one (as a user runs it), else the source tree's module.
_script = Path(sys.executable).parent / "leads"
LEADS_COMMAND = [str(_script)] if _script.exists() else [sys.executable, str(ROOT / "cli.py")]

SPAWN_ALWAYS = os.environ.get("LEADS_TEST_SPAWN", "") == "1"
# What the interpreter reads only when it starts: a call that changes one of these gets a fresh interpreter.
# (PYTHONUNBUFFERED is applied to the forked process's streams instead; see _zygote_main.)
_STARTUP_PREFIXES = ("PYTHON", "LC_", "LANG")
_MAX_MESSAGE = 1 << 20


def _startup_env(env: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k.startswith(_STARTUP_PREFIXES) and k != "PYTHONUNBUFFERED"}


def _read_line(sock: socket.socket, buffer: bytearray) -> bytes:
    while b"\n" not in buffer:
        chunk = sock.recv(64)
        if not chunk:
            raise ConnectionError("the leads zygote closed the call's channel")
        buffer += chunk
    line, _, rest = bytes(buffer).partition(b"\n")
    buffer[:] = rest
    return line


# -- the test side ------------------------------------------------------------------------------


class _Zygote:
    """The forking process of this test worker, started on first use."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.proc: subprocess.Popen[bytes] | None = None
        self.control: socket.socket | None = None
        self.env: dict[str, str] = {}
        self.failed = False

    def start(self) -> bool:
        with self.lock:
            return self._start()

    def _start(self) -> bool:
        if self.proc is not None:
            return True
        if self.failed:
            return False
        env = {k: v for k, v in os.environ.items() if not k.startswith("LEADS_")}
        env["PYTHONUNBUFFERED"] = "1"
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, __file__, str(theirs.fileno()), *LEADS_COMMAND[-1:]],
                pass_fds=[theirs.fileno()],
                env=env,
                cwd=tempfile.gettempdir(),
                stdin=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        ready = ours.recv(64)
        if ready != b"ready":
            ours.close()
            self.proc.wait()
            self.proc, self.failed = None, True
            return False
        self.control, self.env = ours, env
        atexit.register(self.stop)
        return True

    def stop(self) -> None:
        """Close the control channel (the zygote exits on it) and reap the zygote, so its CPU is counted."""
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.proc is not None:
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def run(
        self,
        args: Sequence[str],
        cwd: str,
        env: Mapping[str, str],
        stdin: int,
        stdout: int,
        stderr: int,
        timeout: float,
    ) -> int:
        """Run one call with the given file descriptors as its stdio; its exit code (negative: killed by a signal)."""
        assert self.control is not None
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        message = json.dumps({"args": list(args), "cwd": cwd, "env": dict(env)}).encode()
        try:
            with self.lock:
                socket.send_fds(self.control, [message], [theirs.fileno(), stdin, stdout, stderr])
            theirs.close()
            buffer = bytearray()
            pid = int(_read_line(mine, buffer))
            mine.settimeout(timeout)
            try:
                status = _read_line(mine, buffer)
            except TimeoutError:
                os.kill(pid, signal.SIGKILL)
                mine.settimeout(None)
                _read_line(mine, buffer)
                raise
            return int(status)
        finally:
            theirs.close()
            mine.close()


_zygote = _Zygote()


def stop_zygote() -> None:
    _zygote.stop()


def _decode(data: bytes, text: bool) -> str | bytes:
    if not text:
        return data
    # What subprocess.run(text=True) does: the locale's encoding, universal newlines.
    import locale

    return data.decode(locale.getpreferredencoding(False)).replace("\r\n", "\n").replace("\r", "\n")


def run_leads(
    args: Sequence[str],
    *,
    cwd: str | os.PathLike[str],
    env: Mapping[str, str],
    input: str | bytes | None = None,
    timeout: float = 300,
    text: bool = True,
    spawn: bool = False,
) -> subprocess.CompletedProcess:
    """``subprocess.run([*LEADS_COMMAND, *args], cwd=, env=, input=, capture_output=True, text=, timeout=)``."""
    command = [*LEADS_COMMAND, *args]
    if (
        spawn
        or SPAWN_ALWAYS
        or not _zygote.start()
        or _startup_env(env) != _startup_env(_zygote.env)
        or not os.path.isdir(cwd)
    ):
        return subprocess.run(
            command, cwd=cwd, env=dict(env), input=input, capture_output=True, text=text, timeout=timeout
        )
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as inp:
        if input is None:
            stdin = os.dup(0) if _valid_fd(0) else os.open(os.devnull, os.O_RDONLY)
        else:
            data = input.encode() if isinstance(input, str) else input
            inp.write(data)
            inp.flush()
            inp.seek(0)
            stdin = os.dup(inp.fileno())
        try:
            try:
                code = _zygote.run(args, os.fspath(cwd), env, stdin, out.fileno(), err.fileno(), timeout)
            finally:
                os.close(stdin)
        except TimeoutError:
            out.seek(0)
            err.seek(0)
            raise subprocess.TimeoutExpired(command, timeout, out.read(), err.read()) from None
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(command, code, _decode(out.read(), text), _decode(err.read(), text))


def _valid_fd(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


# -- the zygote side ------------------------------------------------------------------------------

# Imported once in the zygote: what `leads` commands import before they do their work. Not
# leads.scrapy_project (it reads the environment at import) and nothing that installs a Twisted
# reactor (each crawl installs its own, in its own process).
_PRELOAD = (
    "cli",
    "sqlalchemy",
    "sqlalchemy.orm",
    "sqlalchemy.dialects.sqlite",
    "sqlalchemy.dialects.postgresql",
    "psycopg",
    "alembic.command",
    "alembic.runtime.migration",
    "alembic.script",
    "click.testing",
    "rich.console",
    "rich.table",
    "rapidfuzz",
    "openpyxl",
    "scrapy",
    "scrapy.crawler",
    "leads.models",
    "leads.db",
    "leads.crawl",
    "leads.registry",
    "leads.pipelines",
    "leads.services.accounts",
    "leads.services.assign",
    "leads.services.listing",
    "leads.services.matching",
    "leads.services.people",
    "leads.services.undo",
    "leads.services.work",
    "leads.matching.engine",
    "leads.linking",
    "leads.nightly",
    "leads.digest",
    "leads.demo",
)


def _serve(control: socket.socket) -> tuple[list[str], str, dict[str, str]]:
    """Fork a process per request; returns only in a forked process, with the call to run."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    while True:
        # Reap finished handlers, so their CPU (and their call's) is counted for this zygote's parent.
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass
        try:
            message, fds, _flags, _addr = socket.recv_fds(control, _MAX_MESSAGE, 4)
        except ConnectionResetError:
            message, fds = b"", []
        if not message:
            # The test worker is done: wait for the calls still running, then exit.
            try:
                while True:
                    os.wait()
            except ChildProcessError:
                pass
            os._exit(0)
        if os.fork() == 0:
            control.close()
            return _handle(json.loads(message), fds)
        for fd in fds:
            os.close(fd)


def _handle(request: dict, fds: list[int]) -> tuple[list[str], str, dict[str, str]]:
    """In the handler process: fork the call's process, report its pid and then its exit code."""
    reply_fd, stdio = fds[0], fds[1:]
    pid = os.fork()
    if pid == 0:
        os.close(reply_fd)
        for target, fd in zip((0, 1, 2), stdio, strict=True):
            os.dup2(fd, target)
            os.close(fd)
        return request["args"], request["cwd"], request["env"]
    for fd in stdio:
        os.close(fd)
    reply = socket.socket(fileno=reply_fd)
    try:
        reply.sendall(f"{pid}\n".encode())
        _, status = os.waitpid(pid, 0)
        reply.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
    except OSError:
        pass
    os._exit(0)


def _zygote_main(control_fd: int, argv0: str) -> None:
    # sys.path as the console script has it: its own folder first (not this file's, not the cwd).
    sys.path[0] = str(Path(argv0).parent)
    control = socket.socket(fileno=control_fd)
    try:
        import importlib

        for name in _PRELOAD:
            importlib.import_module(name)
        # The ZIP centroid tables `leads match` builds on first use (about 1 s of CPU, from the installed
        # zipcodes package, the same every time): built here once, so each forked match reads them.
        from leads.matching import geo

        geo.zip_point("10001")
        assert "twisted.internet.reactor" not in sys.modules, "a preloaded module installed a reactor"
    except BaseException as exc:
        print(f"leads zygote: preload failed: {exc!r}", file=sys.stderr)
        control.sendall(b"failed")
        raise
    assert threading.active_count() == 1, "the zygote must fork from a single thread"
    # Keep the preloaded objects out of the collector's sight, so a forked call does not copy their pages.
    import gc

    gc.collect()
    gc.freeze()
    control.sendall(b"ready")
    sys.stdout.flush()
    sys.stderr.flush()
    args, cwd, env = _serve(control)
    # In the call's own process from here on: its stdio are fds 0-2 already.
    del control
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    sys.argv = [argv0, *args]
    if not env.get("PYTHONUNBUFFERED"):
        sys.stdout.reconfigure(write_through=False)  # block-buffered, as a spawned Python's stdout on a file


if __name__ == "__main__":
    _zygote_main(int(sys.argv[1]), sys.argv[2])
    from cli import main

    sys.exit(main())
