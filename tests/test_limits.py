"""Politeness caps shared by the checks of a process (checker/engine/limits.py)."""
import threading
import time

from checker.engine import limits
from checker.engine.config import EngineConfig
from checker.engine.limits import Limits


def test_no_more_holders_than_the_cap_at_once_per_address():
    caps = Limits(https=2)
    now, peak, lock = {"n": 0}, {"n": 0}, threading.Lock()

    def use(address):
        with caps.hold("https", address, time.monotonic() + 5) as slot:
            assert slot
            with lock:
                now["n"] += 1
                peak["n"] = max(peak["n"], now["n"])
            time.sleep(0.02)
            with lock:
                now["n"] -= 1

    threads = [threading.Thread(target=use, args=("192.0.2.1",)) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak["n"] == 2


def test_addresses_have_separate_caps():
    caps = Limits(smtp=1)
    with caps.hold("smtp", "192.0.2.1", time.monotonic() + 1) as first:
        with caps.hold("smtp", "192.0.2.2", time.monotonic() + 1) as second:
            assert first and second


def test_a_slot_that_does_not_come_free_before_the_deadline_is_refused():
    caps = Limits(dns=1)
    with caps.hold("dns", "127.0.0.1:53", time.monotonic() + 1):
        started = time.monotonic()
        with caps.hold("dns", "127.0.0.1:53", time.monotonic() + 0.1) as slot:
            assert slot is False
        assert time.monotonic() - started < 1


def test_without_limits_in_the_config_nothing_waits():
    with limits.hold(EngineConfig(), "https", "192.0.2.1", time.monotonic()) as slot:
        assert slot is True
    with limits.hold(EngineConfig(limits=Limits()), "https", "192.0.2.1", time.monotonic()) as slot:
        assert slot is True   # a cap of 0 means none


def test_coroutines_on_a_loop_hold_no_more_dns_slots_than_the_cap_and_late_ones_are_refused():
    import asyncio

    caps = Limits(dns=2)
    config = EngineConfig(limits=caps)
    holding, most, outcomes = 0, 0, []

    async def query(hold_for: float, deadline: float):
        nonlocal holding, most
        async with limits.ahold(config, "dns", "127.0.0.1:53", deadline) as slot:
            outcomes.append(slot)
            if slot:
                holding += 1
                most = max(most, holding)
                await asyncio.sleep(hold_for)
                holding -= 1

    async def main():
        soon = time.monotonic() + 5
        await asyncio.gather(*(query(0.05, soon) for _ in range(6)),
                             query(0.0, time.monotonic() + 0.01))   # cannot get a slot in 10 ms

    asyncio.run(main())
    assert most == 2 and outcomes.count(True) == 6 and outcomes.count(False) == 1
    asyncio.run(main())   # a second event loop gets its own semaphores
    assert most == 2


def test_without_limits_coroutines_never_wait():
    import asyncio

    async def main():
        async with limits.ahold(EngineConfig(), "dns", "127.0.0.1:53", time.monotonic()) as slot:
            return slot

    assert asyncio.run(main()) is True
