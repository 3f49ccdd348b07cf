"""The patient's side of the messaging (Mon espace santé), with a psc patient token (subject = INS):
conversations, messages, replies. The patient uses it once Mon espace santé is activated (read from the
DMP at each call); messages kept while it was open but not activated become readable then."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Annotated, Final

from fastapi import APIRouter, Path, Query

from services.mssante import mime, rendering, repository, rules, service
from services.mssante.clients import DmpLink
from services.mssante.config import get_mssante_settings
from services.mssante.errors import (
    ConversationEnded,
    ConversationUnknown,
    MailboxUnknown,
    MessageUnknown,
    PatientNotActivated,
    RepresentationRefused,
)
from services.mssante.records import Mailbox, ms
from services.mssante.router import READABLE, Limit, MessageId, Sender, Subject
from services.mssante.schemas import ConversationRead, MessageRead, MessageSummary, ReplyCreate, SentRead
from shared.app import PATIENT_TAG, StrictJsonRoute
from shared.auth import Actor, TokenError, require_patient
from shared.clients import UpstreamError
from shared.db import INTEGER_MAX
from shared.dependencies import ActorDep, TenantDep
from shared.errors import Forbidden, error_responses
from shared.runtime import Runtime
from shared.tenants import Tenant

_ERRORS: Final = (
    TokenError,
    Forbidden,
    RepresentationRefused,
    PatientNotActivated,
    MailboxUnknown,
    UpstreamError,
)

ConversationId = Annotated[int, Path(ge=1, le=INTEGER_MAX, description="The conversation's id")]


def build_patient_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/v1/me", tags=[PATIENT_TAG], route_class=StrictJsonRoute)
    link = DmpLink(runtime.clients, get_mssante_settings())

    async def patient_mailbox(tenant: Tenant, actor: Actor) -> Mailbox:
        """The patient's mailbox, once Mon espace santé is activated; held messages are released then.
        A minor's is the legal representatives' to use (seed 002: Mon espace santé « n'est pas accessible
        à ce jour aux enfants mineurs »), with a token chosen for the minor (``represented_ins``)."""
        patient = require_patient(actor)
        status = await link.patient(tenant, patient.profile_ins)
        service.check_representation(
            status.mineur, status.representants, patient.ins, patient.represented_ins
        )
        if status.statut != "activated":
            raise PatientNotActivated(
                f"Mon espace santé is {status.statut}: the messaging opens once it is activated",
                rule="mes-activated",
            )
        address = rules.patient_address(patient.profile_ins)
        with tenant.unit_of_work() as conn:
            mailbox = repository.get_mailbox(conn, address)
            if mailbox is None:
                raise MailboxUnknown(f"no mailbox {address}", rule="mailbox-exists")
            repository.release_held(conn, address)
        return mailbox

    @router.get("/conversations", response_model=list[ConversationRead], responses=error_responses(*_ERRORS))
    async def conversations(tenant: TenantDep, actor: ActorDep) -> list[ConversationRead]:
        """The conversations professionals opened with the patient, newest first; ended ones say so."""
        mailbox = await patient_mailbox(tenant, actor)
        with tenant.reading() as conn:
            return [rendering.conversation(c) for c in repository.list_conversations(conn, mailbox.address)]

    @router.get("/messages", response_model=list[MessageSummary], responses=error_responses(*_ERRORS))
    async def messages(
        tenant: TenantDep,
        actor: ActorDep,
        sender: Sender = None,
        subject: Subject = None,
        conversation: Annotated[
            int | None, Query(ge=1, le=INTEGER_MAX, description="Only this conversation's messages")
        ] = None,
        limit: Limit = 100,
    ) -> list[MessageSummary]:
        """The patient's messages, newest first (``conversation``: only that conversation's)."""
        mailbox = await patient_mailbox(tenant, actor)
        search = repository.Search(sender=sender, subject=subject, conversation=conversation)
        with tenant.reading() as conn:
            found = repository.search_messages(
                conn, mailbox.address, search, states=READABLE, limit=limit, newest_first=True
            )
        return [rendering.summary(m) for m in found]

    @router.get(
        "/messages/{message_id}",
        response_model=MessageRead,
        responses=error_responses(*_ERRORS, MessageUnknown),
    )
    async def read(tenant: TenantDep, actor: ActorDep, message_id: MessageId) -> MessageRead:
        """A message of the patient's mailbox."""
        mailbox = await patient_mailbox(tenant, actor)
        with tenant.reading() as conn:
            found = repository.get_message(conn, mailbox.address, message_id, READABLE)
        if found is None:
            raise MessageUnknown(f"no message {message_id}", rule="message-exists")
        return rendering.message(found)

    @router.post(
        "/conversations/{conversation_id}/messages",
        response_model=SentRead,
        status_code=201,
        responses=error_responses(*_ERRORS, ConversationUnknown, ConversationEnded),
    )
    async def reply(
        tenant: TenantDep, actor: ActorDep, conversation_id: ConversationId, body: ReplyCreate
    ) -> SentRead:
        """Reply to the professional in a conversation they opened; refused once they ended it ([FIN])."""
        mailbox = await patient_mailbox(tenant, actor)
        now = tenant.clock.now()
        with tenant.unit_of_work() as conn:
            found = repository.get_conversation(conn, conversation_id, mailbox.address)
            if found is None:
                raise ConversationUnknown(f"no conversation {conversation_id}", rule="conversation-exists")
            recipient = service.check_recipient(conn, mailbox, found.professional)
            message = EmailMessage()
            message["From"] = mailbox.address
            message["To"] = recipient.address
            message["Subject"] = body.subject or f"Re: {found.subject}"
            message["Date"] = format_datetime(now)
            message["Message-ID"] = make_msgid(domain=rules.PATIENT_DOMAIN)
            message.set_content(body.text)
            raw = message.as_bytes()
            inspected = mime.inspect(raw)
            service.check_content(inspected, mailbox)
            accepted = service.accept(
                conn, service.Submission(mailbox, [recipient], raw, inspected), now, ms(now)
            )
        return SentRead(id=accepted.message_id, conversation=found.id)

    return router
