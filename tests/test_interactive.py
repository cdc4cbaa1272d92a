"""`apigen new` asking its questions in a real terminal: a pseudo-terminal, drawn by a terminal
emulator (pyte) that answers the cursor-position requests a terminal answers."""

import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyte

ROWS, COLUMNS = 30, 100
CURSOR_POSITION_REQUEST = b"\x1b[6n"
CLEAR_LINE_AND_ENTER = b"\x15\r"  # Ctrl-U, Enter


class Terminal:
    """What a person sees in a terminal of ROWS x COLUMNS, and their keys."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self.stream = pyte.ByteStream(self.screen)

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def wait_for(self, shown: Callable[[list[str]], bool], what: str) -> list[str]:
        """The screen's lines once `shown` holds for them; fails after 60 s."""
        deadline = time.monotonic() + 60
        while not shown(self.lines()):
            assert time.monotonic() < deadline, f"never shown: {what}\n" + "\n".join(self.lines())
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                self._read()
        return self.lines()

    def lines(self) -> list[str]:
        return [line.rstrip() for line in self.screen.display]

    def _read(self) -> None:
        try:
            output = os.read(self.master, 65536)
        except OSError:  # the program ended
            return
        self.stream.feed(output)
        if CURSOR_POSITION_REQUEST in output:  # a terminal answers where its cursor is
            row, column = self.screen.cursor.y + 1, self.screen.cursor.x + 1
            os.write(self.master, f"\x1b[{row};{column}R".encode())


@contextmanager
def terminal(arguments: list[str], home: Path) -> Iterator[Terminal]:
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    env = {key: value for key, value in os.environ.items() if key != "PROMPT_TOOLKIT_NO_CPR"}
    process = subprocess.Popen(
        [sys.executable, "-m", "apigen", *arguments],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env | {"TERM": "xterm-256color", "HOME": str(home)},
        start_new_session=True,
    )
    os.close(slave)
    try:
        yield Terminal(master)
    finally:
        process.kill()
        process.wait()
        os.close(master)


def _row(lines: list[str], text: str) -> int:
    return next(index for index, line in enumerate(lines) if text in line)


def test_a_refused_answer_is_explained_right_under_its_question(tmp_path: Path) -> None:
    """Issue 14: the reason showed on the terminal's last line, far from the question."""
    with terminal(["new", str(tmp_path / "api"), "--no-git"], tmp_path / "home") as screen:
        screen.wait_for(lambda lines: any("Web framework" in line for line in lines), "framework")
        screen.type(b"\r")  # the default framework
        screen.wait_for(lambda lines: any("Project name" in line for line in lines), "name")
        screen.type(CLEAR_LINE_AND_ENTER)  # an empty name: refused
        lines = screen.wait_for(
            lambda lines: any("must not be empty" in line for line in lines), "the refusal"
        )
    question, reason = _row(lines, "Project name"), _row(lines, "must not be empty")
    assert 0 < reason - question <= 2, "\n".join(lines)
    assert not (tmp_path / "api").exists()
