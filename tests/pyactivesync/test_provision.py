"""pyactivesync, an independent EAS 16.1 client, against a running airgate.

tests/run.sh starts airgate and sets AIRGATE_URL
(http://127.0.0.1:PORT/Microsoft-Server-ActiveSync); AIRGATE_USER and AIRGATE_PASSWORD
default to the stack's alice.
"""
from __future__ import annotations

import os
import uuid

import pytest
from pyactivesync import Client


@pytest.fixture
def client():
    url = os.environ.get("AIRGATE_URL")
    if not url:
        pytest.fail("AIRGATE_URL is not set: run the suite with tests/run.sh")
    c = Client(
        "unused.invalid",
        os.environ.get("AIRGATE_USER", "alice"),
        os.environ.get("AIRGATE_PASSWORD", "alice-secret"),
        device_id="pyeas" + uuid.uuid4().hex[:16],
        timeout=30.0,
    )
    # pyactivesync builds https:// URLs from a host name; airgate listens on plain HTTP here.
    c._transport.base_url = url
    # Loopback only: no proxy from the environment.
    c._transport.session.trust_env = False
    yield c
    c.close()


def test_provision_gets_a_policy_key(client):
    # Initial request with DeviceInformation, then the acknowledgement with the temporary
    # key in the query (&PolicyKey=); raises on any HTTP error or non-1 Status.
    key = client.provision()
    assert key, "no policy key"
    assert client._transport.policy_key == key
