import pytest


@pytest.fixture(scope="session", autouse=True)
def harness():
    """One temporary Prefect API for all flow tests."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
