"""Restart back-off in front of every program supervisord runs (scripts/supervisord.conf).

supervisord restarts a program that dies, but its own back-off is linear and only for
programs that die within `startsecs`, and it gives up (FATAL) after `startretries`. The
site wants 1 s, 2 s, 4 s, ... 60 s, and never to give up. So supervisord starts
`python scripts/backoff.py PROGRAM ARGS...`: when the previous run of this program
(SUPERVISOR_PROCESS_NAME) ended within STABLE_SECONDS of its start, it waits twice as
long as the last time, otherwise 1 s; it records the start and exec()s the program, which
keeps the process id, so supervisord's signals (and logs) are the program's own.
The first start after `scripts/supervise.sh` cleared the state directory has no wait.
"""
import json
import os
import sys
import time
from pathlib import Path

FIRST_SECONDS = 1
MAX_SECONDS = 60
STABLE_SECONDS = 60  # a run this long resets the back-off


def delay_for(previous: dict | None, now: float) -> tuple[float, int]:
    """(seconds to wait, restarts in a row) before starting again after `previous`."""
    if previous is None:
        return 0, 0
    in_a_row = previous.get("in_a_row", 0) + 1 if now - previous.get("started", 0) < STABLE_SECONDS else 1
    return min(MAX_SECONDS, FIRST_SECONDS * 2 ** (in_a_row - 1)), in_a_row


def main(argv: list[str]) -> None:
    if not argv:
        sys.exit("usage: backoff.py PROGRAM [ARGS...]")
    name = os.environ.get("SUPERVISOR_PROCESS_NAME") or Path(argv[0]).name
    state_dir = Path(os.environ.get("SUPERVISE_STATE_DIR") or Path(os.environ.get("VAR_DIR", "var")) / "supervise")
    state_dir.mkdir(parents=True, exist_ok=True)
    state = state_dir / f"{name}.json"
    try:
        previous = json.loads(state.read_text())
    except (OSError, ValueError):
        previous = None
    wait, in_a_row = delay_for(previous, time.time())
    if previous is not None:
        ran = time.time() - previous.get("started", 0)
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} backoff: {name} stopped {ran:.0f} s after its start; "
              f"restarting in {wait:.0f} s (restart {in_a_row} in a row)", file=sys.stderr, flush=True)
        time.sleep(wait)
    state.write_text(json.dumps({"started": time.time(), "in_a_row": in_a_row}))
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])
