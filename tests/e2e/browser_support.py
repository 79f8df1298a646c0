"""What the dashboard's browser suites share: Debian's Chromium driven by Playwright, the
folder for screenshots, and signing in through the page's form.

Not a test module.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, Playwright

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"  # gitignored
CHROMIUM = "/usr/bin/chromium"  # Debian's: Playwright cannot download browsers here
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Saves the page as test-artifacts/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def sign_in(page: Page, system, unit: str) -> None:
    """On the sign-in page the dashboard sent the browser to: the unit's account, the form."""
    page.wait_for_url("**/auth/login?**")
    username, password = system.account(unit)
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/dashboard**")


def session_cookie(context: BrowserContext) -> dict:
    return dict(next(c for c in context.cookies() if c["name"] == "dashboard_session"))


def projected(system, client: httpx.Client, cid: str) -> bool:
    """Whether the dashboard has recorded the complaint."""
    url = system.url("dashboard", f"/v1/dashboard/complaints/{cid}/timeline")
    return client.get(url).status_code == 200
