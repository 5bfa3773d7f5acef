"""Stream a whole list and watch the serving workers' memory while it flows."""

import http.client
import threading
import time

from bench import settings
from bench.servers import Server

READ_SIZE = 1 << 20
SAMPLE_SECONDS = 0.02


class RssSampler(threading.Thread):
    """Samples the workers' RSS from /proc until stopped; keeps first and peak per worker."""

    def __init__(self, server: Server):
        super().__init__(daemon=True)
        self.server = server
        self.first = server.worker_rss()
        self.peak = dict(self.first)
        self.peak_total = sum(self.first.values())
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            sizes = self.server.worker_rss()
            for pid, size in sizes.items():
                self.peak[pid] = max(size, self.peak.get(pid, 0))
            self.peak_total = max(self.peak_total, sum(sizes.values()))
            time.sleep(SAMPLE_SECONDS)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()

    def growth(self) -> int:
        """The largest growth of any one worker over its size when sampling began."""
        return max(
            (self.peak[pid] - self.first.get(pid, self.peak[pid]) for pid in self.peak), default=0
        )


def measure(server: Server, path: str, authorization: str, expected_rows: int) -> dict:
    """GET the path, count lines as they arrive; rows/s, first byte, RSS before/peak/growth."""
    sampler = RssSampler(server)
    sampler.start()
    connection = http.client.HTTPConnection(settings.HOST, server.port, timeout=600)
    rows = 0
    started = time.monotonic()
    first_byte = None
    status, failure = 0, ""
    try:
        connection.request("GET", path, headers={"Authorization": authorization})
        response = connection.getresponse()
        status = response.status
        while chunk := response.read1(READ_SIZE):
            if first_byte is None:
                first_byte = time.monotonic() - started
            rows += chunk.count(b"\n")
    except (http.client.HTTPException, OSError) as exc:
        failure = f"{type(exc).__name__}: {exc}"
    finally:
        elapsed = time.monotonic() - started
        connection.close()
        sampler.stop()
    mb = 1024 * 1024
    return {
        "status": status,
        "failure": failure,
        "rows": rows,
        "expected_rows": expected_rows,
        "errors": int(bool(failure) or status != 200 or rows != expected_rows),
        "seconds": round(elapsed, 3),
        "rows_per_s": round(rows / elapsed, 1),
        "first_byte_ms": round((first_byte or elapsed) * 1000, 1),
        "rss_before_mb": round(sum(sampler.first.values()) / mb, 1),
        "rss_peak_mb": round(sampler.peak_total / mb, 1),
        "rss_growth_mb": round(sampler.growth() / mb, 1),
    }
