"""axe-core finds no serious or critical accessibility violation on the public pages."""

from pathlib import Path

import pytest
from playwright.sync_api import Page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BLOCKING_IMPACTS = {"serious", "critical"}

RUN_AXE = """
async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " + n.failureSummary),
  }));
}
"""


def blocking_violations(page: Page, axe_script: Path) -> list[dict]:
    """Run axe-core on the loaded page; keep the serious and critical violations."""
    page.add_script_tag(path=str(axe_script))
    violations = page.evaluate(RUN_AXE)
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']}")
        lines.extend(f"    {node}" for node in v["nodes"])
    return "\n".join(lines)


@pytest.mark.parametrize(
    "which",
    ["home", "listing", "filtered listing", "course page", "english course page"],
)
def test_page_has_no_serious_accessibility_violation(page, catalogue, axe_script, which):
    urls = {
        "home": "/",
        "listing": catalogue.index.url,
        "filtered listing": f"{catalogue.index.url}?theme={catalogue.frugal_slug}&month={catalogue.target_month}",
        "course page": catalogue.target.url,
        "english course page": catalogue.english_target.url,
    }
    response = page.goto(urls[which])
    assert response is not None and response.ok, f"{urls[which]} answered {response and response.status}"

    violations = blocking_violations(page, axe_script)

    assert violations == [], f"axe-core on {urls[which]}:\n{describe(violations)}"
