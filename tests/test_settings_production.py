"""Production settings refuse to start half-configured and pass `check --deploy`.

Each case runs in a fresh interpreter, because settings are read once per
process and the test process itself uses config.settings.test.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

MANAGE = str(Path(settings.BASE_DIR) / "manage.py")
GOOD_SECRET = "k3Yx-9fQ2vLr7TnWz4Bp8HsJd6Mc1AeRgUo5yNiVtXqPlKwEbZ0aSfGhDjC"  # 60 varied chars, not a real secret

READ_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "CSRF_TRUSTED_ORIGINS": s.CSRF_TRUSTED_ORIGINS,
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
}))
"""


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The current environment without any DJANGO_* variable, plus ``overrides``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", ALLYS_VAR_DIR=str(tmp_path / "var"))
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("missing", "present"),
    [
        ("DJANGO_SECRET_KEY", {"DJANGO_ALLOWED_HOSTS": "formation.allys.example"}),
        ("DJANGO_ALLOWED_HOSTS", {"DJANGO_SECRET_KEY": GOOD_SECRET}),
    ],
)
def test_production_refuses_to_start_without(tmp_path, missing, present):
    result = run([MANAGE, "check"], production_env(tmp_path, **present))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} must be set in production." in result.stderr


def test_production_passes_check_deploy_when_configured(tmp_path):
    env = production_env(tmp_path, DJANGO_SECRET_KEY=GOOD_SECRET, DJANGO_ALLOWED_HOSTS="formation.allys.example")
    result = run([MANAGE, "check", "--deploy"], env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS" not in output


def test_production_reads_hosts_and_ignores_debug_flag(tmp_path):
    env = production_env(
        tmp_path,
        DJANGO_SECRET_KEY=GOOD_SECRET,
        DJANGO_ALLOWED_HOSTS="formation.allys.example, www.allys.example",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://formation.allys.example",
        DJANGO_DEBUG="true",
    )
    result = run(["-c", READ_SETTINGS], env)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "DEBUG": False,
        "ALLOWED_HOSTS": ["formation.allys.example", "www.allys.example"],
        "CSRF_TRUSTED_ORIGINS": ["https://formation.allys.example"],
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
    }


SHARED_CACHE = """
import sys, django
django.setup()
from django.core.cache import cache
if sys.argv[1] == "write":
    cache.set("api-throttle-probe", [1, 2, 3], timeout=60)
print(cache.get("api-throttle-probe"))
"""


def test_production_processes_share_one_cache(tmp_path):
    """Throttling and login limits count in the cache: a second web process must see the first one's counts."""
    env = production_env(tmp_path, DJANGO_SECRET_KEY=GOOD_SECRET, DJANGO_ALLOWED_HOSTS="formation.allys.example")
    for command in (["migrate", "--no-input"], ["createcachetable"]):
        result = run([MANAGE, *command], env)
        assert result.returncode == 0, result.stderr

    writer = run(["-c", SHARED_CACHE, "write"], env)
    reader = run(["-c", SHARED_CACHE, "read"], env)

    assert writer.returncode == 0, writer.stderr
    assert reader.returncode == 0, reader.stderr
    assert reader.stdout.strip().splitlines()[-1] == "[1, 2, 3]"
