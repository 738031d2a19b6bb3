"""Headless Chromium drives the book's interactive figures (docs/assets/interactive/) as a reader would.

`probe(base, page, name, plan)` loads a chapter of a served site in an iframe of a probe page from
the same origin and runs `plan` on the figure `name` (the div #int-NAME): a list of steps, each
{"set": {control: value}} (a select takes the option's value; a range slider the index
0 … max; "last" moves it to its end) or {"cut": control} (the negative control: the element is
replaced by a copy of itself, which keeps its value and loses its listeners, so moving it must change
nothing) or {"auto": true}: every control of the figure in turn is moved to another position (a
select's next option, a slider's other end), then replaced by such a copy that is moved back; the
records before, after the move and after the copy's move are in the output's "auto". After each step the probe records a signature of every canvas of the figure (a hash of
its pixels), the readout's values (data-key -> data-value), every control's value and what it
accepts (a select's option values; a slider's largest index). It also
returns every resource the page loaded (URL), and Chromium's log, to look for script errors.

Used by tests/test_site_interactive*.py; the site is the smoke-profile build of tests/test_book.py.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from html import unescape
from pathlib import Path
from urllib.parse import quote, urlsplit

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0", "--window-size=1400,1000", "--virtual-time-budget=30000",
         # any name but the local server's fails to resolve: a request that leaves the page cannot succeed
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
PROBE = f"interactive-probe-{os.getpid()}.html"  # one per test process (the site is shared by the workers)
PROBE_HTML = """<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0">
<pre id="out"></pre>
<script>
const q = new URLSearchParams(location.search), plan = JSON.parse(q.get("plan")), name = q.get("name");
const frame = document.createElement("iframe");
frame.width = +(q.get("width") || 1280); frame.height = 900; frame.style.border = "0";
function hash(s) { let h = 2166136261; for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619); } return (h >>> 0).toString(16); }
function record(root) {
  const readout = {};
  root.querySelectorAll("[data-key]").forEach(s => { readout[s.dataset.key] = s.dataset.value; });
  const controls = {};
  const options = {};
  root.querySelectorAll("[data-control]").forEach(c => {
    controls[c.dataset.control] = c.value;
    options[c.dataset.control] = c.tagName === "SELECT" ? [...c.options].map(o => o.value) : +c.max;
  });
  return {canvases: [...root.querySelectorAll("canvas")].map(c => hash(c.toDataURL())), readout: readout,
          controls: controls, options: options};
}
frame.onload = () => setTimeout(() => {
  const doc = frame.contentDocument, root = doc.getElementById("int-" + name), out = {steps: []};
  out.state = root ? root.getAttribute("data-state") : null;
  if (root && out.state === "ready") {
    out.steps.push(record(root));
    for (const step of plan) {
      if (step.auto) {  // every control in turn: moved to another position, then a disconnected copy moved back
        out.auto = {};
        for (const c0 of [...root.querySelectorAll("[data-control]")]) {
          const key = c0.dataset.control, before = record(root), was = c0.value;
          if (c0.tagName === "SELECT") c0.selectedIndex = (c0.selectedIndex + 1) % c0.options.length;
          else c0.value = +c0.value === +c0.max ? "0" : c0.max;
          c0.dispatchEvent(new Event(c0.tagName === "SELECT" ? "change" : "input"));
          const moved = record(root), copy = c0.cloneNode(true);
          c0.replaceWith(copy);
          copy.value = was;
          copy.dispatchEvent(new Event(copy.tagName === "SELECT" ? "change" : "input"));
          out.auto[key] = {before: before, moved: moved, cut: record(root)};
        }
        continue;
      }
      if (step.cut) {
        const c = root.querySelector(`[data-control="${step.cut}"]`);
        c.replaceWith(c.cloneNode(true));
      }
      for (const [key, value] of Object.entries(step.set || {})) {
        const c = root.querySelector(`[data-control="${key}"]`);
        if (!c) { out.error = "no control " + key; break; }
        if (c.tagName === "SELECT") { c.value = String(value); c.dispatchEvent(new Event("change")); }
        else { c.value = value === "last" ? c.max : String(value); c.dispatchEvent(new Event("input")); }
      }
      out.steps.push(record(root));
    }
  }
  out.resources = [...performance.getEntriesByType("resource"),
                   ...frame.contentWindow.performance.getEntriesByType("resource")].map(e => e.name);
  document.getElementById("out").textContent = JSON.stringify(out);
}, 1500);
frame.src = q.get("page");
document.body.appendChild(frame);
</script></body></html>
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(site: Path):
    """(base URL, stop()) of a local HTTP server for `site`, with the probe page written into it."""
    (site / PROBE).write_text(PROBE_HTML, encoding="utf-8")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()

    def stop():
        httpd.shutdown()
        httpd.server_close()
        (site / PROBE).unlink(missing_ok=True)
    return f"http://127.0.0.1:{httpd.server_address[1]}/", stop


def chromium(url: str, timeout: int = 180) -> tuple[str, str]:
    """(the DOM after load, Chromium's log) of `url`."""
    profile = tempfile.mkdtemp(prefix="dmm-chromium-")
    try:
        proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--allow-file-access-from-files",
                               "--dump-dom", url], capture_output=True, text=True, timeout=timeout)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return proc.stdout, proc.stderr


def probe(base: str, page: str, name: str, plan: list[dict], width: int = 1280) -> tuple[dict, str]:
    """(what the probe recorded, Chromium's log) for `plan` on the figure `name` of `page`."""
    url = f"{base}{PROBE}?page=/{quote(page)}&name={quote(name)}&width={width}&plan={quote(json.dumps(plan))}"
    dom, log = chromium(url)
    found = re.search(r'<pre id="out">(.*?)</pre>', dom, re.S)
    assert found and found.group(1).strip(), f"{page}: the probe wrote nothing; browser log:\n{log[-2000:]}"
    return json.loads(unescape(found.group(1))), log


def script_errors(log: str) -> list[str]:
    """The lines of Chromium's log that report a script error or a failed load."""
    return [line for line in log.splitlines() if "Uncaught" in line or "Failed to load resource" in line
            or "ERR_NAME_NOT_RESOLVED" in line]


def outside(resources: list[str], base: str) -> list[str]:
    """The URLs among `resources` that are not files of the site served at `base`."""
    site = urlsplit(base)
    return [url for url in resources if urlsplit(url).netloc != site.netloc or urlsplit(url).scheme != site.scheme]
