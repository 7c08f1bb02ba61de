"""Issue 13 scenario 11: a crawl follows redirects only within the source's own hosts.

The real CLI crawls warn_va from a small redirecting server on 127.0.0.1 (the host the crawl is
given); its 302 points at the fault server's real file under another name for this machine.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from tests.conftest import FAST_CRAWL


class Redirector(ThreadingHTTPServer):
    """Answers every path with a 302 to ``self.location`` (robots.txt allows everything)."""

    daemon_threads = True

    def __init__(self) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                if self.path == "/robots.txt":
                    body = b"User-agent: *\nDisallow:\n"
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self.send_response(302)
                self.send_header("Location", outer.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.location = ""
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def redirector():
    srv = Redirector()
    yield srv
    srv.shutdown()
    srv.server_close()


def _notices(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(sa.text("select count(*) from notices")).scalar_one()
    engine.dispose()
    return n


@pytest.mark.parametrize("other_host", ["localhost", "127.0.0.2"])
def test_a_redirect_to_another_host_is_refused_and_named(other_host, sqlite_url, server, redirector, leads_cli) -> None:
    port = server.server_address[1]
    redirector.location = f"http://{other_host}:{port}/files/warn_va/va.csv"
    start = f"{redirector.base}/warn_notices.csv"
    done = leads_cli("crawl", "warn_va", "--url", start, *FAST_CRAWL, db_url=sqlite_url)
    assert done.returncode == 1
    assert (
        f"warn_va: refused a redirect from {start} to {redirector.location}: {other_host} is not one of "
        f"the source's hosts"
    ) in done.stderr
    assert "Traceback" not in done.stderr
    assert ("GET", "/files/warn_va/va.csv") not in server.requests  # nothing was fetched from there
    assert server.requests == []  # not even robots.txt was asked of the other host
    assert _notices(sqlite_url) == 0


def test_a_redirect_within_the_sources_hosts_is_followed(sqlite_url, server, redirector, leads_cli) -> None:
    # The same host on another port (the host the crawl was given), and a path redirect on the fault server.
    redirector.location = server.url("redirect/files/warn_va/va.csv")
    done = leads_cli("crawl", "warn_va", "--url", f"{redirector.base}/warn_notices.csv", *FAST_CRAWL, db_url=sqlite_url)
    assert done.returncode == 0, done.stderr
    assert ("GET", "/files/warn_va/va.csv") in server.requests
    assert _notices(sqlite_url) > 1000


def test_host_rules() -> None:
    from leads.scrapy_middlewares import host_allowed

    agency = {"www.virginiaworks.gov"}
    assert host_allowed("virginiaworks.gov", agency) and host_allowed("files.www.virginiaworks.gov", agency)
    assert not host_allowed("gov", agency) and not host_allowed("evil-virginiaworks.gov", agency)
    assert not host_allowed("169.254.169.254", agency) and not host_allowed("localhost", agency)
    assert host_allowed("127.0.0.1", {"127.0.0.1"}) and not host_allowed("127.0.0.2", {"127.0.0.1"})
    assert not host_allowed("a.localhost", {"localhost"})
