"""python -m tests.fakenet up|down|status|list  (settings: README.md)."""
import json
import sys

from .lock import RangeBusy, RangeLock
from .network import VAR, Network


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "status"
    network = Network()
    if command in ("up", "down"):
        lock = RangeLock(VAR / f"{network.plan.tag}.lock")
        try:
            lock.acquire(wait=0)
        except RangeBusy as busy:
            print(f"fakenet: {busy}", file=sys.stderr)
            return 1
        try:
            return _change(network, command)
        finally:
            lock.release()
    return _report(network, command)


def _change(network: Network, command: str) -> int:
    if command == "up":
        env = network.up()
        figures = json.loads((network.state / "startup.json").read_text())
        print(f"fakenet {network.plan.network} up in {figures['seconds']} s, {figures['scenarios']} scenarios, "
              f"delay {figures['delay_ms']} ms")
        print(f"env file: {network.env_file}")
        for key, value in env.items():
            print(f"{key}={value}")
        return 0
    if command == "down":
        stopped = network.down()
        print(f"fakenet {network.plan.network}: stopped {len(stopped)} processes")
        return 0
    return 2


def _report(network: Network, command: str) -> int:
    if command == "status":
        up = network.is_up()
        print(f"fakenet {network.plan.network}: {'up' if up else 'down'} ({network.state})")
        return 0 if up else 1
    if command == "list":
        for s in network.scenarios:
            if not s.infrastructure:
                print(f"{s.domain:26} {s.description}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
