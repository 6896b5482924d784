"""Open report.html files in Chromium and see whether anything a student wrote runs.

    .venv/bin/python attacks/browser_check.py attacks/build/*/root*/report.html

Payloads set window.__pwned (or open a dialog); the page is also sorted by every column and
filtered, and its DOM is searched for elements that the report never makes (img with src=x,
svg onload, extra scripts). Prints one line per file: HELD or BROKE, with what was found.
"""
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright


def check(page, path):
    dialogs, errors = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(Path(path).resolve().as_uri())
    page.wait_for_timeout(300)
    for th in page.query_selector_all("table.sortable th"):
        th.click()
        th.click()
    box = page.query_selector("input[data-filter]")
    if box:
        for q in ("<img", "window", "=", ""):
            box.fill(q)
    page.wait_for_timeout(300)
    pwned = page.evaluate("window.__pwned || null")
    foreign = page.evaluate("""() => ({
        scripts: document.scripts.length,
        imgs: Array.from(document.images).filter(i => !i.src.startsWith('data:')).map(i => i.outerHTML),
        handlers: Array.from(document.querySelectorAll('*')).filter(e => Array.from(e.attributes).some(a => a.name.startsWith('on'))).map(e => e.outerHTML.slice(0, 80)),
        links: Array.from(document.links).map(a => a.getAttribute('href')).filter(h => !/^(feedback\\/|grades\\.csv|gradebook-|#)/.test(h)),
    })""")
    bad = pwned or dialogs or foreign["imgs"] or foreign["handlers"] or foreign["links"] or foreign["scripts"] != 1
    print(f"{'BROKE' if bad else 'HELD '} {path}: pwned={pwned!r} dialogs={dialogs} foreign={foreign} "
          f"page errors={errors[:2]}")
    return not bad


def main(paths):
    ok = True
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for path in paths:
            page = browser.new_page()
            ok &= check(page, path)
            page.close()
        browser.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
