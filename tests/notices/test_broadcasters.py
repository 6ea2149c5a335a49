"""The operator's register (chat command and command line) and chat subscriptions."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.events import Platform
from bot.features.notices.actions import PublishNotice
from tests.notices.helpers import ORG_NAME, ScriptedMessenger, as_consul, register, settle_all
from tests.support import Harness, texts


async def _audited(h: Harness) -> list[tuple[str, bool]]:
    return [(e.action, e.allowed) for e in reversed(await h.app.store.audit.recent(None, 100))]


async def test_the_operator_registers_attaches_detaches_and_removes(harness: Harness) -> None:
    h = harness
    await register(h)
    out = texts(await h.send("/broadcaster list"))
    assert ORG_NAME in out and "Mexico · notices in español first" in out
    assert "Accounts: console:consul" in out
    assert "already publish" in texts(await h.send("/broadcaster attach mx-madrid console:consul"))
    actions = await _audited(h)
    assert ("broadcaster.add", True) in actions and ("broadcaster.attach", True) in actions

    as_consul(h)
    assert "Preview of notice #1" in texts(await h.send("/notice new Aviso | Texto"))
    h.as_user("me", admin=True).in_chat("main")
    out = texts(await h.send("/broadcaster detach mx-madrid console:consul"))
    assert "can no longer publish" in out
    assert "was not attached" in texts(await h.send("/broadcaster detach mx-madrid "
                                                    "console:consul"))
    as_consul(h)
    assert "Only verified broadcasters" in texts(await h.press(PublishNotice(1).pack()))
    assert ("broadcaster.detach", True) in await _audited(h)

    h.as_user("me", admin=True).in_chat("main")
    await h.send("/subscribe mx-madrid")
    out = texts(await h.send("/broadcaster remove mx-madrid"))
    assert "is no longer a verified broadcaster" in out
    assert "does not receive official notices yet" in texts(await h.send("/subscriptions"))
    notice = await h.app.store.notices.get(1)
    assert notice is not None and notice.status == "cancelled"
    assert "No verified broadcaster" in texts(await h.send("/broadcaster list"))
    assert ("broadcaster.remove", True) in await _audited(h)


async def test_the_register_refuses_bad_input_and_non_operators(harness: Harness) -> None:
    h = harness
    for line, answer in (
            ("/broadcaster add X! | Name | MX | es", "short name has 2 to 32"),
            ("/broadcaster add mx | Name | ZZ | es", "ZZ is not a country code"),
            ("/broadcaster add mx | Name | MEX | es", "not a country code"),
            ("/broadcaster add mx | Name | MX | de", "I don't speak de yet"),
            ("/broadcaster add mx | 🛡 Verified | MX | es", "full name"),
            ("/broadcaster add mx | Name", "Usage: /broadcaster add"),
            ("/broadcaster attach nope telegram:1", "no verified broadcaster called nope"),
    ):
        assert answer in texts(await h.send(line)), line
    assert "Registered" in texts(await h.send("/broadcaster add mx | Consulado | MX | es"))
    assert "already taken" in texts(await h.send("/broadcaster add MX | Otro | MX | es"))
    for bad in ("telegram", "tg:1", "telegram:", "telegram:1 2", "discord:<@1>"):
        out = texts(await h.send(f"/broadcaster attach mx {bad}"))
        assert "Give the account as platform:id" in out, bad
    h.as_user("alice", admin=True)  # a moderator, but not the operator
    assert texts(await h.send("/broadcaster add x2 | X | MX | es")) == (
        "Only the bot's operator can do that.")
    assert ("broadcaster add", False) in await _audited(h)  # the router audits the refusal
    assert len(await h.app.store.notices.orgs()) == 1


async def test_moderators_subscribe_chats_members_follow_in_private(harness: Harness) -> None:
    h = harness
    telegram = ScriptedMessenger(Platform.TELEGRAM)
    h.app.add_messenger(telegram)
    await register(h)
    h.in_chat("group").as_user("alice")
    assert "Only moderators" in texts(await h.send("/subscribe mx-madrid"))
    h.as_user("mod", admin=True)
    out = texts(await h.send("/subscribe mx-madrid documents elecciones"))
    assert "no verified broadcaster" not in out and "elecciones is not one of" in out
    await h.send("/language es")
    out = texts(await h.send("/subscribe mx-madrid documentos elecciones"))
    assert out.endswith(".") and "Documentos y pasaportes y Elecciones" in out
    out = texts(await h.send("/subscriptions"))
    assert "(mx-madrid): Documentos y pasaportes y Elecciones" in out
    assert "verificado llamado nope" in texts(await h.send("/subscribe nope"))
    # A member follows the consulate in their own private chat, and is told so.
    h.as_user("alice").in_chat("alice", private=True)
    out = texts(await h.send("/subscriptions"))
    assert "Subscribe with /subscribe followed by the short name" in out
    assert "moderator" not in out
    assert "every notice" in texts(await h.send("/subscribe mx-madrid"))
    assert "no longer receives" in texts(await h.send("/unsubscribe mx-madrid"))
    assert "does not receive notices" in texts(await h.send("/unsubscribe mx-madrid"))
    audited = await _audited(h)
    assert ("notice.subscribe", True) in audited and ("notice.unsubscribe", True) in audited
    assert ("subscribe", False) in audited

    await h.send("/subscribe mx-madrid")
    as_consul(h)
    await h.send("/notice new Pasaportes | Nuevo horario | documents")
    await h.send("/notice publish 1")
    await settle_all(h)
    # The console messenger carries both the group and Alice's private chat.
    received = [c.id for c, r in h.messenger.sent if r.body.plain().startswith("🛡")]
    assert sorted(received) == ["alice", "group"]


def test_the_command_line_manages_the_register(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("DEFAULT_LANGUAGE", "en")
    monkeypatch.chdir(tmp_path)
    # main() configures logging for a real run; keep the test session's logging as it is.
    monkeypatch.setattr("bot.cli.logs.setup", lambda *args, **kwargs: None)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["broadcaster", *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    code, out, _err = run("add", "in-madrid", "--name", "Embassy of India in Madrid",
                          "--country", "IN", "--language", "hi")
    assert code == 0 and "Embassy of India in Madrid · in-madrid" in out
    assert run("attach", "in-madrid", "telegram:42")[1] == "telegram:42 attached to in-madrid\n"
    assert "(no change)" in run("attach", "in-madrid", "telegram:42")[1]
    code, out, _err = run("list")
    assert "India · notices in हिन्दी first" in out and "Accounts: telegram:42" in out
    code, _out, err = run("attach", "in-madrid", "whatsapp:1")
    assert code == 1 and "platform:id" in err
    code, _out, err = run("add", "in-madrid", "--name", "Again", "--country", "IN",
                          "--language", "hi")
    assert code == 1 and "already taken" in err
    assert run("detach", "in-madrid", "telegram:42")[0] == 0
    assert run("remove", "in-madrid")[1] == "removed in-madrid\n"
    assert "No verified broadcaster" in run("list")[1]
