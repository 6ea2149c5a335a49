"""The whole notices flow typed into the console adapter, the form answered line by line."""

from __future__ import annotations

from pathlib import Path

from tests.support import run_console

SCRIPT = """\
/broadcaster add mx-madrid | Consulado General de México en Madrid | MX | es
/broadcaster attach mx-madrid console:me
/subscribe mx-madrid
/in paris
/language fr
/subscribe mx-madrid
/in private
/notice new
Oficina de pasaportes cerrada
La oficina cierra el lunes. <b>Traiga</b> su cita.
1
1
"""


async def test_a_consul_composes_in_the_console_and_both_chats_receive_it(tmp_path: Path) -> None:
    text = await run_console(tmp_path, SCRIPT)
    assert "New notice for Consulado General de México en Madrid · 1/3" in text
    assert "[1] Keep  [2] Cancel" in text
    assert "Preview of notice #1" in text
    assert "[1] Publish  [2] Edit  [3] Cancel" in text
    assert "Published. Notice #1 is on its way to 2 chats" in text
    # Each chat gets its copy through the outbox, with the verified header in its language.
    assert "[main] 🛡️ Official notice · Consulado General de México en Madrid" in text
    assert "[paris] 🛡️ Avis officiel · Consulado General de México en Madrid" in text
    assert "La oficina cierra el lunes. <b>Traiga</b> su cita." in text
    assert "📊 Delivery report · notice #1" in text


async def test_a_notice_text_of_several_lines_typed_with_backslashes(tmp_path: Path) -> None:
    script = SCRIPT.replace("La oficina cierra el lunes. <b>Traiga</b> su cita.\n",
                            "La oficina cierra el lunes.\\\nTraiga su cita.\n")
    text = await run_console(tmp_path, script)
    assert "Published. Notice #1 is on its way to 2 chats" in text
    assert "La oficina cierra el lunes.\nTraiga su cita." in text
    assert "cierra el lunes.\\" not in text
