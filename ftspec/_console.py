"""What every ftspec command line shares: safe output streams, colour, a reader that leaves early,
and running a click command as `main(argv) -> int` (click is imported only by the commands that
use it; ftlint uses argparse)."""

from __future__ import annotations

import os
import sys
from typing import IO, Any, Callable, Sequence

EXIT_READER_GONE = 0
"""Exit code of a command whose stdout reader left before the command finished writing
(`ftmigrate --diff | head -1`): the reader took what it wanted. Commands that know their result
before they write it (ftlint, ftcompile) exit with that result's code instead."""


def safe_streams() -> None:
    """A lone surrogate in a config (a valid JSON escape, invalid text) must not crash the output."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def silence_stdout() -> None:
    """The reader of stdout is gone (`| head -1`): what is still to be written, and the flush at
    exit, go to /dev/null instead of raising BrokenPipeError (the interpreter would print
    "Exception ignored ... BrokenPipeError" at shutdown)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):  # stdout replaced by an object without a descriptor
        pass


def write_stdout(render: Callable[[], Any]) -> None:
    """Run `render` (which writes to stdout) and flush; a reader that leaves early ends the output quietly."""
    try:
        render()
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()


class StdoutWhileRead:
    """sys.stdout for output written piece by piece (ftmigrate's diffs): each piece is flushed, and
    once the reader has left the rest is dropped, so the command still finishes its work, prints
    its summary on stderr and exits with its own code."""

    def __init__(self) -> None:
        self.gone = False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                sys.stdout.write(text)
                sys.stdout.flush()
            except BrokenPipeError:
                self.gone = True
                silence_stdout()
        return len(text)


def use_color(stream: IO[str]) -> bool:
    """Colour on a terminal; `NO_COLOR` (set and non-empty) turns it off, `FORCE_COLOR` (set and
    non-empty) on even when the stream is not a terminal (https://no-color.org, force-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def run_click(command: Any, argv: Sequence[str] | None, prog_name: str) -> int:
    """Run a click command without letting it exit the interpreter; usage errors exit 2."""
    import click

    safe_streams()
    try:
        try:
            command.main(args=list(argv) if argv is not None else None, prog_name=prog_name, standalone_mode=False)
            code = 0
        except click.exceptions.Exit as exc:
            code = exc.exit_code
        except click.ClickException as exc:
            exc.show()
            code = 2
        except SystemExit as exc:
            code = int(exc.code or 0)
        sys.stdout.flush()  # here, not at exit, so that a closed pipe is caught below
        return code
    except BrokenPipeError:
        silence_stdout()
        return EXIT_READER_GONE
