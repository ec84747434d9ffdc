"""`siaga run` serves the web view only where PUBLIC_BASE_URL is set: the sign-in links are built from it."""

from __future__ import annotations

from pydantic import SecretStr

from bot import app


def paths(built: app.App) -> list[str]:
    assert built.server is not None
    return [getattr(r, "path", "") for r in built.server.config.app.routes]


def test_the_web_view_is_mounted_with_a_public_address_and_not_without(settings, tmp_path):
    telegram = settings.model_copy(update={"telegram_bot_token": SecretStr("123:ABC"),
                                           "database_url": f"sqlite:///{tmp_path / 'siaga.db'}"})
    public = telegram.model_copy(update={"public_base_url": "https://siaga.example.test"})
    built = app.build(public)
    assert "/web" in paths(built)
    assert built.runner.deps.web_base_url == "https://siaga.example.test"
    polling = app.build(telegram)  # long polling: no web server at all, and /web says so
    assert polling.server is None
    assert polling.runner.deps.web_base_url is None
    assert built.runner.deps.web_base_url == "https://siaga.example.test"  # two configurations side by side
    built.runner.close()
    polling.runner.close()
