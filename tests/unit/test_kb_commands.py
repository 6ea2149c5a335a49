"""Knowledge base commands through the real core: search, tags, translations, bad input."""

from __future__ import annotations

from bot.events import MessagePosted, Platform, QuotedMessage, UserRef
from bot.replies import Reply, Toast
from bot.richtext import bold, line
from tests.support import Harness, texts
from tests.unit.test_kb_moderation import actions


async def _count(harness: Harness) -> int:
    return len(await harness.app.store.knowledge.export(1))


async def test_search_shows_titles_snippets_and_open_buttons(harness: Harness) -> None:
    await harness.send("/kb add Renew a passport | Book an appointment on the consulate "
                       "website and bring your old Pasaporté. | #passport")
    await harness.send("/kb add Consulate hours | Open 9-14h; bring a passport photo.")
    await harness.send("/kb add Café meetups | Fridays at Café Central.")
    [reply] = await harness.send("/kb find PASSPORT")
    assert isinstance(reply, Reply)
    body = reply.body.plain()
    assert body.startswith("2 entries match PASSPORT:")
    assert body.index("1. Renew a passport") < body.index("2. Consulate hours")
    [accented] = await harness.send("/kb find pasaporte")
    assert isinstance(accented, Reply)
    assert accented.body.blocks[1].lines[1] == line(
        "Book an appointment on the consulate website and bring your old ", bold("Pasaporté"),
        ".")
    assert [[b.label for b in row] for row in reply.buttons] == [["Open 1", "Open 2"]]
    opened = texts(await harness.press(actions([reply])[0]))
    assert opened.startswith("Renew a passport\n\nBook an appointment")
    assert "Fridays at Café Central." in texts(await harness.send("/kb find cafe"))
    # A question in plain words still finds the answer.
    question = texts(await harness.send("/kb find how do I renew my passport here"))
    assert "1. Renew a passport" in question and "some of them" in question
    await harness.send("/kb add Bus pass | Monthly tickets.")
    short = texts(await harness.send("/kb find bus qqqq"))
    assert "4. Bus pass" in short and "some of them" in short
    nothing = texts(await harness.send("/kb find tax"))
    assert "Nothing found for tax" in nothing and "Tags in use: #passport" in nothing


async def test_helpful_votes_count_once_per_person(harness: Harness) -> None:
    await harness.send("/kb add Doctors | Clinic list.")
    assert "Thanks! 1 person found this helpful." in texts(await harness.press("kh:1"))
    assert "already found this helpful" in texts(await harness.press("kh:1"))
    harness.as_user("alice")
    assert "2 people found this helpful" in texts(await harness.press("kh:1"))
    [card] = await harness.send("/kb open 1")
    assert isinstance(card, Reply) and card.buttons[0][0].label == "Helpful (2)"


async def test_save_by_reply_credits_the_author(harness: Harness) -> None:
    bob = UserRef(Platform.CONSOLE, "bob", "Bob", "bob")
    out = texts(await harness.send("/save Consulate hours #consulate", reply_to=QuotedMessage(
        "77", "The consulate opens at 9:00 on weekdays.\nBring an ID.", bob)))
    assert out == "Published as entry 1: Consulate hours"
    card = texts(await harness.send("/kb open 1"))
    assert "The consulate opens at 9:00 on weekdays.\nBring an ID." in card
    assert "By Bob, saved by Me" in card and "Tags: #consulate" in card
    untitled = texts(await harness.send("/save", reply_to=QuotedMessage(
        "78", "Metro passes are sold online now. " * 5, bob)))
    assert "entry 2: Metro passes are sold online now. Metro passes are sold…" in untitled
    assert "/kb add" in texts(await harness.send("/save"))
    assert "no text" in texts(await harness.send("/save", reply_to=QuotedMessage("79", " ")))


async def test_hashtags_show_the_entry_and_stay_quiet_otherwise(harness: Harness) -> None:
    await harness.send("/kb add Renew a passport | Book on the consulate website. | "
                       "#Pasaporté #passport")
    await harness.send("/kb add Visa | Student visa steps. | #visa")
    await harness.send("/kb add Visa extension | Extend it before it ends. | #visa")

    async def posted(text: str) -> str:
        return texts(await harness.event(MessagePosted(chat=harness.chat, user=harness.user,
                                                       text=text)))

    assert (await posted("#pasaporte please")).startswith("Renew a passport")
    visa = await posted("#VISA")
    assert visa.startswith("2 entries have the tag #visa:") and "3. Visa extension" in visa
    assert await posted("#nothing") == ""
    assert await posted("# heading") == ""
    assert await posted("#🎉") == ""
    assert await posted("hello #visa") == ""
    assert (texts(await harness.send("/tag pasaporte"))).startswith("Renew a passport")
    assert "No entry has the tag #taxes" in texts(await harness.send("/tag taxes"))
    assert "one word" in texts(await harness.send("/tag my passport"))
    assert texts(await harness.send("/tag")).startswith("Tags in use: #visa")


async def test_a_chat_reads_its_own_languages_version_first(harness: Harness) -> None:
    await harness.send("/kb add Renew a passport | Book on the consulate website. | #passport")
    out = texts(await harness.send("/kb translate 1 es | Renovar el pasaporte | Pide cita en "
                                   "la web del consulado."))
    assert out == "Published as entry 2: Renovar el pasaporte"
    assert "already has a version in español" in texts(await harness.send(
        "/kb translate 1 es | Otra | Otra vez."))
    assert "Which language" in texts(await harness.send("/kb translate 1 xx | A | B"))
    english = texts(await harness.send("/kb open 1"))
    assert english.startswith("Renew a passport") and "Also in: español" in english
    await harness.send("/language es")
    [reply] = await harness.send("/kb find renov")
    assert isinstance(reply, Reply) and "2. Renovar el pasaporte" in reply.body.plain()
    assert "Renew a passport" not in reply.body.plain()
    [tagged] = await harness.event(MessagePosted(chat=harness.chat, user=harness.user,
                                                 text="#passport"))
    assert isinstance(tagged, Reply) and tagged.body.plain().startswith("Renovar el pasaporte")
    assert [b.label for b in tagged.buttons[1]] == ["English"]


async def test_a_translation_is_found_once_with_its_original(harness: Harness) -> None:
    await harness.send("/kb add Student visa | Apply early. | #visa")
    await harness.send("/kb translate 1 es | Visado de estudiante | Solicita pronto.")
    [reply] = await harness.send("/kb find visa")
    assert isinstance(reply, Reply)
    assert reply.body.plain() == "1 entry matches visa:\n\n1. Student visa\nApply early."
    assert [[b.label for b in row] for row in reply.buttons] == [["Open 1"]]


async def test_the_number_a_translation_gets_opens_it(harness: Harness) -> None:
    await harness.send("/kb add Student visa | Apply early. | #visa")
    out = texts(await harness.send("/kb translate 1 es | Visado de estudiante | "
                                   "Solicita pronto."))
    assert out == "Published as entry 2: Visado de estudiante"
    # In an English chat too: the number names that version, not the chat's language.
    spanish = texts(await harness.send("/kb open 2"))
    assert spanish.startswith("Visado de estudiante") and "entry 2" in spanish
    [card] = await harness.send("/kb open 2")
    assert isinstance(card, Reply) and [b.label for b in card.buttons[1]] == ["English"]
    assert texts(await harness.press(actions([card])[1])).startswith("Student visa")


async def test_listed_entries_show_their_own_numbers(harness: Harness) -> None:
    await harness.send("/kb add Student visa | Apply early. | #visa")
    await harness.send("/kb add Bus pass | Monthly tickets.")
    await harness.send("/kb add Work visa | Needs a contract. | #visa")
    for found in (await harness.send("/kb find visa"), await harness.send("/tag visa")):
        [reply] = found
        assert isinstance(reply, Reply)
        body = reply.body.plain()
        assert "1. Student visa" in body and "3. Work visa" in body and "2. " not in body
        # Equally good matches may come in either order (the backends rank ties apart):
        # what matters is that each button names, and opens, the entry's own number.
        buttons = [b for row in reply.buttons for b in row]
        assert sorted(b.label for b in buttons) == ["Open 1", "Open 3"]
        titles = {"Open 1": "Student visa", "Open 3": "Work visa"}
        for button in buttons:
            opened = texts(await harness.press(button.action))
            assert opened.split("\n")[0] == titles[button.label]


async def test_private_search_covers_the_persons_groups(harness: Harness) -> None:
    await harness.send("/kb add Renew a passport | Book on the consulate website.")
    harness.as_user("alice")
    await harness.send("/help")   # alice speaks in the group once
    harness.in_chat("alice", private=True)
    assert "1. Renew a passport" in texts(await harness.send("/kb find passport"))
    assert texts(await harness.send("/kb open 1")).startswith("Renew a passport")
    harness.as_user("zoe").in_chat("zoe", private=True)
    assert "Nothing found" in texts(await harness.send("/kb find passport"))
    assert "no entry 1 here" in texts(await harness.send("/kb open 1"))
    assert "group chat" in texts(await harness.send("/kb add A | B"))


async def test_bad_input_gets_clear_answers_and_changes_nothing(harness: Harness) -> None:
    await harness.send("/kb add Doctors | Clinic list. | #health")
    before = await harness.app.store.knowledge.export(1)
    bad = {
        "/kb add": "Usage: /kb add",
        "/kb add Title |": "The text is empty",
        "/kb add | body": "Usage: /kb add",
        "/kb add Title | " + "x" * 5_000: "4,000 characters at most (it has 5,000)",
        "/kb add Title | " + "x" * 50_000: "too long for me (20,000 characters at most)",
        "/kb add " + "T" * 200 + " | body": "The title is too long",
        "/kb add Title | body | #my tag": "A tag is one word: write #my-tag",
        "/kb add Title | body | #🎉": "Tags can hold only letters",
        "/kb add Title | body | visa #x": "Start every tag with #",
        '/kb find "': "What are you looking for?",
        "/kb find *": "What are you looking for?",
        "/kb edit abc | x": "abc is not an entry number",
        "/kb edit 1 New title": "Separate the parts with |",
        "/kb edit 999 | x": "There is no entry 999 here",
        "/kb edit 1": "Nothing to change",
        "/kb edit 1 | Doctors": "already what entry 1 says",
        "/kb history 1 7": "has no version 7",
        "/kb approve 1": "already published",
        "/kb reject 1": "Please say why",
        "/kb open 99999999999": "“99999999999” is not a number, such as 12 or #12",
        "/kb open ²": "“²” is not a number",
        "/kb export pdf": "pdf is not one of: md or json.",
    }
    for command, answer in bad.items():
        out = texts(await harness.send(command))
        assert answer in out, (command[:50], out)
    for query in ('"', "*", "NEAR(", "'; DROP TABLE kb_entries; --", "a OR b AND",
                  "title:doctors", "-doctors"):
        out = texts(await harness.send(f"/kb find {query}"))
        assert "Sorry" not in out, query
    assert "1. Doctors" in texts(await harness.send("/kb find title:doctors"))
    assert await harness.app.store.knowledge.export(1) == before
    harness.as_user("alice")
    for command in ("/kb edit 1 | Hacked", "/kb queue", "/kb approve 1", "/kb reject 1 no",
                    "/kb archive 1", "/kb import {}", "/kb export json"):
        out = await harness.send(command)
        assert [type(o) for o in out] == [Reply], command
        assert "Only" in texts(out), command
    assert await harness.app.store.knowledge.export(1) == before
    assert await _count(harness) == 1


async def test_a_pending_entry_is_seen_only_by_its_author_and_moderators(
        harness: Harness) -> None:
    harness.as_user("alice")
    await harness.send("/kb add Draft | Not yet.")
    assert "Waiting for a moderator" in texts(await harness.send("/kb open 1"))
    harness.as_user("bob")
    assert "no entry 1 here" in texts(await harness.send("/kb open 1"))
    [toast] = await harness.press("kh:1")
    assert isinstance(toast, Toast) and "no entry 1 here" in toast.text
    harness.as_user("me", admin=True)
    assert "Waiting for a moderator" in texts(await harness.send("/kb open 1"))
