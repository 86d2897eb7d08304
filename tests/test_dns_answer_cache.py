"""Answers shared between a survey's checks (checker.engine.dns.AnswerCache)."""
import time

from checker.engine.dns import AnswerCache, DnsAnswer


def answer(name, ttl=300):
    return DnsAnswer(name=name, rdtype="A", rcode="NOERROR", security="secure", records=("192.0.2.1",), ttl=ttl)


def test_an_answer_is_kept_for_its_ttl_at_most():
    cache = AnswerCache(max_ttl=300)
    cache.put(("a.fi", "A"), answer("a.fi", ttl=0))
    cache.put(("b.fi", "A"), answer("b.fi", ttl=60))
    time.sleep(0.01)
    assert cache.get(("a.fi", "A")) is None
    assert cache.get(("b.fi", "A")).name == "b.fi"


def test_the_least_recently_used_answer_goes_first():
    cache = AnswerCache(max_entries=2)
    cache.put(("a.fi", "A"), answer("a.fi"))
    cache.put(("b.fi", "A"), answer("b.fi"))
    cache.get(("a.fi", "A"))                      # a.fi is in use: b.fi is the one to drop
    cache.put(("c.fi", "A"), answer("c.fi"))
    assert cache.get(("b.fi", "A")) is None
    assert cache.get(("a.fi", "A")) and cache.get(("c.fi", "A"))


def test_resolvers_share_answers_through_the_config(fakenet):
    import dataclasses

    from checker.engine.dns import Resolver
    config = dataclasses.replace(fakenet.config, answer_cache=AnswerCache())
    first = Resolver(config).query("customer-a.fi", "MX")
    second = Resolver(config).query("customer-a.fi", "MX")
    assert second is first            # the second check did not ask the resolver again
    assert Resolver(fakenet.config).query("customer-a.fi", "MX") is not first
