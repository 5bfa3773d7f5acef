"""Summarise a py-spy profile in raw (collapsed) format: the functions that take the time.

    py-spy record --format raw -o /tmp/create.txt --pid <worker> --duration 20
    python -m bench.pyspy /tmp/create.txt [--top 25] [--focus create_score]

Inclusive % counts a sample for every distinct function on its stack; self %
only for the innermost one. --focus keeps only samples passing through a
function, and gives percentages of those.
"""

import argparse
import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


def short(frame: str) -> str:
    """'function (package/module.py)': line numbers dropped, site-packages paths trimmed."""
    match = FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match["file"]
    for marker in ("site-packages/", "lib/python3.11/", "/work/main/", "/src/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            if marker == "/src/":
                path = path.split("/", 1)[1]
    return f"{match['function']} ({path})"


def load(path: Path, focus: str | None = None) -> tuple[Counter, Counter, int]:
    inclusive: Counter = Counter()
    innermost: Counter = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [short(frame) for frame in stack.split(";")]
        if focus and not any(focus in frame for frame in frames):
            continue
        samples = int(count)
        total += samples
        for frame in set(frames):
            inclusive[frame] += samples
        innermost[frames[-1]] += samples
    return inclusive, innermost, total


def report(path: Path, top: int = 25, focus: str | None = None) -> str:
    inclusive, innermost, total = load(path, focus)
    if not total:
        return "no samples"
    lines = [f"{total} samples{f' through {focus!r}' if focus else ''}", "", "inclusive:"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    lines += ["", "self:"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in innermost.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pyspy", description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--focus")
    args = parser.parse_args()
    print(report(args.path, args.top, args.focus))


if __name__ == "__main__":
    main()
