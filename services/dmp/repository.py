"""Every query of the DMP (SQLAlchemy Core on the caller's connection); nothing else builds SQL.

The hot paths (a professional's search, a deposit) run statements compiled once per dialect on the
request's DBAPI connection (``shared.db.Prepared``): measured here, SQLAlchemy's execution and result
layers cost four times the query itself, and the perf anchors show the ORM costs more still.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import orjson
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Connection,
    Table,
    Text,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal_column,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from services.dmp.access import Reglages
from services.dmp.lifecycle import Dates
from services.dmp.models import (
    DmpDocument,
    DmpDocumentContenu,
    DmpMatrice,
    DmpNotification,
    DmpProfessionnel,
    DmpProfile,
    DmpRepresentant,
    DmpTrace,
)
from services.dmp.records import Document, LienRecord, Notification, Profile, Trace
from shared.db import AsyncDriverConnection, Prepared, array_literal, table_of

_profile = table_of(DmpProfile)
_representant = table_of(DmpRepresentant)
_lien = table_of(DmpProfessionnel)
_document = table_of(DmpDocument)
_contenu = table_of(DmpDocumentContenu)
_trace = table_of(DmpTrace)
_notification = table_of(DmpNotification)
_matrice = table_of(DmpMatrice)

_TABLES = {
    "profile": _profile,
    "representant": _representant,
    "lien": _lien,
    "document": _document,
    "contenu": _contenu,
    "trace": _trace,
    "notification": _notification,
}


# --- seeding and bulk loading ----------


def insert_many(conn: Connection, table: str, rows: Sequence[dict[str, Any]], batch: int = 5000) -> None:
    target = _TABLES[table]
    for start in range(0, len(rows), batch):
        conn.execute(insert(target), list(rows[start : start + batch]))


# --- profiles ----------

_PROFILE_COLUMNS = (
    _profile.c.ins,
    _profile.c.oid,
    _profile.c.nom_naissance,
    _profile.c.prenoms,
    _profile.c.sexe,
    _profile.c.date_naissance,
    _profile.c.lieu_naissance,
    _profile.c.email,
    _profile.c.activation_code,
    _profile.c.invited_at,
    _profile.c.opposed_at,
    _profile.c.created_at,
    _profile.c.activated_at,
    _profile.c.closed_at,
    _profile.c.closure_motif,
    _profile.c.data_since,
    _profile.c.medecin_traitant,
    _profile.c.centre_15,
    _profile.c.bris_de_glace,
    _profile.c.masques_en_urgence,
    _profile.c.documents_rev,
)
_N_PROFILE = len(_PROFILE_COLUMNS)

_PROFILE_STATE = func.md5(cast(tuple_(*(c for c in _profile.c if c.name != "documents_rev")), Text()))
"""PostgreSQL: a digest of every column of a profile but ``documents_rev`` (which each deposit
replaces): equal digests, same profile for every rule that decides on it. The batch read returns it;
the batch write takes a deposit's as the condition it is written on (``write_many``)."""


def _profile_of(row: Sequence[Any]) -> Profile:
    return Profile(
        ins=row[0],
        oid=row[1],
        nom_naissance=row[2],
        prenoms=tuple(row[3].split(",")),
        sexe=row[4],
        date_naissance=row[5],
        lieu_naissance=row[6],
        email=row[7],
        activation_code=row[8],
        dates=Dates(
            invited_at=row[9], opposed_at=row[10], created_at=row[11], activated_at=row[12], closed_at=row[13]
        ),
        closure_motif=row[14],
        data_since=row[15],
        medecin_traitant=row[16],
        reglages=Reglages(
            centre_15=bool(row[17]), bris_de_glace=bool(row[18]), masques_en_urgence=bool(row[19])
        ),
        documents_rev=row[20],
    )


_GET_PROFILE = Prepared(select(*_PROFILE_COLUMNS).where(_profile.c.ins == bindparam("ins")))
_GET_PROFILE_AND_LIEN = Prepared(
    select(*_PROFILE_COLUMNS, _lien.c.statut, _lien.c.first_access_at)
    .select_from(
        _profile.outerjoin(_lien, and_(_lien.c.ins == _profile.c.ins, _lien.c.idnat == bindparam("idnat")))
    )
    .where(_profile.c.ins == bindparam("ins"))
)


def get_profile(conn: Connection, ins: str) -> Profile | None:
    row = _GET_PROFILE.first(conn, {"ins": ins})
    return None if row is None else _profile_of(row)


def get_profile_and_lien(conn: Connection, ins: str, idnat: str) -> tuple[Profile, str | None, bool] | None:
    """The profile, the professional's recorded status (autorise / bloque / None) and whether they
    accessed it before (one statement)."""
    row = _GET_PROFILE_AND_LIEN.first(conn, {"ins": ins, "idnat": idnat})
    if row is None:
        return None
    return _profile_of(row), row[_N_PROFILE], row[_N_PROFILE + 1] is not None


def update_profile(conn: Connection, ins: str, **values: Any) -> None:
    conn.execute(update(_profile).where(_profile.c.ins == ins).values(**values))


def representants(conn: Connection, ins: str) -> tuple[str, ...]:
    rows = conn.execute(
        select(_representant.c.representant_ins)
        .where(_representant.c.ins == ins)
        .order_by(_representant.c.representant_ins)
    ).all()
    return tuple(r[0] for r in rows)


def represented_by(conn: Connection, representant_ins: str) -> tuple[str, ...]:
    rows = conn.execute(
        select(_representant.c.ins)
        .where(_representant.c.representant_ins == representant_ins)
        .order_by(_representant.c.ins)
    ).all()
    return tuple(r[0] for r in rows)


# --- professionals recorded by a profile ----------


def _upsert(
    conn: Connection, table: Table, values: dict[str, Any], keys: Sequence[str], update_cols: Sequence[str]
) -> bool:
    """INSERT ... ON CONFLICT (SQLite and PostgreSQL); True when a row was written (RETURNING tells:
    the drivers' rowcount is not reliable for it)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    base = dialect.insert(table).values(**values)
    if update_cols:
        stmt = base.on_conflict_do_update(
            index_elements=list(keys), set_={c: base.excluded[c] for c in update_cols}
        )
    else:
        stmt = base.on_conflict_do_nothing(index_elements=list(keys))
    return conn.execute(stmt.returning(table.c[keys[0]])).first() is not None


_MARK_FIRST = Prepared(
    update(_lien)
    .where(
        _lien.c.ins == bindparam("ins"),
        _lien.c.idnat == bindparam("idnat"),
        _lien.c.first_access_at.is_(None),
    )
    .values(first_access_at=bindparam("now"))
)


def record_first_access(
    conn: Connection, ins: str, idnat: str, nom: str, profession: str | None, now: int, *, presume: bool
) -> bool:
    """Record the professional's first access; True when this was it (exactly once, even under a race).

    ``presume``: a normal-mode access also records the presumed consent (statut ``autorise``)."""
    if _MARK_FIRST.run(conn, {"ins": ins, "idnat": idnat, "now": now}) == 1:
        return True
    values = {
        "ins": ins,
        "idnat": idnat,
        "statut": "autorise" if presume else "aucun",
        "source": "presume" if presume else "urgence",
        "nom": nom,
        "profession": profession,
        "first_access_at": now,
        "updated_at": now,
    }
    return _upsert(conn, _lien, values, ("ins", "idnat"), ())


def set_lien(
    conn: Connection, ins: str, idnat: str, statut: str, nom: str, profession: str | None, now: int
) -> None:
    """The patient authorises or blocks a professional."""
    values = {
        "ins": ins,
        "idnat": idnat,
        "statut": statut,
        "source": "patient",
        "nom": nom,
        "profession": profession,
        "first_access_at": None,
        "updated_at": now,
    }
    _upsert(conn, _lien, values, ("ins", "idnat"), ("statut", "source", "updated_at"))


def delete_lien(conn: Connection, ins: str, idnat: str) -> bool:
    """Forget the patient's decision about a professional (the first access stays recorded)."""
    result = conn.execute(
        update(_lien)
        .where(_lien.c.ins == ins, _lien.c.idnat == idnat, _lien.c.statut != "aucun")
        .values(statut="aucun", source="patient")
    )
    return bool(result.rowcount)


def list_liens(conn: Connection, ins: str) -> list[LienRecord]:
    rows = conn.execute(
        select(_lien).where(_lien.c.ins == ins).order_by(_lien.c.updated_at, _lien.c.idnat)
    ).all()
    return [
        LienRecord(r.idnat, r.statut, r.source, r.nom, r.profession, r.first_access_at, r.updated_at)
        for r in rows
    ]


# --- documents ----------

_DOCUMENT_FIELDS = Document._fields
_DOCUMENT_COLUMNS = tuple(_document.c[name] for name in _DOCUMENT_FIELDS)


_LIST_DOCUMENTS = Prepared(
    select(*_DOCUMENT_COLUMNS)
    .where(
        _document.c.ins == bindparam("ins"),
        _document.c.status != literal_column("'deleted'"),
        _document.c.deposited_at >= bindparam("since"),
    )
    .order_by(_document.c.date_acte.desc(), _document.c.id)
)
_GET_DOCUMENT = Prepared(select(*_DOCUMENT_COLUMNS).where(_document.c.id == bindparam("id")))
_INSERT_DOCUMENT = Prepared(insert(_document).values({c.name: bindparam(c.name) for c in _DOCUMENT_COLUMNS}))
_INSERT_CONTENU = Prepared(
    insert(_contenu).values(document_id=bindparam("document_id"), contenu=bindparam("contenu"))
)
_GET_CONTENU = Prepared(select(_contenu.c.contenu).where(_contenu.c.document_id == bindparam("id")))


def _only_when(wanted: Any) -> Any:
    """The profile's INS where ``wanted`` holds, else NULL. Joined on as the documents' ``ins``, it lets
    the index find no document at all for a profile whose documents are not wanted; as a separate join
    condition it would be checked on every document of the profile, after each was read (PostgreSQL's
    time for the read of a batch of 8 deposits, on profiles of about 200 documents: 1.9 ms, 0.4 ms
    with this)."""
    return case((wanted, _profile.c.ins))


_known = bindparam("known", type_=BigInteger())
_CONSULT = Prepared(
    select(*_PROFILE_COLUMNS, _lien.c.statut, _lien.c.first_access_at, *_DOCUMENT_COLUMNS)
    .select_from(
        _profile.outerjoin(
            _lien, and_(_lien.c.ins == _profile.c.ins, _lien.c.idnat == bindparam("idnat"))
        ).outerjoin(
            _document,
            and_(
                _document.c.ins == _only_when(_profile.c.documents_rev.is_distinct_from(_known)),
                _document.c.status != literal_column("'deleted'"),
            ),
        )
    )
    .where(_profile.c.ins == bindparam("ins"))
    .order_by(_document.c.date_acte.desc(), _document.c.id)
)
"""The profile, the professional's record and, unless the caller holds them already, the documents, in
one statement."""


Consulted = tuple[Profile, str | None, bool, list[Document] | None]
"""What a search reads: the profile, the professional's recorded status, whether they accessed the DMP
before, and the documents (``None`` when the caller's copy is current or it did not ask for them)."""


def _consulted(
    rows: Sequence[Sequence[Any]], known_rev: int | None, documents: bool = True
) -> Consulted | None:
    """A ``Consulted`` from the rows of ``_CONSULT`` (one a document, the profile repeated on each)."""
    if not rows:
        return None
    first = rows[0]
    profile = _profile_of(first)
    start = _N_PROFILE + 2
    read = (
        None
        if not documents or profile.documents_rev == known_rev
        else [Document._make(row[start:]) for row in rows if row[start] is not None]
    )
    return profile, first[_N_PROFILE], first[_N_PROFILE + 1] is not None, read


def consult_documents(conn: Connection, ins: str, idnat: str, known_rev: int | None) -> Consulted | None:
    """What a search reads (``Consulted``): every document not deleted, newest act first, unless the
    profile's ``documents_rev`` is still ``known_rev`` (the caller's copy is current).

    The documents are read by the statement that reads the profile, so both come from one snapshot
    (a professional blocked just before a deposit never sees that document). PostgreSQL always runs
    that one statement (a round trip costs more than the rows). SQLite, with no round trips to save,
    first reads the profile alone when it holds a copy: repeating the profile's twenty columns on every
    document row doubles the time the driver spends making values, paid then only when the documents
    changed."""
    if known_rev is not None and conn.dialect.name != "postgresql":
        found = get_profile_and_lien(conn, ins, idnat)
        if found is None:
            return None
        if found[0].documents_rev == known_rev:
            return (*found, None)
    return _consulted(_CONSULT.rows(conn, {"ins": ins, "idnat": idnat, "known": known_rev}), known_rev)


class Consultation(NamedTuple):
    """One read of a batch (``consult_many``): the profile ``ins`` with ``idnat``'s record, and its
    documents when ``documents`` is set and the profile's ``documents_rev`` is not ``known``."""

    ins: str
    idnat: str
    known: int | None
    documents: bool


_q = (
    func.unnest(
        cast(bindparam("q_ins"), postgresql.ARRAY(Text())),
        cast(bindparam("q_idnat"), postgresql.ARRAY(Text())),
        cast(bindparam("q_known"), postgresql.ARRAY(BigInteger())),
        cast(bindparam("q_documents"), postgresql.ARRAY(Boolean())),
    )
    .table_valued("ins", "idnat", "known", "documents", with_ordinality="n")
    .render_derived(name="q")
)
_CONSULT_MANY = Prepared(
    select(
        _q.c.n, _PROFILE_STATE, *_PROFILE_COLUMNS, _lien.c.statut, _lien.c.first_access_at, *_DOCUMENT_COLUMNS
    )
    .select_from(
        _q.join(_profile, _profile.c.ins == _q.c.ins)
        .outerjoin(_lien, and_(_lien.c.ins == _profile.c.ins, _lien.c.idnat == _q.c.idnat))
        .outerjoin(
            _document,
            and_(
                _document.c.ins
                == _only_when(and_(_q.c.documents, _profile.c.documents_rev.is_distinct_from(_q.c.known))),
                _document.c.status != literal_column("'deleted'"),
            ),
        )
    )
    .order_by(_q.c.n, _document.c.date_acte.desc(), _document.c.id)
)
"""PostgreSQL: ``_CONSULT`` for each consultation of a batch (numbered ``n`` from 1), with the profile's
state (``_PROFILE_STATE``), by one statement."""


def consult_many_params(consultations: Sequence[Consultation]) -> dict[str, str]:
    """``_CONSULT_MANY``'s parameters: one array literal per field of the consultations."""
    return {
        f"q_{name}": array_literal(c[i] for c in consultations) for i, name in enumerate(Consultation._fields)
    }


class Read(NamedTuple):
    """A consultation of a batch read: what ``consult_documents`` reads, and the profile's ``state``."""

    consulted: Consulted
    state: str


def consult_many(conn: Connection, consultations: Sequence[Consultation]) -> list[Read | None]:
    """PostgreSQL: what ``consult_documents`` reads, for each consultation, with the profile's state, by
    one statement (one round trip, one snapshot); ``None`` where no profile has the INS."""
    rows: list[list[Sequence[Any]]] = [[] for _ in consultations]
    states: list[str] = [""] * len(consultations)
    for row in _CONSULT_MANY.rows(conn, consult_many_params(consultations)):
        rows[row[0] - 1].append(row[2:])
        states[row[0] - 1] = row[1]
    read: list[Read | None] = []
    for found, state, asked in zip(rows, states, consultations, strict=True):
        consulted = _consulted(found, asked.known, asked.documents)
        read.append(None if consulted is None else Read(consulted, state))
    return read


def list_documents(conn: Connection, ins: str, since: int | None) -> list[Document]:
    """Every document of the DMP not deleted (current, superseded, archived), newest act first."""
    rows = _LIST_DOCUMENTS.rows(conn, {"ins": ins, "since": since or 0})
    return [Document._make(r) for r in rows]


def get_document(conn: Connection, document_id: str) -> Document | None:
    row = _GET_DOCUMENT.first(conn, {"id": document_id})
    return None if row is None else Document._make(row)


def get_contenu(conn: Connection, document_id: str) -> bytes | None:
    row = _GET_CONTENU.first(conn, {"id": document_id})
    return None if row is None else bytes(row[0])


def insert_document(conn: Connection, document: Document, contenu: bytes) -> None:
    _INSERT_DOCUMENT.run(conn, document._asdict())
    _INSERT_CONTENU.run(conn, {"document_id": document.id, "contenu": contenu})


def supersede(conn: Connection, document_id: str) -> bool:
    """Mark the current version superseded; False when it no longer was current (another request won)."""
    result = conn.execute(
        update(_document)
        .where(_document.c.id == document_id, _document.c.status == "current")
        .values(status="superseded")
    )
    return result.rowcount == 1


def update_document(conn: Connection, document_id: str, **values: Any) -> None:
    conn.execute(update(_document).where(_document.c.id == document_id).values(**values))


def delete_document(conn: Connection, document_id: str) -> bool:
    """Delete a document: its metadata stays as a tombstone (traces refer to it), its content goes."""
    result = conn.execute(
        update(_document)
        .where(_document.c.id == document_id, _document.c.status != "deleted")
        .values(status="deleted")
    )
    conn.execute(delete(_contenu).where(_contenu.c.document_id == document_id))
    return result.rowcount == 1


def purge_before(conn: Connection, ins: str, before: int) -> None:
    """Delete the documents of an expired archive (deposited before ``before``)."""
    ids = select(_document.c.id).where(_document.c.ins == ins, _document.c.deposited_at < before)
    conn.execute(delete(_contenu).where(_contenu.c.document_id.in_(ids)))
    conn.execute(
        update(_document)
        .where(_document.c.ins == ins, _document.c.deposited_at < before)
        .values(status="deleted")
    )


# --- traces and notifications ----------

_TRACE_FIELDS = (
    "ins",
    "at",
    "action",
    "acteur_kind",
    "acteur_id",
    "acteur_nom",
    "profession",
    "mode",
    "justification",
    "document_id",
    "detail",
)
_INSERT_TRACE = Prepared(insert(_trace).values({name: bindparam(name) for name in _TRACE_FIELDS}))


class _Notice(NamedTuple):
    """A row of ``dmp_notification`` to write."""

    ins: str
    at: int
    kind: str
    acteur_id: str
    acteur_nom: str
    email: str
    mode: str | None = None
    justification: str | None = None
    document_id: str | None = None


_NOTIFICATION_FIELDS = _Notice._fields
_INSERT_NOTIFICATION = Prepared(
    insert(_notification).values({name: bindparam(name) for name in _NOTIFICATION_FIELDS})
)


class Fed(NamedTuple):
    """What a deposit writes (``feed``): the document, its content, its trace, and the patient's address
    when they are to be notified (``nouveau-document`` by the trace's actor)."""

    document: Document
    contenu: bytes
    trace: Trace
    notify: str | None

    def notice(self) -> _Notice | None:
        if self.notify is None:
            return None
        doc, trace = self.document, self.trace
        return _Notice(
            doc.ins,
            trace.at,
            "nouveau-document",
            trace.acteur.id,
            trace.acteur.nom,
            self.notify,
            document_id=doc.id,
        )


def feeds_in_one_statement(dialect: str) -> bool:
    """Whether ``feed`` writes with one statement on ``dialect`` (then it needs no unit of work)."""
    return dialect == "postgresql"


def feed(conn: Connection, fed: Fed) -> None:
    """A new document with its content and its trace, and the patient's notification when ``fed`` has
    one. PostgreSQL: ``write_many``'s one statement, atomic by itself."""
    if feeds_in_one_statement(conn.dialect.name):
        write_many(conn, (), (fed,))
        return
    insert_document(conn, fed.document, fed.contenu)
    insert_trace(conn, fed.document.ins, fed.trace)
    notice = fed.notice()
    if notice is not None:
        _INSERT_NOTIFICATION.run(conn, notice._asdict())


def _json_rows_of(table: Table, names: Sequence[str], param: str) -> Any:
    """SELECT the rows of the JSON array of objects bound as ``param`` (``json_populate_recordset``
    reads each field with the column's own input function: ``\\x``-hex text for bytea)."""
    source = func.json_populate_recordset(
        literal_column(f"NULL::{table.name}"), cast(bindparam(param), JSON())
    ).alias(f"{param}_rows")
    return select(*(literal_column(f"{param}_rows.{name}") for name in names)).select_from(source)


_states = (
    func.unnest(
        cast(bindparam("s_id"), postgresql.ARRAY(Text())),
        cast(bindparam("s_ins"), postgresql.ARRAY(Text())),
        cast(bindparam("s_state"), postgresql.ARRAY(Text())),
    )
    .table_valued("id", "ins", "state")
    .render_derived(name="s")
)
_stale = (
    select(_states.c.id)
    .select_from(_states.join(_profile, _profile.c.ins == _states.c.ins))
    .where(_states.c.state != _PROFILE_STATE)
    .cte("stale")
)
_written = (
    insert(_document)
    .from_select(
        list(_DOCUMENT_FIELDS),
        _json_rows_of(_document, _DOCUMENT_FIELDS, "d").where(
            literal_column("d_rows.id").not_in(select(_stale.c.id))
        ),
    )
    .returning(_document.c.id)
    .cte("d")
)


def _insert_for_written(table: Table, names: Sequence[str], param: str) -> Any:
    """INSERT the rows of ``param`` that belong to a document written (``_written``)."""
    rows = _json_rows_of(table, names, param).where(
        literal_column(f"{param}_rows.document_id").in_(select(_written.c.id))
    )
    return insert(table).from_select(list(names), rows).cte(param)


_WRITE_MANY = Prepared(
    select(_written.c.id).add_cte(
        _insert_for_written(_contenu, ("document_id", "contenu"), "c"),
        insert(_trace)
        .from_select(
            list(_TRACE_FIELDS),
            union_all(
                _json_rows_of(_trace, _TRACE_FIELDS, "t"),
                _json_rows_of(_trace, _TRACE_FIELDS, "dt").where(
                    literal_column("dt_rows.document_id").in_(select(_written.c.id))
                ),
            ),
        )
        .cte("t"),
        _insert_for_written(_notification, _NOTIFICATION_FIELDS, "n"),
    )
)
"""PostgreSQL: the writes of a batch (the searches' traces; the deposits' documents, contents, traces
and notifications) by one statement of data-modifying CTEs, each table's rows bound as one JSON array
(the driver adapts one string per table, where arrays cost it a Python walk over every value): all or
nothing, one round trip, whatever the batch holds. A deposit is written only if its profile is still
in the state it was decided on, when one is given (``_PROFILE_STATE``); the statement returns the ids
of the documents written."""


def _json_rows(names: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The rows as a JSON array of objects keyed by ``names`` (orjson: UTF-8, nothing escaped but what
    JSON requires)."""
    return orjson.dumps([dict(zip(names, row, strict=True)) for row in rows]).decode()


def write_many(
    conn: Connection,
    traces: Sequence[tuple[str, Trace]],
    fed: Sequence[Fed],
    states: Mapping[str, str] | None = None,
) -> set[str]:
    """PostgreSQL: the traces ``(ins, trace)`` and the deposits ``fed`` by one statement, committed by
    itself on an autocommit connection; nothing is written if any row fails. ``states`` gives, by
    document id, the state (``consult_many``) of the profile its deposit was decided on: a deposit whose
    profile is in another state now is not written (nor its content, trace and notice). The ids of the
    documents written."""
    return {row[0] for row in _WRITE_MANY.rows(conn, _write_many_params(traces, fed, states))}


async def write_many_async(
    conn: AsyncDriverConnection,
    traces: Sequence[tuple[str, Trace]],
    fed: Sequence[Fed],
    states: Mapping[str, str] | None = None,
) -> set[str]:
    """``write_many``, awaited (``Tenant.autocommit_async``)."""
    return {row[0] for row in await _WRITE_MANY.rows_async(conn, _write_many_params(traces, fed, states))}


def _write_many_params(
    traces: Sequence[tuple[str, Trace]], fed: Sequence[Fed], states: Mapping[str, str] | None
) -> dict[str, Any]:
    notices = [notice for notice in (f.notice() for f in fed) if notice is not None]
    given = states or {}
    conditional = [f.document for f in fed if f.document.id in given]
    return {
        "s_id": array_literal(doc.id for doc in conditional),
        "s_ins": array_literal(doc.ins for doc in conditional),
        "s_state": array_literal(given[doc.id] for doc in conditional),
        "d": _json_rows(_DOCUMENT_FIELDS, (f.document for f in fed)),
        "c": _json_rows(("document_id", "contenu"), ((f.document.id, "\\x" + f.contenu.hex()) for f in fed)),
        "t": _traces_json(traces),
        "dt": _json_rows(_TRACE_FIELDS, (_trace_row(f.document.ins, f.trace) for f in fed)),
        "n": _json_rows(_NOTIFICATION_FIELDS, notices),
    }


def _trace_row(ins: str, trace: Trace) -> tuple[Any, ...]:
    acteur = trace.acteur
    return (
        ins,
        trace.at,
        trace.action,
        acteur.kind,
        acteur.id,
        acteur.nom,
        acteur.profession,
        trace.mode,
        trace.justification,
        trace.document_id,
        trace.detail,
    )


def _traces_json(traces: Sequence[tuple[str, Trace]]) -> str:
    return _json_rows(_TRACE_FIELDS, (_trace_row(ins, t) for ins, t in traces))


def _trace_values(ins: str, trace: Trace) -> dict[str, Any]:
    return dict(zip(_TRACE_FIELDS, _trace_row(ins, trace), strict=True))


def insert_trace(conn: Connection, ins: str, trace: Trace) -> None:
    _INSERT_TRACE.run(conn, _trace_values(ins, trace))


_INSERT_TRACES = Prepared(
    insert(_trace).from_select(list(_TRACE_FIELDS), _json_rows_of(_trace, _TRACE_FIELDS, "t"))
)


def insert_traces(conn: Connection, traces: Sequence[tuple[str, Trace]]) -> None:
    """PostgreSQL: the traces ``(ins, trace)`` by one statement (a batch of searches writes nothing else:
    ``write_many``'s other tables would cost it for nothing)."""
    _INSERT_TRACES.run(conn, {"t": _traces_json(traces)})


def list_traces(conn: Connection, ins: str, limit: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(_trace)
        .where(_trace.c.ins == ins)
        .order_by(_trace.c.at.desc(), _trace.c.id.desc())
        .limit(limit)
    ).all()
    return [dict(r._mapping) for r in rows]


def insert_notification(
    conn: Connection,
    ins: str,
    *,
    at: int,
    kind: str,
    acteur_id: str,
    acteur_nom: str,
    email: str,
    mode: str | None = None,
    justification: str | None = None,
    document_id: str | None = None,
) -> None:
    notice = _Notice(ins, at, kind, acteur_id, acteur_nom, email, mode, justification, document_id)
    _INSERT_NOTIFICATION.run(conn, notice._asdict())


def list_notifications(conn: Connection, ins: str, limit: int) -> list[Notification]:
    rows = conn.execute(
        select(_notification)
        .where(_notification.c.ins == ins)
        .order_by(_notification.c.at.desc(), _notification.c.id.desc())
        .limit(limit)
    ).all()
    return [
        Notification(
            r.id,
            r.at,
            r.kind,
            r.acteur_id,
            r.acteur_nom,
            r.mode,
            r.justification,
            r.document_id,
            r.email,
            r.sent_at,
        )
        for r in rows
    ]


# --- the tenant's matrix ----------


def get_matrice(conn: Connection) -> str | None:
    row = conn.execute(select(_matrice.c.document).where(_matrice.c.id == 1)).first()
    return None if row is None else str(row[0])


def put_matrice(conn: Connection, document: str, now: int) -> None:
    conn.execute(delete(_matrice))
    conn.execute(insert(_matrice).values(id=1, document=document, uploaded_at=now))


def delete_matrice(conn: Connection) -> None:
    conn.execute(delete(_matrice))


# --- services: MSSanté's claim of the pending notifications (service_router.py) ----------


def claim_notifications(conn: Connection, now: int, limit: int) -> list[tuple[str, Notification]]:
    """Mark up to ``limit`` unsent notifications sent at ``now`` and return them with their INS, in one
    statement: ``sent_at IS NULL`` is re-checked on each row, so two callers never claim the same one."""
    pending = (
        select(_notification.c.id)
        .where(_notification.c.sent_at.is_(None))
        .order_by(_notification.c.id)
        .limit(limit)
        .scalar_subquery()
    )
    rows = conn.execute(
        update(_notification)
        .where(_notification.c.id.in_(pending), _notification.c.sent_at.is_(None))
        .values(sent_at=now)
        .returning(*_notification.c)
    ).all()
    return [
        (
            r.ins,
            Notification(
                r.id,
                r.at,
                r.kind,
                r.acteur_id,
                r.acteur_nom,
                r.mode,
                r.justification,
                r.document_id,
                r.email,
                r.sent_at,
            ),
        )
        for r in sorted(rows, key=lambda r: int(r.id))
    ]
