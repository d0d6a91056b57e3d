"""A headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`): no driver,
no network, no package beyond the system browser (Debian's `chromium`).

    with Browser() as browser:
        page = browser.open(path, width=390)          # a phone: mobile viewport, 390 CSS px wide
        page.evaluate("document.title"); page.screenshot(png); page.pdf_pages()

Used by the report's browser tests; `python tests/browser.py PAGE.html WIDTH OUT.png` takes a screenshot.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def find_browser() -> str | None:
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    def __init__(self, executable: str | None = None, timeout: float = 60.0):
        self.executable = executable or find_browser()
        if self.executable is None:
            raise FileNotFoundError("no Chromium or Chrome on PATH")
        self.timeout = timeout
        self._id = 0
        self._buffer = b""
        self._events: list[dict] = []

    def __enter__(self) -> Browser:
        self.profile = tempfile.mkdtemp(prefix="report-browser-")
        import fcntl
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # Chromium reads commands on fd 3 and writes replies on fd 4. Both ends are first moved above 10
        # (close-on-exec), so that placing them on 3 and 4 in the child cannot overwrite one with the other.
        high_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD_CLOEXEC, 10)
        high_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD_CLOEXEC, 10)

        def wire() -> None:
            os.dup2(high_r, 3)          # dup2 makes 3 and 4 inheritable; everything else stays close-on-exec
            os.dup2(high_w, 4)
        self.process = subprocess.Popen(
            [self.executable, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars", "--mute-audio",
             f"--user-data-dir={self.profile}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire, close_fds=False)
        for fd in (to_chrome_r, from_chrome_w, high_r, high_w):
            os.close(fd)
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read(self) -> dict:
        import select
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._from_chrome], [], [], self.timeout)
            if not ready:
                raise TimeoutError("the browser did not answer")
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise ConnectionError("the browser closed its pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, session: str | None = None, **params) -> dict:
        """One command; events that arrive meanwhile are kept for `wait_event`."""
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._events.append(reply)

    def wait_event(self, method: str, session: str) -> dict:
        for i, event in enumerate(self._events):
            if event.get("method") == method and event.get("sessionId") == session:
                return self._events.pop(i)
        while True:
            event = self._read()
            if event.get("method") == method and event.get("sessionId") == session:
                return event
            self._events.append(event)

    def open(self, path: Path, width: int, height: int = 900) -> Page:
        """A new tab showing `path`, `width` CSS px wide (a phone's mobile viewport below 800), loaded."""
        self._events = []
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.send("Emulation.setDeviceMetricsOverride", session, width=width, height=height, deviceScaleFactor=1,
                  mobile=width < 800)
        self.send("Page.enable", session)
        self.send("Page.navigate", session, url=Path(path).resolve().as_uri())
        self.wait_event("Page.loadEventFired", session)
        return Page(self, session)


class Page:
    def __init__(self, browser: Browser, session: str):
        self.browser, self.session = browser, session

    def evaluate(self, expression: str):
        """The value of a JavaScript expression (a promise is awaited)."""
        result = self.browser.send("Runtime.evaluate", self.session, expression=expression, awaitPromise=True,
                                   returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(str(result["exceptionDetails"]))
        return result["result"].get("value")

    def screenshot(self, out: Path) -> Path:
        shot = self.browser.send("Page.captureScreenshot", self.session, format="png", captureBeyondViewport=True)
        out.write_bytes(base64.b64decode(shot["data"]))
        return out

    def pdf_pages(self, out: Path | None = None) -> int:
        """Print to PDF as the browser's print dialog would (A4, the page's print styles); the page count."""
        data = base64.b64decode(self.browser.send("Page.printToPDF", self.session, preferCSSPageSize=True,
                                                  printBackground=True)["data"])
        if out is not None:
            out.write_bytes(data)
        return data.count(b"/Type /Page") - data.count(b"/Type /Pages")


if __name__ == "__main__":
    with Browser() as browser:
        page = browser.open(Path(sys.argv[1]), int(sys.argv[2]))
        page.screenshot(Path(sys.argv[3]))
        print(page.evaluate("[document.documentElement.scrollWidth, innerWidth, document.body.scrollHeight]"),
              page.pdf_pages(Path(sys.argv[3]).with_suffix(".pdf")))
