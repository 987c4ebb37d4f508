"""A city system's feed: the events granted to it, kept in a stream of its own account.

Core NATS imports lose what arrives while a city system is down and hold no history. So each city system's
account (`CITY_<NAME>`) gets JetStream and one stream, `EMULATION`, that *sources* the department's stream
through a durable consumer the administrator owns (nats-server 2.14+ durable sourcing): on the department's
`EMULATION` stream, a push consumer named after the account, filtered to the granted event types and
acknowledged by flow control, delivers to a subject exported to that account alone; the city's stream stores
what arrives. The filter is the administrator's: the city account may only ask the server to resume that one
consumer (`CONSUMER.RESET`) and answer its flow control, never create or change a consumer in the department's
account, so nothing it is not granted ever enters its stream. It reads its own stream with its own durable
consumers (from the start, a sequence or a time; acknowledged), which the server keeps while it is away.

The configuration pieces here are pure (`emulation/security.py` puts them in the server configuration);
`ensure` creates the consumer and the stream, as the administrator, idempotently (`emulation up` on start).
"""

from __future__ import annotations

import json
from typing import Any

from shared.events.envelope import EVENTS_PREFIX, STREAM

FEED_STREAM = STREAM
"""The stream of granted events in a city system's account: named as the department's, which it copies."""
DEPARTMENT_API = "$JS.EMULATION.API"
"""In a city account, where the department's JetStream API is imported: only the reset of its feed consumer."""
LIMITS = {"max_streams": 1, "max_consumers": 100, "max_file": -1, "max_mem": -1}
"""JetStream of a city account: its feed stream alone and up to 100 consumers of it. No storage quota: the feed
holds a part of the department's stream, which bounds it, and a quota would be reserved on the server's disk
up front for every city system, stopping a small machine from starting."""
STREAM_API = ("INFO", "CREATE")
"""What the administrator may ask of a city account's JetStream (through an import): see and create its feed."""


def consumer_name(account: str) -> str:
    """The feed consumer on the department's stream, named after the city account (`CITY_HR`)."""
    return account


def deliver_subject(account: str) -> str:
    return f"emulation.feed.{account}"


def admin_api(account: str) -> str:
    """In the EMULATION account, where the administrator reaches a city account's JetStream API."""
    return f"$JS.{account}.API"


def filters(events: list[str]) -> list[str]:
    return [f"{EVENTS_PREFIX}.*.{name}" for name in events]


def consumer_config(account: str, events: list[str]) -> dict[str, Any]:
    """The feed consumer: every granted event type from the start, acknowledged by the sourcing stream's flow
    control (`flow_control`: what the city's stream has stored is acknowledged, the rest is sent again)."""
    name = consumer_name(account)
    return {
        "name": name,
        "durable_name": name,
        "description": f"granted events for {account}",
        "deliver_subject": deliver_subject(account),
        "deliver_policy": "all",
        "ack_policy": "flow_control",
        "filter_subjects": filters(events),
    }


def stream_config(account: str, replicas: int = 1) -> dict[str, Any]:
    """The city's copy: sourced from its feed consumer only; no subjects of its own (nobody publishes into it)."""
    consumer = {"name": consumer_name(account), "deliver_subject": deliver_subject(account)}
    return {
        "name": FEED_STREAM,
        "storage": "file",
        "num_replicas": replicas,
        "sources": [{"name": STREAM, "consumer": consumer, "external": {"api": DEPARTMENT_API}}],
        "deny_delete": True,
        "deny_purge": True,
    }


def department_side(account: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(exports, imports) of the EMULATION account for one city account's feed."""
    name, to = consumer_name(account), [account]
    exports = [
        {"stream": deliver_subject(account), "accounts": to},
        {"service": f"$JS.API.CONSUMER.RESET.{STREAM}.{name}", "accounts": to},
        {"service": f"$JS.FC.{STREAM}.{name}.*", "accounts": to},
    ]
    imports = [
        {
            "service": {"account": account, "subject": f"$JS.API.STREAM.{op}.{FEED_STREAM}"},
            "to": f"{admin_api(account)}.STREAM.{op}.{FEED_STREAM}",
        }
        for op in STREAM_API
    ]
    return exports, imports


def city_side(account: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(exports, imports) of a city account for its feed: the mirror image of `department_side`."""
    name, dept = consumer_name(account), "EMULATION"
    exports: list[dict[str, Any]] = [
        {"service": f"$JS.API.STREAM.{op}.{FEED_STREAM}", "accounts": [dept]} for op in STREAM_API
    ]
    imports: list[dict[str, Any]] = [
        {"stream": {"account": dept, "subject": deliver_subject(account)}},
        {
            "service": {"account": dept, "subject": f"$JS.API.CONSUMER.RESET.{STREAM}.{name}"},
            "to": f"{DEPARTMENT_API}.CONSUMER.RESET.{STREAM}.{name}",
        },
        {"service": {"account": dept, "subject": f"$JS.FC.{STREAM}.{name}.*"}},
    ]
    return exports, imports


def city_denied(account: str) -> list[str]:
    """What a city system's own login may not publish, besides administering streams (its feed is the
    administrator's, like the department's streams): the department's API, its feed's flow control."""
    return [f"{DEPARTMENT_API}.>", f"$JS.FC.{STREAM}.{consumer_name(account)}.*"]


def city_unreadable(account: str) -> list[str]:
    """What a city system's own login may not subscribe to: its feed's delivery subject, where a push consumer
    of the department's stream made by someone else than the administrator could deliver (its stream takes
    only deliveries of its own feed consumer, the login would take anything)."""
    return [deliver_subject(account)]


class FeedError(RuntimeError):
    """The server refused to create a city system's feed."""


async def ensure(nc: Any, account: str, events: list[str], replicas: int = 1, timeout: float = 10.0) -> bool:
    """Create `account`'s feed as the administrator (connection `nc`), if it is granted any event; True if it
    has one. Idempotent: an existing feed is kept, its consumer's filter follows the grants (a type granted
    later flows from the feed's position on). A feed stream that is missing (a new city system, or a lost copy) starts again
    from the department's first event: its consumer is recreated before the stream."""
    if not events:
        return False
    api = admin_api(account)
    info = await _call(nc, f"{api}.STREAM.INFO.{FEED_STREAM}", None, timeout, missing_ok=True)
    consumer_api = f"$JS.API.CONSUMER.%s.{STREAM}.{consumer_name(account)}"
    if info is None:
        await _call(nc, consumer_api % "DELETE", None, timeout, missing_ok=True)
    body = {"stream_name": STREAM, "config": consumer_config(account, events)}
    await _call(nc, consumer_api % "CREATE", body, timeout)
    if info is None:
        await _call(nc, f"{api}.STREAM.CREATE.{FEED_STREAM}", stream_config(account, replicas), timeout)
    return True


async def _call(nc: Any, subject: str, body: Any, timeout: float, missing_ok: bool = False) -> Any:
    """A JetStream API request by hand (nats-py does not model durable sourcing or `flow_control` acks)."""
    reply = await nc.request(subject, b"" if body is None else json.dumps(body).encode(), timeout=timeout)
    answer = json.loads(reply.data)
    error = answer.get("error")
    if error and missing_ok and error.get("code") == 404:
        return None
    if error:
        raise FeedError(f"{subject}: {error.get('description')} (code {error.get('err_code')})")
    return answer
