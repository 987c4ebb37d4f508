"""The notification service end to end, against a real SMTP server (aiosmtpd) and a real HTTP receiver.

Registry facts come from real registry commands (launch_campaign, register_unit, define_block,
assign_unit_to_block, register_emulation). Evaluation events (achievement_rejected, award_decided)
are published onto the stream by `publish_event` below, as well-formed CloudEvents with
`Nats-Msg-Id`, so that these tests do not depend on the evaluation service's workflow.
"""

from __future__ import annotations

import asyncio
import copy
import email
import hashlib
import hmac
import json
import signal
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import nats
import pytest
from aiosmtpd.controller import Controller

from emulation import natsd
from emulation.demo import load_scenario
from emulation.supervisor import create_streams
from shared.events.envelope import CloudEvent, event_subject
from shared.infra.clock import Clock
from shared.infra.leader import leadership
from shared.infra.stream import ensure_stream
from tests.support.secured import Secured
from tests.support.system import System, decode, wait_for

pytestmark = pytest.mark.integration
SECRET = "s3cret-of-the-city-hr-system"


# --- real receivers --------------------------------------------------------------------------


class Mailbox:
    """What the SMTP server received: the raw bytes of each message."""

    def __init__(self) -> None:
        self.raw: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.raw.append(envelope.content)
        return "250 OK"

    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(r, policy=policy.default) for r in list(self.raw)]  # type: ignore[misc]


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = natsd.free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


class Receiver:
    """An HTTP receiver that answers 500 to the first `fail_first` requests, then 200.

    `before_answer`, if given, runs once a request is received and before it is answered; when it returns
    False the request is left unanswered (the connection just closes)."""

    def __init__(self, fail_first: int = 0, before_answer: Callable[[], bool] | None = None) -> None:
        self.fail_first = fail_first
        self.before_answer = before_answer
        self.requests: list[tuple[dict[str, str], bytes, int]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 500 if len(receiver.requests) < receiver.fail_first else 200
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body, status))
                if receiver.before_answer is not None and not receiver.before_answer():
                    return
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    made: list[Receiver] = []
    yield made
    for r in made:
        r.close()


@pytest.fixture
def notify_env(monkeypatch: pytest.MonkeyPatch, smtp: tuple[Mailbox, int]) -> None:
    """Service processes inherit os.environ: point them at the test's SMTP server, poll fast, back off briefly."""
    monkeypatch.setenv("EMULATION_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("EMULATION_SMTP_PORT", str(smtp[1]))
    monkeypatch.setenv("EMULATION_NOTIFY_POLL", "0.1")
    monkeypatch.setenv("EMULATION_NOTIFY_BACKOFF", "0.05")
    monkeypatch.setenv("EMULATION_NOTIFY_MAX_ATTEMPTS", "4")


@pytest.fixture
def clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Clock:
    path = tmp_path / "clock"
    monkeypatch.setenv("EMULATION_CLOCK_FILE", str(path))
    c = Clock(path)
    c.set(datetime(2022, 1, 1, tzinfo=UTC))
    return c


# --- driving the system ----------------------------------------------------------------------


async def publish_event(system: System, name: str, data: dict[str, Any], source: str = "registry") -> str:
    """Put a registry or evaluation event on the EMULATION stream as its service's relay would."""
    js = system.nc.jetstream()
    await ensure_stream(js)
    eid = str(uuid.uuid4())
    envelope = CloudEvent(
        id=eid,
        source=f"/services/{source}",
        type=f"{name}.v1",
        time=datetime.now(UTC),
        data=data,
        actor="van-phong-so",
        causationid=eid,
        correlationid=eid,
    )
    body = envelope.model_dump_json(exclude_none=True).encode()
    await js.publish(event_subject(data.get("campaign_id"), name), body, headers={"Nats-Msg-Id": eid})
    return eid


async def unit(system: System, unit_id: str, name: str, mail: str | None = None) -> None:
    body = {"unit_id": unit_id, "name": name, "kind": "department", "email": mail}
    reply = await system.send("register_unit", {"command_id": str(uuid.uuid4()), "actor": "van-phong-so", **body})
    assert reply["ok"], reply


async def launch(system: System) -> None:
    campaign = copy.deepcopy(load_scenario()["campaign"])
    reply = await system.send("launch_campaign", {"command_id": str(uuid.uuid4()), "actor": "van-phong-so", **campaign})
    assert reply["ok"], reply


async def subscribe(system: System, sid: str, url: str, event_types: list[str]) -> None:
    body = {"subscription_id": sid, "url": url, "secret": SECRET, "event_types": event_types}
    reply = await system.send("register_subscription", {"command_id": str(uuid.uuid4()), "actor": "system:hr", **body})
    assert reply["ok"], reply
    assert reply["events"][0]["type"] == "subscription_registered.v1"


def state(system: System, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(system.settings.data_dir / "notification-views.db") as db:
        try:
            return list(db.execute(sql, params))
        except sqlite3.OperationalError:  # tables not created yet
            return []


async def scanned(system: System, moment: datetime) -> None:
    """Wait until the dispatcher has dealt with everything due at `moment` (a negative check needs this)."""
    mark = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    await wait_for(lambda: state(system, "SELECT 1 FROM dispatcher WHERE scanned_until >= ?", (mark,)), timeout=30)


async def notifications_on_nats(system: System, unit_id: str) -> list[Any]:
    js = system.nc.jetstream()
    sub = await js.subscribe(f"emulation.notifications.{unit_id}", ordered_consumer=True, stream="NOTIFICATIONS")
    out = []
    try:
        while True:
            try:
                out.append(await sub.next_msg(timeout=0.5))
            except nats.errors.TimeoutError:
                break
    finally:
        await sub.unsubscribe()
    return out


def recipients(box: Mailbox) -> list[tuple[str, str]]:
    return sorted((str(m["To"]), str(m["Subject"])) for m in box.messages())


# --- the tests -------------------------------------------------------------------------------

SEVEN_DAYS = datetime(2022, 1, 13, 1, 0, tzinfo=UTC)  # 08:00 in Ho Chi Minh City, 7 days before 20/01/2022
ONE_DAY = datetime(2022, 1, 19, 1, 0, tzinfo=UTC)


async def command(system: System, command_name: str, **body: Any) -> dict[str, Any]:
    reply = await system.send(command_name, {"command_id": str(uuid.uuid4()), "actor": "van-phong-so", **body})
    assert reply["ok"], reply
    return reply


async def prepare_reminders(system: System) -> None:
    """Real registry commands: four units in one block of the 2022 campaign, two registered (Văn phòng Sở, Phòng C)."""
    units = [
        ("van-phong-so", "Văn phòng Sở", "vp@stp.example"),
        ("phong-a", "Phòng A", "a@stp.example"),
        ("phong-b", "Phòng B", "b@stp.example"),
        ("phong-c", "Phòng C", "c@stp.example"),
    ]
    await launch(system)
    for unit_id, name, mail in units:
        await command(system, "register_unit", unit_id=unit_id, name=name, kind="department", email=mail)
    await command(system, "define_block", campaign_id="2022", block_id="khoi-1", name="Khối các Phòng Chuyên môn Sở")
    for unit_id, _, _ in units:
        await command(system, "assign_unit_to_block", campaign_id="2022", block_id="khoi-1", unit_id=unit_id)
    for unit_id in ("van-phong-so", "phong-c"):
        pledge = {"campaign_id": "2022", "unit_id": unit_id, "collective_target": "tap-the-lao-dong-xuat-sac"}
        await command(system, "register_emulation", **pledge, staff=[])
    await wait_for(lambda: len(state(system, "SELECT 1 FROM reminders WHERE status = 'pending'")) == 2)
    await wait_for(lambda: len(state(system, "SELECT 1 FROM registrations")) == 2)
    await wait_for(lambda: len(state(system, "SELECT 1 FROM units")) == 4)
    await wait_for(lambda: len(state(system, "SELECT 1 FROM members")) == 4)


async def test_reminders_go_out_at_the_right_moments_to_units_not_yet_registered(
    system: System, smtp: tuple[Mailbox, int], notify_env: None, clock: Clock
) -> None:
    box = smtp[0]
    system.start("registry")
    system.start("notification")
    system.start_api()
    await prepare_reminders(system)

    just_before = datetime(2022, 1, 13, 0, 59, 59, tzinfo=UTC)
    clock.set(just_before)
    await scanned(system, just_before)
    assert box.raw == []

    clock.set(SEVEN_DAYS)
    await wait_for(lambda: len(box.raw) >= 2)
    await scanned(system, SEVEN_DAYS)
    assert recipients(box) == [
        ("a@stp.example", "Nhắc hạn đăng ký thi đua: còn 7 ngày"),
        ("b@stp.example", "Nhắc hạn đăng ký thi đua: còn 7 ngày"),
    ]

    clock.set(ONE_DAY)
    await wait_for(lambda: len(box.raw) >= 4)
    await scanned(system, ONE_DAY)
    assert len(box.raw) == 4
    later = [str(m["Subject"]) for m in box.messages()[2:]]
    assert later == ["Nhắc hạn đăng ký thi đua: còn 1 ngày"] * 2
    ids = [str(m["Message-ID"]) for m in box.messages()]
    assert len(set(ids)) == 4 and all(i.endswith("@emulation>") for i in ids)

    msgs = await notifications_on_nats(system, "phong-a")
    assert len(msgs) == 2
    assert all(m.headers["Nats-Msg-Id"] == decode(m)["notification_id"] for m in msgs)
    assert [decode(m)["rule"] for m in msgs] == ["registration-reminder"] * 2
    assert await notifications_on_nats(system, "phong-c") == []

    def log_complete() -> list[dict[str, Any]] | None:
        got: list[dict[str, Any]] = system.get("/v1/units/phong-a/notifications")
        return got if len(got) == 4 and all(n["status"] == "sent" for n in got) else None

    log = await wait_for(log_complete)
    assert sorted(n["channel"] for n in log) == ["email", "email", "nats", "nats"]
    assert all([r["type"] for r in n["log"]] == ["notification_scheduled", "notification_sent"] for n in log)
    assert system.get("/v1/units/phong-c/notifications") == []
    email_ids = {f"<{n['notification_id']}@emulation>" for n in log if n["channel"] == "email"}
    assert email_ids <= set(ids)

    late = datetime(2022, 1, 25, 2, 0, tzinfo=UTC)  # after the deadline: recorded, flagged late
    clock.set(late)
    pledge = {"campaign_id": "2022", "unit_id": "phong-a", "collective_target": "tap-the-lao-dong-tien-tien"}
    await command(system, "register_emulation", **pledge, staff=[])
    await wait_for(lambda: len(box.raw) >= 5)
    await scanned(system, late)
    office = box.messages()[4]
    assert (str(office["To"]), str(office["Subject"])) == ("vp@stp.example", "Đăng ký thi đua trễ hạn: Phòng A")
    assert "sau hạn chót ngày 20/01/2022" in office.get_content()  # type: ignore[attr-defined]
    assert len(box.raw) == 5


async def test_a_reminder_waits_for_facts_as_new_as_its_slot(
    tmp_path: Path, smtp: tuple[Mailbox, int], notify_env: None, clock: Clock
) -> None:
    """The race a whole-year run met, made deterministic, over an authenticated server: phong-a registers a
    second before the 7-day slot while the notifier's state is behind the stream (its consumer held back by
    its leader lock). The scan at the slot must not decide from that stale state: the slot waits, and once
    the state has caught up only phong-b (still unregistered) is reminded."""
    box = smtp[0]
    secured = Secured(tmp_path)
    await create_streams(secured.as_user("admin"))
    system = secured.system
    secured.start("registry")
    notifier = secured.start("notification")
    system.nc = await secured.connect("portal")
    admin_nc = await secured.connect("admin")
    admin = admin_nc.jetstream()
    try:
        await prepare_reminders(system)
        await scanned(system, datetime(2022, 1, 1, tzinfo=UTC))
        system.kill(notifier)
        stop = asyncio.Event()
        async with leadership(system.settings, "notification-notification-state", stop) as holding:
            assert holding  # the notifier's state takes no message while the test holds this
            clock.set(SEVEN_DAYS - timedelta(seconds=1))
            pledge = {"campaign_id": "2022", "unit_id": "phong-a", "collective_target": "tap-the-lao-dong-tien-tien"}
            await command(system, "register_emulation", **pledge, staff=[])
            await wait_for(lambda: registrations_on_stream(admin, 3))  # published: only the notifier lags
            secured.start("notification")
            clock.set(SEVEN_DAYS)
            await wait_for(lambda: state(system, "SELECT 1 FROM freshness WHERE checked_at >= ?", (utc(SEVEN_DAYS),)))
            assert state(system, "SELECT status FROM reminders WHERE offset_days = 7") == [("pending",)]
            assert state(system, "SELECT facts_as_of FROM freshness") == [(None,)]  # not known since the restart
            assert state(system, "SELECT unit_id FROM notices WHERE rule = 'registration-reminder'") == []
        await wait_for(lambda: len(box.raw) >= 1)  # released: the state catches up, then the slot is decided
        await scanned(system, SEVEN_DAYS)
        assert state(system, "SELECT status FROM reminders WHERE offset_days = 7") == [("decided",)]
        assert recipients(box) == [("b@stp.example", "Nhắc hạn đăng ký thi đua: còn 7 ngày")]
    finally:
        await admin_nc.close()
        await system.nc.close()
        secured.stop()


async def registrations_on_stream(js: Any, count: int) -> bool:
    info = await js.stream_info("EMULATION", subjects_filter="emulation.events.2022.emulation_registered")
    return sum((info.state.subjects or {}).values()) >= count


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def test_reminder_due_during_downtime_is_sent_once_on_restart(
    system: System, smtp: tuple[Mailbox, int], notify_env: None, clock: Clock
) -> None:
    box = smtp[0]
    system.start("registry")
    system.start("notification")
    await prepare_reminders(system)
    await scanned(system, datetime(2022, 1, 1, tzinfo=UTC))

    system.kill("notification")
    after = datetime(2022, 1, 14, 9, 30, tzinfo=UTC)  # the 7-day reminder fell due while it was down
    clock.set(after)
    system.start("notification")
    await wait_for(lambda: len(box.raw) >= 2)
    await scanned(system, after)

    system.kill("notification")
    system.start("notification")
    clock.set(after.replace(minute=31))
    await scanned(system, after.replace(minute=31))
    assert recipients(box) == [
        ("a@stp.example", "Nhắc hạn đăng ký thi đua: còn 7 ngày"),
        ("b@stp.example", "Nhắc hạn đăng ký thi đua: còn 7 ngày"),
    ]
    sent = system.store_rows("notification", "SELECT COUNT(*) FROM stored_events WHERE topic LIKE '%Delivery.Sent'")[0][
        0
    ]
    assert sent == 4  # 2 units x (e-mail, NATS)


async def test_webhook_is_signed_and_a_receiver_failing_twice_gets_one_successful_delivery(
    system: System, notify_env: None, receivers: list[Receiver]
) -> None:
    flaky = Receiver(fail_first=2)
    broken = Receiver(fail_first=1000)
    receivers += [flaky, broken]
    system.start("notification")
    system.start_api()
    await subscribe(system, "hr", flaky.url, ["achievement-rejected"])
    await subscribe(system, "audit", broken.url, ["achievement_rejected"])
    await subscribe(system, "votes-only", broken.url, ["vote-opened"])
    await wait_for(lambda: len(state(system, "SELECT 1 FROM subscriptions")) == 3)

    reason = "Minh chứng không đầy đủ: thiếu quyết định công nhận sáng kiến."
    trigger = await publish_event(
        system,
        "achievement_rejected",
        {"campaign_id": "2022", "achievement_id": "sang-kien-01", "unit_id": "phong-a", "reason": reason},
        source="evaluation",
    )

    await wait_for(lambda: len(flaky.requests) >= 3)
    await wait_for(lambda: len(broken.requests) >= 4)
    assert [status for _, _, status in flaky.requests] == [500, 500, 200]
    ids = {headers["x-notification-id"] for headers, _, _ in flaky.requests}
    assert len(ids) == 1
    for headers, body, _ in flaky.requests:
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["x-signature"], expected)
        payload = json.loads(body)
        assert payload["notification_id"] in ids
        assert payload["trigger"] == {"id": trigger, "type": "achievement_rejected"}
        assert payload["rule"] == "achievement-rejected"
        assert reason in payload["text"]

    def settled() -> list[dict[str, Any]] | None:  # the NATS notice's send too: its own record, in no order with these
        got: list[dict[str, Any]] = system.get("/v1/units/phong-a/notifications")
        webhooks = [n for n in got if n["channel"] == "webhook"]
        published = [n["status"] for n in got if n["recipient"] == "emulation.notifications.phong-a"]
        done = len(webhooks) == 2 and {n["status"] for n in webhooks} == {"sent", "dead"} and published == ["sent"]
        return got if done else None

    log = await wait_for(settled)
    by_recipient = {n["recipient"]: n for n in log}
    hr = by_recipient["subscription:hr"]
    assert hr["notification_id"] in ids
    assert [(r["type"], r.get("dead")) for r in hr["log"]] == [
        ("notification_scheduled", None),
        ("notification_failed", False),
        ("notification_failed", False),
        ("notification_sent", None),
    ]
    audit = by_recipient["subscription:audit"]
    assert audit["attempts"] == 4 and audit["log"][-1]["dead"] is True
    assert len(broken.requests) == 4
    assert by_recipient["emulation.notifications.phong-a"]["status"] == "sent"
    assert "subscription:votes-only" not in by_recipient
    dead = system.get("/v1/notifications", campaign="2022", status="dead")
    assert [n["recipient"] for n in dead] == ["subscription:audit"]


async def test_killed_between_sending_and_recording_resends_with_the_same_id(
    system: System, notify_env: None, receivers: list[Receiver]
) -> None:
    dispatcher = "notification-views"

    def kill_the_dispatcher_once() -> bool:
        """The first POST is received, then its sender dies before it hears the answer, so before it can record
        the send: SIGKILL, and the answer goes only once the process is gone."""
        proc = system.procs.get(dispatcher)
        if len(receiver.requests) > 1 or proc is None:
            return True
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        return False

    receiver = Receiver(before_answer=kill_the_dispatcher_once)
    receivers.append(receiver)
    system.start("notification", "commands", "relay")
    await subscribe(system, "hr", receiver.url, [])  # also: the store exists before a second process opens it
    system.start("notification", "views", key=dispatcher)
    await wait_for(lambda: state(system, "SELECT 1 FROM subscriptions"))
    await publish_event(
        system,
        "award_decided",
        {
            "campaign_id": "2022",
            "proposal_id": "p-1",
            "award": "tap-the-lao-dong-xuat-sac",
            "unit_id": "phong-a",
            "approved": True,
            "votes_for": 7,
            "votes_against": 0,
            "members_present": 7,
            "members_total": 9,
            "reason": "Đạt đủ tiêu chuẩn.",
        },
        source="evaluation",
    )
    await wait_for(lambda: receiver.requests)
    proc = system.procs[dispatcher]
    await wait_for(lambda: proc.poll() is not None)  # it died with the POST sent, before recording it
    system.kill(dispatcher)
    notice_id = receiver.requests[0][0]["x-notification-id"]
    assert not system.store_rows(
        "notification",
        "SELECT 1 FROM stored_events WHERE topic LIKE '%Delivery.Sent' AND state LIKE ?",
        (f"%{notice_id}%",),
    )

    system.start("notification", "views")
    await wait_for(lambda: len(receiver.requests) >= 2)

    def recorded() -> list[dict[str, Any]] | None:
        got = [n for n in _log(system) if n["notification_id"] == notice_id]
        return got if got and got[0]["status"] == "sent" and len(got[0]["log"]) == 2 else None

    # The log consumer died with `notification_scheduled` in flight: JetStream redelivers it after ack_wait (30 s).
    [notice] = await wait_for(recorded, timeout=60)
    first, second = receiver.requests[0], receiver.requests[1]
    assert second[0]["x-notification-id"] == notice_id
    assert second[1] == first[1] and second[0]["x-signature"] == first[0]["x-signature"]
    assert [r["type"] for r in notice["log"]] == ["notification_scheduled", "notification_sent"]
    await scanned(system, datetime.now(UTC))
    assert len(receiver.requests) == 2


def _log(system: System) -> list[dict[str, Any]]:
    with sqlite3.connect(system.settings.data_dir / "notification-views.db") as db:
        db.row_factory = sqlite3.Row
        try:
            rows = [dict(r) for r in db.execute("SELECT * FROM deliveries")]
            for r in rows:
                recs = db.execute(
                    "SELECT type FROM delivery_records WHERE notification_id = ? ORDER BY seq", (r["notification_id"],)
                )
                r["log"] = [{"type": x["type"]} for x in recs]
        except sqlite3.OperationalError:
            return []
    return rows


async def test_vietnamese_email_decodes_to_exactly_the_expected_text(
    system: System, smtp: tuple[Mailbox, int], notify_env: None
) -> None:
    box = smtp[0]
    system.start("registry")
    system.start("notification")
    await launch(system)  # first: its secretariat becomes the Department Office, which registers units
    await unit(system, "phong-hanh-chinh-tu-phap", "Phòng Hành chính tư pháp", "hctp@stp.example")
    await wait_for(lambda: state(system, "SELECT 1 FROM campaigns") and state(system, "SELECT 1 FROM units"))
    await publish_event(
        system,
        "award_decided",
        {
            "campaign_id": "2022",
            "proposal_id": "de-nghi-07",
            "award": "co-thi-dua-ubnd-thanh-pho",
            "unit_id": "phong-hanh-chinh-tu-phap",
            "approved": True,
            "votes_for": 8,
            "votes_against": 1,
            "members_present": 9,
            "members_total": 11,
            "reason": "Đơn vị dẫn đầu Khối, hoàn thành xuất sắc nhiệm vụ năm 2022.",
        },
        source="evaluation",
    )
    await wait_for(lambda: box.raw)
    raw = box.raw[0]
    msg = box.messages()[0]
    assert msg["Subject"] == "Quyết định khen thưởng: Cờ thi đua của Ủy ban nhân dân Thành phố"
    assert msg["To"] == "hctp@stp.example"
    assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
    assert msg.get_content() == (
        "Kính gửi: Phòng Hành chính tư pháp,\n"
        "\n"
        "Hội đồng Thi đua - Khen thưởng đã chấp thuận đề nghị khen thưởng "
        "«Cờ thi đua của Ủy ban nhân dân Thành phố» cho Phòng Hành chính tư pháp "
        "(Phong trào thi đua yêu nước năm 2022).\n"
        "Kết quả biểu quyết: 8 tán thành, 1 không tán thành.\n"
        "Lý do: Đơn vị dẫn đầu Khối, hoàn thành xuất sắc nhiệm vụ năm 2022.\n"
        "\n"
        "Văn phòng Sở Tư pháp Thành phố Hồ Chí Minh\n"
        "Hệ thống theo dõi thi đua, khen thưởng\n"
    )
    assert str(msg["From"]) == "Văn phòng Sở Tư pháp <thi-dua@localhost>"
    assert raw.isascii()  # encoded for any SMTP server; the decoding above restores every diacritic


async def test_rules_are_switched_and_reminder_offsets_set_per_campaign(
    system: System, smtp: tuple[Mailbox, int], notify_env: None, clock: Clock
) -> None:
    box = smtp[0]
    system.start("notification")  # first: the registry would swallow a command sent before this one subscribes
    body = {"campaign_id": "2022", "disabled_rules": ["achievement-rejected"], "reminder_offsets_days": [3]}
    cmd = {"command_id": str(uuid.uuid4()), "actor": "system:portal", **body}  # before the campaign: a city system
    reply = await system.send("configure_notification_rules", cmd)
    assert reply["ok"] and reply["events"][0]["type"] == "notification_rules_configured.v1"
    assert await system.send("configure_notification_rules", cmd) == reply  # same command id, same reply
    bad = await system.send(
        "configure_notification_rules", {**cmd, "command_id": str(uuid.uuid4()), "disabled_rules": ["no-such-rule"]}
    )
    assert bad["ok"] is False and bad["error"]["code"] == "unknown_rule"
    system.start("registry")

    await launch(system)
    await unit(system, "phong-a", "Phòng A", "a@stp.example")
    await wait_for(lambda: state(system, "SELECT offset_days FROM reminders") == [(3,)])
    await publish_event(
        system,
        "achievement_rejected",
        {"campaign_id": "2022", "achievement_id": "sk-1", "unit_id": "phong-a", "reason": "Thiếu minh chứng."},
        source="evaluation",
    )
    three_days = datetime(2022, 1, 17, 1, 0, tzinfo=UTC)
    clock.set(three_days)
    await wait_for(lambda: box.raw)
    await scanned(system, three_days)
    assert recipients(box) == [("a@stp.example", "Nhắc hạn đăng ký thi đua: còn 3 ngày")]
    assert state(system, "SELECT rule FROM notices WHERE rule = 'achievement-rejected'") == []
