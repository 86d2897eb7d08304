import pytest


@pytest.fixture(scope="session")
def fakenet():
    """The loopback test network (tests/fakenet/README.md), up for the whole session."""
    from tests.fakenet.fixture import start

    net = start()
    yield net
    net.close()
