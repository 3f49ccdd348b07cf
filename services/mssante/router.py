"""The HTTP API: mailboxes and messages (professionals' tokens), the outbox of e-mails to personal
addresses (a mail catcher, no token), and the sandbox's quota control."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Final, TypeVar

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy import Connection

from services.mssante import rendering, reports, repository, rules, service
from services.mssante.clients import DmpLink
from services.mssante.config import get_mssante_settings
from services.mssante.errors import MailboxForbidden, MailboxUnknown, MessageUnknown
from services.mssante.records import Mailbox, StoredMessage, ms
from services.mssante.schemas import MailboxRead, MessageRead, MessageSummary, OutboxRead, QuotaUpdate
from shared.app import BINARY, StrictJsonRoute
from shared.auth import Actor, TokenError, require_professional
from shared.db import BIGINT_MAX, INTEGER_MAX
from shared.dependencies import ActorDep, TenantDep
from shared.errors import Forbidden, SandboxError, error_responses
from shared.runtime import Runtime
from shared.tenants import Tenant

T = TypeVar("T")
READABLE: Final = ("delivered",)
POLL_SECONDS: Final = 0.05
MAX_WAIT_SECONDS: Final = 60.0

AddressPath = Annotated[str, Path(max_length=200, description="The mailbox's address")]
Sender = Annotated[str | None, Query(max_length=200, description="Envelope sender, exact")]
Recipient = Annotated[str | None, Query(max_length=200, description="A recipient (contained)")]
Subject = Annotated[str | None, Query(max_length=300, description="Text the subject contains")]
Since = Annotated[int | None, Query(ge=0, le=BIGINT_MAX, description="Received at or after (Unix ms)")]
Until = Annotated[int | None, Query(ge=0, le=BIGINT_MAX, description="Received at or before (Unix ms)")]
After = Annotated[int | None, Query(ge=0, le=INTEGER_MAX, description="Only messages with a greater id")]
MessageId = Annotated[int, Path(ge=1, le=INTEGER_MAX, description="The message's id in its mailbox")]
Limit = Annotated[int, Query(ge=1, le=1000)]
Timeout = Annotated[
    float, Query(alias="timeout", ge=0, le=MAX_WAIT_SECONDS, description="Seconds to wait at most")
]

ToQuery = Annotated[str | None, Query(max_length=200, description="The personal address")]
KindQuery = Annotated[str | None, Query(max_length=40)]
InsQuery = Annotated[str | None, Query(max_length=15)]


class WaitTimeout(SandboxError):
    status = 408
    code = "wait-timeout"


def owned_mailbox(conn: Connection, actor: Actor, address: str, today: date) -> Mailbox:
    """The mailbox, when the token's holder owns it (see ``service.token_owns``)."""
    mailbox = repository.get_mailbox(conn, rules.normalise(address))
    if mailbox is None:
        raise MailboxUnknown(f"no mailbox {address[:200]}", rule="mailbox-exists")
    if not service.token_owns(actor, mailbox, today):
        raise MailboxForbidden("the token's holder does not own this mailbox", rule="mailbox-owner")
    return mailbox


async def wait_for(tenant: Tenant, seconds: float, probe: Callable[[Connection], list[T]]) -> T:
    """Call ``probe(conn)`` until it returns something or ``seconds`` pass (a long poll over the
    database, so that it sees what any process or thread stored)."""
    deadline = time.monotonic() + seconds
    while True:
        with tenant.reading() as conn:
            found = probe(conn)
        if found:
            return found[0]
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"nothing matched within {seconds:g} s", rule="wait")
        await asyncio.sleep(POLL_SECONDS)


async def pull_dmp_notifications(link: DmpLink, tenant: Tenant) -> None:
    """The outbox sends the DMP's pending notifications whenever it is read: claimed (the DMP marks them
    sent in the same transaction) then written to the outbox."""
    claimed = await link.claim_notifications(tenant)
    if claimed:
        now = tenant.clock.now()
        with tenant.unit_of_work() as conn:
            service.send_personal(conn, [reports.dmp_notification(n) for n in claimed], now, ms(now))


def readable_message(tenant: Tenant, actor: Actor, address: str, message_id: int) -> StoredMessage:
    """Message ``message_id`` of the caller's mailbox ``address``, with its stored bytes."""
    with tenant.reading() as conn:
        mailbox = owned_mailbox(conn, actor, address, tenant.clock.now().date())
        found = repository.get_message(conn, mailbox.address, message_id, READABLE)
    if found is None or found.raw is None:
        raise MessageUnknown(f"no message {message_id} in {mailbox.address}", rule="message-exists")
    return found


def build_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["mailboxes"], route_class=StrictJsonRoute)
    link = DmpLink(runtime.clients, get_mssante_settings())
    mailbox_errors = error_responses(TokenError, Forbidden, MailboxForbidden, MailboxUnknown)

    @router.get(
        "/mailboxes", response_model=list[MailboxRead], responses=error_responses(TokenError, Forbidden)
    )
    async def list_mailboxes(
        tenant: TenantDep,
        actor: ActorDep,
        q: Annotated[str | None, Query(max_length=100, description="Text in the address or name")] = None,
        structure: Annotated[str | None, Query(max_length=20)] = None,
        kind: Annotated[str | None, Query(max_length=20)] = None,
        limit: Limit = 100,
    ) -> list[MailboxRead]:
        """The directory of mailboxes (any professional's token)."""
        require_professional(actor)
        with tenant.reading() as conn:
            found = repository.list_mailboxes(conn, q=q, structure_id=structure, kind=kind, limit=limit)
        return [rendering.mailbox(m) for m in found]

    @router.get("/mailboxes/{address}", response_model=MailboxRead, responses=mailbox_errors)
    async def get_mailbox(tenant: TenantDep, actor: ActorDep, address: AddressPath) -> MailboxRead:
        """A mailbox its holder owns: kind, quota, usage."""
        with tenant.reading() as conn:
            return rendering.mailbox(owned_mailbox(conn, actor, address, tenant.clock.now().date()))

    @router.get(
        "/mailboxes/{address}/messages", response_model=list[MessageSummary], responses=mailbox_errors
    )
    async def search_messages(
        tenant: TenantDep,
        actor: ActorDep,
        address: AddressPath,
        sender: Sender = None,
        recipient: Recipient = None,
        subject: Subject = None,
        since: Since = None,
        until: Until = None,
        limit: Limit = 100,
    ) -> list[MessageSummary]:
        """The mailbox's messages, newest first, filtered by sender, recipient, subject and date."""
        search = repository.Search(sender, recipient, subject, since, until)
        with tenant.reading() as conn:
            mailbox = owned_mailbox(conn, actor, address, tenant.clock.now().date())
            found = repository.search_messages(
                conn, mailbox.address, search, states=READABLE, limit=limit, newest_first=True
            )
        return [rendering.summary(m) for m in found]

    @router.get(
        "/mailboxes/{address}/messages/wait",
        response_model=MessageSummary,
        responses=error_responses(TokenError, Forbidden, MailboxForbidden, MailboxUnknown, WaitTimeout),
    )
    async def wait_message(
        tenant: TenantDep,
        actor: ActorDep,
        address: AddressPath,
        sender: Sender = None,
        recipient: Recipient = None,
        subject: Subject = None,
        after: After = None,
        wait: Timeout = 10.0,
    ) -> MessageSummary:
        """Wait (long poll) for the first message matching the criteria, with an id above ``after``;
        408 ``wait-timeout`` when none came within ``timeout`` seconds."""
        with tenant.reading() as conn:
            mailbox = owned_mailbox(conn, actor, address, tenant.clock.now().date())
        search = repository.Search(sender, recipient, subject, after=after)

        def probe(conn: Connection) -> list[StoredMessage]:
            return repository.search_messages(
                conn, mailbox.address, search, states=READABLE, limit=1, newest_first=False
            )

        return rendering.summary(await wait_for(tenant, wait, probe))

    @router.get(
        "/mailboxes/{address}/messages/{message_id}",
        response_model=MessageRead,
        responses=error_responses(TokenError, Forbidden, MailboxForbidden, MailboxUnknown, MessageUnknown),
    )
    async def read_message(
        tenant: TenantDep, actor: ActorDep, address: AddressPath, message_id: MessageId
    ) -> MessageRead:
        """A message: headers, text body, attachments (base64) and the X-MSS-* findings."""
        return rendering.message(readable_message(tenant, actor, address, message_id))

    @router.get(
        "/mailboxes/{address}/messages/{message_id}/raw",
        response_class=Response,
        responses={
            200: {"content": {"message/rfc822": {"schema": BINARY}}, "description": "RFC 5322 bytes"},
            **error_responses(MessageUnknown, MailboxForbidden),
        },
    )
    async def raw_message(
        tenant: TenantDep, actor: ActorDep, address: AddressPath, message_id: MessageId
    ) -> Response:
        """The message as stored (RFC 5322 bytes)."""
        found = readable_message(tenant, actor, address, message_id)
        return Response(found.raw, media_type="message/rfc822")

    @router.delete(
        "/mailboxes/{address}/messages/{message_id}",
        status_code=204,
        response_class=Response,
        responses=error_responses(TokenError, Forbidden, MailboxForbidden, MailboxUnknown, MessageUnknown),
    )
    async def delete_message(
        tenant: TenantDep, actor: ActorDep, address: AddressPath, message_id: MessageId
    ) -> Response:
        """Delete the message from this mailbox (other recipients keep theirs)."""
        with tenant.unit_of_work() as conn:
            mailbox = owned_mailbox(conn, actor, address, tenant.clock.now().date())
            if not repository.set_delivery_state(conn, mailbox.address, message_id, "deleted"):
                raise MessageUnknown(f"no message {message_id} in {mailbox.address}", rule="message-exists")
        return Response(status_code=204)

    # --- the outbox ----------

    @router.get("/outbox", response_model=list[OutboxRead], tags=["outbox"])
    async def list_outbox(
        tenant: TenantDep,
        to: ToQuery = None,
        kind: KindQuery = None,
        ins: InsQuery = None,
        after: After = None,
        limit: Limit = 100,
    ) -> list[OutboxRead]:
        """E-mails sent to personal addresses (activation invitations, new-message notices, the DMP's
        notifications, pulled from the DMP on each read): the sandbox's mail catcher, oldest first."""
        await pull_dmp_notifications(link, tenant)
        with tenant.reading() as conn:
            rows = repository.list_outbox(conn, to=to, kind=kind, ins=ins, after=after, limit=limit)
        return [rendering.outbox(r) for r in rows]

    @router.get(
        "/outbox/wait", response_model=OutboxRead, tags=["outbox"], responses=error_responses(WaitTimeout)
    )
    async def wait_outbox(
        tenant: TenantDep,
        to: ToQuery = None,
        kind: KindQuery = None,
        ins: InsQuery = None,
        after: After = None,
        wait: Timeout = 10.0,
    ) -> OutboxRead:
        """Wait (long poll) for the first outbox e-mail matching the criteria with an id above ``after``."""

        def probe(conn: Connection) -> list[dict[str, Any]]:
            return repository.list_outbox(conn, to=to, kind=kind, ins=ins, after=after, limit=1)

        await pull_dmp_notifications(link, tenant)
        return rendering.outbox(await wait_for(tenant, wait, probe))

    @router.delete("/outbox", status_code=204, response_class=Response, tags=["outbox"])
    async def clear_outbox(tenant: TenantDep) -> Response:
        """Empty the outbox (the mail catcher's "delete all")."""
        with tenant.unit_of_work() as conn:
            repository.clear_outbox(conn)
        return Response(status_code=204)

    return router


def build_sandbox_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/sandbox", tags=["sandbox"], route_class=StrictJsonRoute)

    @router.put(
        "/mailboxes/{address}/quota", response_model=MailboxRead, responses=error_responses(MailboxUnknown)
    )
    async def set_quota(tenant: TenantDep, address: AddressPath, body: QuotaUpdate) -> MailboxRead:
        """Set a mailbox's quota (bytes), e.g. to rehearse 552 mailbox full."""
        target = rules.normalise(address)
        with tenant.unit_of_work() as conn:
            if not repository.set_quota(conn, target, body.quota_bytes):
                raise MailboxUnknown(f"no mailbox {target}", rule="mailbox-exists")
            found = repository.get_mailbox(conn, target)
        assert found is not None
        return rendering.mailbox(found)

    return router
