"""What the `fakenet` pytest fixture yields (tests/conftest.py stays small)."""
from __future__ import annotations

import copy
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from checker.engine.config import EngineConfig

from .lock import RangeLock
from .network import VAR, Network


class FakeNet:
    def __init__(self, network: Network, env: dict[str, str], owned: bool, lock: RangeLock | None = None):
        self.network, self.env, self.owned, self.lock = network, env, owned, lock
        self.config = EngineConfig.from_env(env)
        self.plan = network.plan
        self.scenarios = tuple(s for s in network.scenarios if not s.infrastructure)
        self._by_domain = {s.domain: s for s in network.scenarios}
        self._reports, self._guard = {}, threading.Lock()

    def scenario(self, name: str):
        """A scenario by domain ("dane-ok.fi"); KeyError if the catalogue has none."""
        return self._by_domain[name]

    def reports(self, domains, workers: int = 6) -> dict:
        """domain -> check_domain report, each domain checked once per session (several
        test modules share the slow ones); every call gets its own copies."""
        from checker.engine.run import check_domain

        with self._guard:
            todo = [d for d in dict.fromkeys(domains) if d not in self._reports]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for domain, report in zip(todo, pool.map(lambda d: check_domain(d, self.config), todo)):
                with self._guard:
                    self._reports[domain] = report
        return {d: copy.deepcopy(self._reports[d]) for d in domains}

    def close(self):
        try:
            if self.owned:
                self.network.down()
        finally:
            if self.lock is not None:
                self.lock.release()


def start() -> FakeNet:
    """Start the network, or with FAKENET_REUSE=1 reuse one already up for the same range."""
    network = Network()
    if os.environ.get("FAKENET_REUSE") == "1" and network.is_up():
        return FakeNet(network, network.read_env(), owned=False)
    lock = RangeLock(VAR / f"{network.plan.tag}.lock").acquire()
    try:
        return FakeNet(network, network.up(), owned=True, lock=lock)
    except BaseException:
        lock.release()
        raise
