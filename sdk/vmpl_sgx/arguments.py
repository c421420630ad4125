"""Command-line parsing shared by `vmpl-sgx` and `vmpl-sgx build`: a bad argument is one line
on stderr and exit status 2, and numbers may be written in decimal or hex."""

from __future__ import annotations

import argparse
import sys
from typing import Callable, NoReturn

EXIT_USAGE = 2


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is a single line that points at -h."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message} (see {self.prog} -h)", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def unsigned(bits: int) -> Callable[[str], int]:
    """An argparse type: an integer from 0 to 2**bits - 1, in decimal, 0x hex, 0o or 0b."""
    limit = 1 << bits

    def parse(text: str) -> int:
        try:
            value = int(text, 0)
        except ValueError:
            try:
                value = int(text, 10)  # int(, 0) refuses leading zeros
            except ValueError:
                raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not 0 <= value < limit:
            raise argparse.ArgumentTypeError(f"{text} is not in 0..{limit - 1} ({bits} bits)")
        return value

    parse.__name__ = f"u{bits}"
    return parse
