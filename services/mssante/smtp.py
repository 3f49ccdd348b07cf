"""The SMTP listener: aiosmtpd on its own thread and event loop, in the all-in-one process and alone.

* Submission port (``ESANTE_SMTP_PORT``, 2525) with STARTTLS, and an implicit-TLS port
  (``ESANTE_SMTPS_PORT``, 2465); the certificate is the sandbox CA's server certificate (shared/tls.py,
  made on first start). SIZE (``ESANTE_MSSANTE_MAX_MESSAGE_BYTES``), 8BITMIME, SMTPUTF8.
* AUTH PLAIN / LOGIN with the mailbox's credentials (every mailbox's password is
  ``ESANTE_MSSANTE_PASSWORD``, ``mssante`` by default), XOAUTH2 / OAUTHBEARER with a psc access token of
  the mailbox's holder. The identity names the tenant: ``<mailbox>`` (default tenant) or
  ``<tenant>/<mailbox>``; for the token mechanisms it is the SASL user (XOAUTH2 ``user=``, OAUTHBEARER
  ``a=``), the token itself being valid in every tenant.
* A message answered 250 is committed in the tenant's database before the reply.

Nothing asynchronous is shared with the web app's loop: each listener thread has its own handler, its
own service clients (a fork of the runtime's) and its own token verifier.
"""

from __future__ import annotations

import base64
import binascii
import logging
import socket
import ssl
import weakref
from dataclasses import dataclass
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from services.mssante import mime, repository, rules, service
from services.mssante.clients import DmpLink, PatientStatus
from services.mssante.config import MssanteSettings, get_mssante_settings
from services.mssante.errors import MssanteError
from services.mssante.records import Mailbox, ms
from services.mssante.rules import Kind, Reply
from shared.auth import TokenError, TokenVerifier
from shared.clients import ServiceClients, UpstreamError
from shared.errors import DatabaseUnavailable, SandboxError
from shared.runtime import JWKS_PATH, Runtime
from shared.tenancy import DEFAULT_TENANT
from shared.tenants import Tenant, TenantReset

log = logging.getLogger("esante.mssante.smtp")

_TRANSIENT = (DatabaseUnavailable, TenantReset)
"""Faults a client should retry: the database is unreachable, or the tenant was reset under the
command. Answered ``451 4.3.0`` (``454 4.7.0`` for AUTH) and the session stays usable."""


@dataclass(frozen=True, slots=True)
class Authenticated:
    """What AUTH established: the tenant's name and the mailbox the session sends as. The tenant is
    looked up again by each command, so that a session outlives a reset of its tenant or a restart
    of the database."""

    tenant: str
    mailbox: Mailbox


@dataclass
class _Transaction:
    recipients: list[Mailbox]


class MssanteHandler:
    """aiosmtpd hooks: each returns the SMTP reply. One per listener thread."""

    def __init__(self, runtime: Runtime, settings: MssanteSettings) -> None:
        self.runtime = runtime
        self.settings = settings
        clients: ServiceClients = runtime.clients.fork()
        self.link = DmpLink(clients, settings)

        async def fetch_jwks() -> dict[str, Any]:
            response = await clients.request("psc", "GET", JWKS_PATH, tenant=DEFAULT_TENANT)
            response.raise_for_status()
            data: dict[str, Any] = response.json()
            return data

        self.verifier = TokenVerifier(
            issuer=runtime.settings.issuer,
            patient_issuer=runtime.settings.patient_issuer,
            fetch_jwks=fetch_jwks,
            cache_size=runtime.settings.token_cache_size,
        )
        self._transactions: weakref.WeakKeyDictionary[Envelope, _Transaction] = weakref.WeakKeyDictionary()

    # --- AUTH ----------

    def _mailbox(self, login: str) -> tuple[Tenant, Mailbox] | None:
        """The mailbox ``login`` names, in its tenant; None when there is none. A database that
        cannot be reached raises (``_TRANSIENT``): AUTH then fails as temporary (RFC 4954, 454)."""
        identity = rules.parse_identity(login)
        try:
            tenant = self.runtime.tenants.get(identity.tenant)
        except _TRANSIENT:
            raise
        except SandboxError:
            return None
        with tenant.reading() as conn:
            mailbox = repository.get_mailbox(conn, identity.address)
        return None if mailbox is None else (tenant, mailbox)

    def authenticator(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        """PLAIN and LOGIN: the mailbox exists in the named tenant and the password is the sandbox's."""
        if not self.runtime.ready.is_set() or not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        try:
            login = auth_data.login.decode("utf-8")
            password = auth_data.password.decode("utf-8")
        except UnicodeDecodeError:
            return AuthResult(success=False, handled=False)
        try:
            found = self._mailbox(login)
        except _TRANSIENT as exc:
            return AuthResult(
                success=False,
                handled=False,
                message=f"454 4.7.0 temporary authentication failure: {exc.detail}",
            )
        if found is None or not service.check_password(password, self.settings.password):
            return AuthResult(success=False, handled=False)
        tenant, mailbox = found
        return AuthResult(success=True, auth_data=Authenticated(tenant.name, mailbox))

    async def _bearer(self, server: SMTP, args: list[str], mechanism: str) -> AuthResult:
        if len(args) > 1:
            try:
                blob = base64.b64decode(args[1], validate=True)
            except (binascii.Error, ValueError):
                return AuthResult(success=False, handled=False, message="501 5.5.2 cannot decode base64")
        else:
            answer = await server.challenge_auth("")
            if not isinstance(answer, bytes):
                return AuthResult(success=False, handled=True)
            blob = answer
        user, token = _sasl_bearer(blob.decode("utf-8", "replace"), mechanism)
        if not user or not token or not self.runtime.ready.is_set():
            return AuthResult(success=False, handled=False)
        try:
            found = self._mailbox(user)
            if found is None:
                return AuthResult(success=False, handled=False)
            tenant, mailbox = found
            actor = await self.verifier.verify(token, tenant.clock.now())
        except _TRANSIENT as exc:
            return AuthResult(
                success=False,
                handled=False,
                message=f"454 4.7.0 temporary authentication failure: {exc.detail}",
            )
        except (TokenError, UpstreamError):
            return AuthResult(success=False, handled=False)
        if not service.token_owns(actor, mailbox, tenant.clock.now().date()):
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=Authenticated(tenant.name, mailbox))

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        """XOAUTH2: ``user=<identity>^Aauth=Bearer <psc access token>^A^A``."""
        return await self._bearer(server, args, "XOAUTH2")

    async def auth_OAUTHBEARER(self, server: SMTP, args: list[str]) -> AuthResult:
        """OAUTHBEARER (RFC 7628): ``n,a=<identity>,^Aauth=Bearer <psc access token>^A^A``."""
        return await self._bearer(server, args, "OAUTHBEARER")

    async def handle_exception(self, error: Exception) -> str:
        """An unexpected error in a command: logged, a transient reply, the listener keeps serving."""
        log.error("SMTP command failed", exc_info=error)
        return "451 4.3.0 internal error, try again"

    # --- the transaction ----------

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if not self.runtime.ready.is_set():
            return Reply.NOT_READY
        auth = session.auth_data
        if not session.authenticated or not isinstance(auth, Authenticated):
            return Reply.AUTH_REQUIRED
        if rules.normalise(address) != auth.mailbox.address:
            return Reply.SENDER_NOT_OWNED
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        self._transactions[envelope] = _Transaction([])
        return Reply.SENDER_OK

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        auth = session.auth_data
        transaction = self._transactions.get(envelope)
        if not isinstance(auth, Authenticated) or transaction is None:
            return Reply.AUTH_REQUIRED
        try:
            with self.runtime.tenants.get(auth.tenant).reading() as conn:
                recipient = service.check_recipient(conn, auth.mailbox, address)
        except MssanteError as exc:
            return f"{exc.smtp}: {exc.detail}"
        except _TRANSIENT as exc:
            return f"451 4.3.0 {exc.detail}"
        if recipient.address not in {r.address for r in transaction.recipients}:
            transaction.recipients.append(recipient)
        envelope.rcpt_tos.append(address)
        return Reply.RCPT_OK

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        auth = session.auth_data
        transaction = self._transactions.pop(envelope, None)
        if not isinstance(auth, Authenticated) or transaction is None:
            return Reply.AUTH_REQUIRED
        raw = envelope.original_content
        if not isinstance(raw, bytes):
            return Reply.MALFORMED
        try:
            return await self._accept(auth, transaction, raw)
        except MssanteError as exc:
            return f"{exc.smtp}: {exc.detail}"
        except _TRANSIENT as exc:
            return f"451 4.3.0 {exc.detail}; message not accepted"
        except UpstreamError:
            return Reply.UPSTREAM
        except Exception:  # the listener keeps serving; the client may retry
            log.exception("accepting a message failed")
            return "451 4.3.0 internal error, message not accepted"

    async def _accept(self, auth: Authenticated, transaction: _Transaction, raw: bytes) -> str:
        tenant = self.runtime.tenants.get(auth.tenant)
        inspected = mime.inspect(raw)
        sender, recipients = auth.mailbox, transaction.recipients
        service.check_content(inspected, sender)
        patients: dict[str, PatientStatus] = {}
        if sender.kind != Kind.PATIENT:
            for recipient in recipients:
                if recipient.kind == Kind.PATIENT and recipient.ins is not None:
                    patients[recipient.address] = await self.link.patient(tenant, recipient.ins)
        now = tenant.clock.now()
        submission = service.Submission(sender, recipients, raw, inspected, patients)
        with tenant.unit_of_work() as conn:
            accepted = service.accept(conn, submission, now, ms(now))
        return f"{Reply.OK}: queued as {accepted.message_id}"


def _auth_temporary(exc: SandboxError) -> AuthResult:
    return AuthResult(
        success=False, handled=False, message=f"454 4.7.0 temporary authentication failure: {exc.detail}"
    )


def _sasl_bearer(text: str, mechanism: str) -> tuple[str | None, str | None]:
    """The identity and the bearer token of an XOAUTH2 or OAUTHBEARER initial response."""
    user: str | None = None
    token: str | None = None
    fields = text.split("\x01")
    if mechanism == "OAUTHBEARER":
        gs2 = fields[0].split(",")
        user = next((part[2:] for part in gs2 if part.startswith("a=")), None)
        fields = fields[1:]
    for item in fields:
        key, _, value = item.partition("=")
        if key == "user":
            user = value
        elif key == "auth" and value.lower().startswith("bearer "):
            token = value[7:].strip()
    return user, token


AUTH_LINE_LIMIT = 12_288
"""RFC 4954 §4: an AUTH command line may be 12288 octets (a psc token in XOAUTH2 is over 1000)."""


class MssanteSMTP(SMTP):
    """aiosmtpd's SMTP with room for a bearer token on the AUTH line. The stream's line limit is shared
    with DATA, whose lines may therefore be as long (the sandbox is lenient there, RFC 5321 says 1000)."""

    line_length_limit = AUTH_LINE_LIMIT + 2


class MssanteController(Controller):
    def factory(self) -> SMTP:
        server = MssanteSMTP(self.handler, **self.SMTP_kwargs)
        server.command_size_limits["AUTH"] = AUTH_LINE_LIMIT
        return server

    def _trigger_server(self) -> None:
        """aiosmtpd's first connection to its own listener, which makes it build its SMTP instance
        (``start`` waits for it). The implicit-TLS handshake uses a client context that loads no trust
        store: aiosmtpd's own (``ssl.create_default_context``) reads the system's CA certificates, about
        20 ms of every start, for a handshake that verifies nothing."""
        with socket.create_connection((self.hostname or self._localhost, self.port), 1.0) as raw:
            if self.ssl_context is None:
                raw.recv(1024)
                return
            client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            client.check_hostname = False
            client.verify_mode = ssl.CERT_NONE
            with client.wrap_socket(raw) as sock:
                sock.recv(1024)


def tls_context(runtime: Runtime) -> ssl.SSLContext:
    """The server certificate of the sandbox CA (made on first start) for STARTTLS and implicit TLS."""
    from shared.tls import server_certificate, server_hosts

    settings = runtime.settings
    files = server_certificate(settings.data_dir, server_hosts(settings))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(files.certificate), str(files.key))
    return context


class SmtpListener:
    """The submission and implicit-TLS listeners; ``start`` and ``stop`` from any thread."""

    def __init__(self, runtime: Runtime, *, port: int | None = None, tls_port: int | None = None) -> None:
        self.runtime = runtime
        self.port = runtime.settings.smtp_port if port is None else port
        self.tls_port = runtime.settings.smtps_port if tls_port is None else tls_port
        self._controllers: list[MssanteController] = []

    def _controller(self, port: int, context: ssl.SSLContext, implicit: bool) -> MssanteController:
        settings = get_mssante_settings()
        handler = MssanteHandler(self.runtime, settings)
        kwargs: dict[str, Any] = {
            "server_hostname": settings.hostname,
            "data_size_limit": settings.max_message_bytes,
            "enable_SMTPUTF8": True,
            "auth_require_tls": settings.require_tls,
            "authenticator": handler.authenticator,
            "ident": "esante-sandbox MSSanté",
        }
        if implicit:
            kwargs["ssl_context"] = context
        else:
            kwargs["tls_context"] = context
        return MssanteController(handler, hostname=self.runtime.settings.host, port=port, **kwargs)

    def start(self) -> None:
        context = tls_context(self.runtime)
        if self.port:
            self._controllers.append(self._controller(self.port, context, implicit=False))
        if self.tls_port:
            self._controllers.append(self._controller(self.tls_port, context, implicit=True))
        for controller in self._controllers:
            controller.start()

    def stop(self) -> None:
        for controller in self._controllers:
            controller.stop()
        self._controllers.clear()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on now (tests and benchmarks start listeners on their own ports)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port
