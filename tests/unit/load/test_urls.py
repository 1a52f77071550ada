"""Load goes to loopback only unless the user says the host is theirs."""

from __future__ import annotations

import pytest

from assay.errors import InputError
from assay.load.run import check_url


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/v1/x",
        "http://127.8.9.10/",
        "http://localhost:1/",
        "https://[::1]:8443/a",
        "http://api.localhost/",
    ],
)
def test_loopback_urls_are_accepted(url: str) -> None:
    assert check_url(url, allow_remote=False) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "http://example.com/",
        "http://127.0.0.1.example.com/",
        "http://localhost.evil.com/",
        "http://[::2]/",
    ],
)
def test_other_hosts_need_allow_remote(url: str) -> None:
    with pytest.raises(InputError, match=r"not a loopback address.*--allow-remote"):
        check_url(url, allow_remote=False)
    assert check_url(url, allow_remote=True) == url


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/", "127.0.0.1:80", "http:///x", "http://127.0.0.1:99999/"]
)
def test_malformed_urls_are_refused(url: str) -> None:
    with pytest.raises(InputError, match="URL"):
        check_url(url, allow_remote=True)
