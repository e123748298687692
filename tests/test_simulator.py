"""The simulator answers qbXML like QuickBooks Desktop, from a company file in the database."""

import os
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from lxml import etree
from sqlmodel import Session, SQLModel, create_engine, select

from erp_dashboard.qbxml import (
    JobFields,
    QBResult,
    customer_add_rq,
    customer_add_rqs,
    customer_mod_rq,
    customer_query_rq,
    parse_response,
)
from erp_dashboard.simulator import (
    QuickBooksSimulator,
    SimListItem,
    SimulatorParseError,
    SimulatorStatusError,
    add_customer,
)

SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec"
HEADER = '<?xml version="1.0"?><?qbxml version="13.0"?>'


def _load_schema() -> etree.XMLSchema | None:
    if not SPEC.is_dir() and os.environ.get("CI") != "true":
        return None
    return etree.XMLSchema(etree.parse(str(SPEC / "qbxml" / "qbxmlops130.xsd")))


SCHEMA = _load_schema()


@pytest.fixture
def session(monkeypatch) -> Iterator[Session]:
    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine, tables=[SimListItem.__table__])
    with Session(engine) as session:
        monkeypatch.setattr(session, "commit", lambda: pytest.fail("the simulator must not commit"))
        yield session
    engine.dispose()


@pytest.fixture
def sim() -> QuickBooksSimulator:
    return QuickBooksSimulator()


@pytest.fixture
def acme(session) -> SimListItem:
    return add_customer(session, "Acme", city="Springfield")


def run(sim: QuickBooksSimulator, session: Session, request_xml: str) -> list[QBResult]:
    """Send a request; the response must be schema-valid (spec present) and parseable."""
    response = sim.handle(session, request_xml)
    assert response.startswith('<?xml version="1.0" ?><QBXML><QBXMLMsgsRs>')
    if SCHEMA is not None:
        assert SCHEMA.validate(etree.fromstring(response.encode())), SCHEMA.error_log
    return parse_response(response)


def one(sim: QuickBooksSimulator, session: Session, request_xml: str) -> QBResult:
    (result,) = run(sim, session, request_xml)
    return result


def job(parent: SimListItem, name: str = "Riverside Clinic", **fields) -> JobFields:
    return JobFields(name=name, parent_list_id=parent.list_id, **fields)


def names(session: Session) -> list[str]:
    return sorted(session.exec(select(SimListItem.full_name)))


def test_customer_add_creates_a_job_under_its_parent(sim, session, acme):
    fields = JobFields(
        "Riverside Clinic",
        acme.list_id,
        addr1="12 River Rd",
        city="Springfield",
        state="IL",
        postal_code="62701",
        job_status="Awarded",
        start_date=date(2024, 3, 1),
        projected_end_date=date(2025, 6, 30),
        description="Two-storey clinic",
    )
    result = one(sim, session, customer_add_rq("job-1", fields))

    assert (result.request_id, result.kind, result.status_code, result.severity) == (
        "job-1",
        "CustomerAdd",
        0,
        "Info",
    )
    assert result.message == "Status OK"
    (ret,) = result.customers
    assert re.fullmatch(r"[0-9A-F]{8}-\d{10}", ret.list_id)
    assert ret.edit_sequence.isdigit() and len(ret.edit_sequence) <= 16
    assert (ret.full_name, ret.parent_list_id, ret.parent_full_name, ret.sublevel) == (
        "Acme:Riverside Clinic",
        acme.list_id,
        "Acme",
        1,
    )
    assert (ret.addr1, ret.city, ret.state, ret.postal_code) == (
        "12 River Rd",
        "Springfield",
        "IL",
        "62701",
    )
    assert (ret.job_status, ret.start_date, ret.projected_end_date, ret.description) == (
        "Awarded",
        date(2024, 3, 1),
        date(2025, 6, 30),
        "Two-storey clinic",
    )
    assert ret.is_active and ret.time_created is not None
    stored = session.exec(select(SimListItem).where(SimListItem.list_id == ret.list_id)).one()
    assert stored.full_name == "Acme:Riverside Clinic" and stored.edit_sequence == ret.edit_sequence


def test_list_ids_count_up_like_quickbooks(session, acme):
    second = add_customer(session, "Globex")
    assert acme.list_id.startswith("80000001-")
    assert second.list_id.startswith("80000002-")


def test_xml_special_characters_survive_the_round_trip(sim, session, acme):
    result = one(
        sim, session, customer_add_rq("1", job(acme, "A & B <C>", description='5 > 4 & "x"'))
    )
    assert result.customers[0].full_name == "Acme:A & B <C>"
    assert result.customers[0].description == '5 > 4 & "x"'


def test_characters_outside_latin_1_become_question_marks(sim, session, acme):
    result = one(sim, session, customer_add_rq("1", job(acme, "Caf\u00e9 \u20ac1")))
    assert result.customers[0].name == "Caf\u00e9 ?1"


def test_duplicate_name_under_the_same_parent_is_3100_case_insensitively(sim, session, acme):
    globex = add_customer(session, "Globex")
    assert one(sim, session, customer_add_rq("1", job(acme, "Kitchen"))).ok

    duplicate = one(sim, session, customer_add_rq("2", job(acme, "KITCHEN")))
    assert (duplicate.status_code, duplicate.severity, duplicate.ok) == (3100, "Error", False)
    assert duplicate.message == 'The name "KITCHEN" of the list element is already in use.'
    assert duplicate.customers == ()
    assert one(sim, session, customer_add_rq("3", job(globex, "Kitchen"))).ok
    assert one(sim, session, customer_add_rq("4", job(acme, "Acme"))).ok
    assert names(session) == ["Acme", "Acme:Acme", "Acme:Kitchen", "Globex", "Globex:Kitchen"]


def test_unknown_parent_is_3140(sim, session, acme):
    result = one(sim, session, customer_add_rq("1", JobFields("Lost", "8000FFFF-1700000000")))
    assert result.status_code == 3140
    assert result.message == (
        "There is an invalid reference to QuickBooks Customer "
        '"8000FFFF-1700000000" in the Customer.'
    )
    by_name = (
        f"{HEADER}<QBXML><QBXMLMsgsRq onError='stopOnError'><CustomerAddRq requestID='2'>"
        "<CustomerAdd><Name>Lost</Name><ParentRef><FullName>Nobody</FullName></ParentRef></CustomerAdd>"
        "</CustomerAddRq></QBXMLMsgsRq></QBXML>"
    )
    assert one(sim, session, by_name).message == (
        'There is an invalid reference to QuickBooks Customer "Nobody" in the Customer.'
    )
    assert names(session) == ["Acme"]


def test_parent_ref_by_full_name_is_case_insensitive(session, acme):
    item = add_customer(session, "Phase 1", parent_full_name="ACME")
    assert item.full_name == "Acme:Phase 1"
    deeper = add_customer(session, "Trench", parent_full_name="acme:phase 1")
    assert (deeper.full_name, deeper.sublevel) == ("Acme:Phase 1:Trench", 2)


@pytest.mark.parametrize(
    "fields, element",
    [
        ({"name": "N" * 42}, "Name"),
        ({"addr1": "A" * 42}, "Addr1"),
        ({"city": "C" * 32}, "City"),
        ({"state": "S" * 22}, "State"),
        ({"postal_code": "P" * 14}, "PostalCode"),
        ({"description": "D" * 100}, "JobDesc"),
    ],
)
def test_too_long_string_is_3070(sim, session, acme, fields, element):
    result = one(sim, session, customer_add_rq("1", replace(job(acme), **fields)))
    value = next(iter(fields.values()))
    assert result.status_code == 3070
    assert result.message == f'The string "{value}" in the field "{element}" is too long.'
    assert names(session) == ["Acme"]


def test_max_length_strings_are_accepted(sim, session, acme):
    fields = job(
        acme,
        "N" * 41,
        addr1="A" * 41,
        city="C" * 31,
        state="S" * 21,
        postal_code="P" * 13,
        description="D" * 99,
    )
    assert one(sim, session, customer_add_rq("1", fields)).ok


def test_customer_mod_updates_fields_and_bumps_the_edit_sequence(sim, session, acme):
    fields = job(acme, description="Phase one", city="Springfield")
    added = one(sim, session, customer_add_rq("1", fields)).customers[0]

    sequences = [added.edit_sequence]
    for i in range(3):
        changed = replace(fields, description=f"Phase {i}", city="")
        result = one(sim, session, customer_mod_rq(f"m{i}", added.list_id, sequences[-1], changed))
        assert (result.kind, result.status_code) == ("CustomerMod", 0)
        ret = result.customers[0]
        assert (ret.description, ret.city) == (f"Phase {i}", "")
        sequences.append(ret.edit_sequence)
    assert len(set(sequences)) == 4
    assert [int(s) for s in sequences] == sorted(int(s) for s in sequences)


def test_rename_rewrites_the_full_name_of_the_job_and_its_descendants(sim, session, acme):
    parent_job = add_customer(session, "Clinic", parent_full_name="Acme")
    add_customer(session, "Phase 1", parent_full_name="Acme:Clinic")
    add_customer(session, "Trench", parent_full_name="Acme:Clinic:Phase 1")

    result = one(
        sim,
        session,
        customer_mod_rq("m", parent_job.list_id, parent_job.edit_sequence, job(acme, "Hospital")),
    )
    assert result.customers[0].full_name == "Acme:Hospital"
    assert names(session) == [
        "Acme",
        "Acme:Hospital",
        "Acme:Hospital:Phase 1",
        "Acme:Hospital:Phase 1:Trench",
    ]


def test_rename_to_a_siblings_name_is_3100_but_a_case_change_is_fine(sim, session, acme):
    add_customer(session, "Kitchen", parent_full_name="Acme")
    bath = add_customer(session, "Bath", parent_full_name="Acme")

    clash = one(
        sim, session, customer_mod_rq("m1", bath.list_id, bath.edit_sequence, job(acme, "kitchen"))
    )
    assert clash.status_code == 3100
    recased = one(
        sim, session, customer_mod_rq("m2", bath.list_id, bath.edit_sequence, job(acme, "BATH"))
    )
    assert recased.ok and recased.customers[0].full_name == "Acme:BATH"


def test_reparent_moves_the_job_and_refuses_cycles(sim, session, acme):
    globex = add_customer(session, "Globex")
    clinic = add_customer(session, "Clinic", parent_full_name="Acme")
    phase = add_customer(session, "Phase 1", parent_full_name="Acme:Clinic")

    moved = one(
        sim,
        session,
        customer_mod_rq(
            "m1", clinic.list_id, clinic.edit_sequence, job(globex, "Clinic"), reparent=True
        ),
    ).customers[0]
    assert (moved.full_name, moved.parent_list_id, moved.sublevel) == (
        "Globex:Clinic",
        globex.list_id,
        1,
    )
    assert session.get(SimListItem, phase.id).full_name == "Globex:Clinic:Phase 1"

    cycle = one(
        sim,
        session,
        customer_mod_rq(
            "m2", clinic.list_id, moved.edit_sequence, job(phase, "Clinic"), reparent=True
        ),
    )
    assert cycle.status_code == 3140


def test_unknown_list_id_is_3120(sim, session, acme):
    result = one(sim, session, customer_mod_rq("m", "8000ABCD-1700000000", "1", job(acme)))
    assert result.status_code == 3120
    assert (
        result.message == 'Object "8000ABCD-1700000000" specified in the request cannot be found.'
    )


def test_stale_edit_sequence_is_3200(sim, session, acme):
    added = one(sim, session, customer_add_rq("1", job(acme))).customers[0]
    assert one(
        sim, session, customer_mod_rq("m1", added.list_id, added.edit_sequence, job(acme, "New"))
    ).ok

    stale = one(
        sim, session, customer_mod_rq("m2", added.list_id, added.edit_sequence, job(acme, "Newer"))
    )
    assert (stale.status_code, stale.severity) == (3200, "Error")
    assert stale.message == f'The provided edit sequence "{added.edit_sequence}" is out-of-date.'
    assert names(session) == ["Acme", "Acme:New"]


def test_query_by_full_name_found_missing_and_partial(sim, session, acme):
    add_customer(session, "Clinic", parent_full_name="Acme")

    found = one(sim, session, customer_query_rq("q1", full_names=["acme:CLINIC", "Acme"]))
    assert (found.kind, found.status_code) == ("CustomerQuery", 0)
    assert [c.full_name for c in found.customers] == ["Acme:Clinic", "Acme"]

    none = one(sim, session, customer_query_rq("q2", full_names=["Acme:Nope"]))
    assert (none.status_code, none.severity, none.ok, none.customers) == (1, "Info", True, ())
    assert none.message == "A query request did not find a matching object in QuickBooks"

    partial = one(sim, session, customer_query_rq("q3", full_names=["Acme:Clinic", "Acme:Nope"]))
    assert (partial.status_code, partial.severity, partial.ok) == (500, "Warn", True)
    assert [c.full_name for c in partial.customers] == ["Acme:Clinic"]
    assert '("Acme:Nope")' in partial.message


def test_query_by_list_id(sim, session, acme):
    found = one(sim, session, customer_query_rq("q1", list_ids=[acme.list_id, "8000FFFF-1"]))
    assert found.status_code == 500 and found.customers[0].list_id == acme.list_id
    assert one(sim, session, customer_query_rq("q2", list_ids=["8000FFFF-1"])).status_code == 1


def test_iterator_pages_through_three_pages(sim, session):
    for i in range(7):
        add_customer(session, f"Customer {i}")
    add_customer(session, "Dormant", is_active=False)

    first = one(sim, session, customer_query_rq("p1", max_returned=3, iterator="Start"))
    assert (first.status_code, first.iterator_remaining, len(first.customers)) == (0, 4, 3)
    assert first.iterator_id and re.fullmatch(r"\{[0-9a-f-]{36}\}", first.iterator_id)
    second = one(
        sim,
        session,
        customer_query_rq("p2", max_returned=3, iterator="Continue", iterator_id=first.iterator_id),
    )
    assert (second.iterator_remaining, len(second.customers), second.iterator_id) == (
        1,
        3,
        first.iterator_id,
    )
    third = one(
        sim,
        session,
        customer_query_rq("p3", max_returned=3, iterator="Continue", iterator_id=first.iterator_id),
    )
    assert (third.iterator_remaining, len(third.customers)) == (0, 1)

    pages = [c.name for page in (first, second, third) for c in page.customers]
    assert pages == [f"Customer {i}" for i in range(7)]
    expired = one(
        sim,
        session,
        customer_query_rq("p4", max_returned=3, iterator="Continue", iterator_id=first.iterator_id),
    )
    assert (expired.status_code, expired.ok) == (3000, False)


def test_iterator_stop_closes_it(sim, session):
    for i in range(4):
        add_customer(session, f"C{i}")
    start = one(sim, session, customer_query_rq("s", max_returned=2, iterator="Start"))
    assert one(
        sim, session, customer_query_rq("x", iterator="Stop", iterator_id=start.iterator_id)
    ).ok
    again = one(
        sim, session, customer_query_rq("c", iterator="Continue", iterator_id=start.iterator_id)
    )
    assert again.status_code == 3000


def test_active_status_and_max_returned_filters(sim, session, acme):
    add_customer(session, "Dormant", is_active=False)
    add_customer(session, "Zeta")

    def listed(**kwargs) -> list[str]:
        return [c.full_name for c in one(sim, session, customer_query_rq("q", **kwargs)).customers]

    assert listed() == ["Acme", "Zeta"]
    assert listed(active_status="InactiveOnly") == ["Dormant"]
    assert listed(active_status="All") == ["Acme", "Dormant", "Zeta"]
    assert listed(max_returned=1) == ["Acme"]
    assert one(sim, session, customer_query_rq("q", list_ids=[acme.list_id])).customers[0].is_active


def test_query_returns_jobs_in_list_order(sim, session, acme):
    add_customer(session, "Acme B")
    add_customer(session, "Job", parent_full_name="Acme")
    listed = [c.full_name for c in one(sim, session, customer_query_rq("q")).customers]
    assert listed == ["Acme", "Acme:Job", "Acme B"]


def test_stop_on_error_stops_processing_later_requests(sim, session, acme):
    items = [("1", job(acme, "One")), ("2", job(acme, "one")), ("3", job(acme, "Three"))]

    results = run(sim, session, customer_add_rqs(items, on_error="stopOnError"))
    assert [(r.request_id, r.status_code) for r in results] == [("1", 0), ("2", 3100)]
    assert names(session) == ["Acme", "Acme:One"]

    results = run(sim, session, customer_add_rqs(items[2:] + items[:1], on_error="continueOnError"))
    assert [(r.request_id, r.status_code) for r in results] == [("3", 0), ("1", 3100)]
    assert names(session) == ["Acme", "Acme:One", "Acme:Three"]


def test_warnings_do_not_stop_processing(sim, session, acme):
    document = (
        f"{HEADER}<QBXML><QBXMLMsgsRq onError='stopOnError'>"
        "<CustomerQueryRq requestID='q'><FullName>Acme</FullName><FullName>Nope</FullName>"
        "</CustomerQueryRq>"
        f"<CustomerQueryRq requestID='r'><ListID>{acme.list_id}</ListID></CustomerQueryRq>"
        "</QBXMLMsgsRq></QBXML>"
    )
    assert [r.status_code for r in run(sim, session, document)] == [500, 0]


def test_unsupported_requests_get_an_error_status(sim, session, acme):
    document = (
        f"{HEADER}<QBXML><QBXMLMsgsRq onError='continueOnError'>"
        "<HostQueryRq requestID='h'/>"
        "<CustomerQueryRq requestID='n'><NameFilter><MatchCriterion>StartsWith</MatchCriterion>"
        "<Name>Ac</Name></NameFilter></CustomerQueryRq>"
        f"<CustomerQueryRq requestID='ok'><ListID>{acme.list_id}</ListID></CustomerQueryRq>"
        "</QBXMLMsgsRq></QBXML>"
    )
    host, name_filter, ok = run(sim, session, document)
    assert (host.kind, host.status_code, host.ok) == ("HostQuery", 1030, False)
    assert "not supported" in host.message
    assert (name_filter.status_code, "NameFilter" in name_filter.message) == (1030, True)
    assert ok.status_code == 0


def test_too_long_request_id_is_1060(sim, session, acme):
    document = (
        f"{HEADER}<QBXML><QBXMLMsgsRq onError='continueOnError'>"
        f"<CustomerQueryRq requestID='{'r' * 51}'/></QBXMLMsgsRq></QBXML>"
    )
    assert one(sim, session, document).status_code == 1060


@pytest.mark.parametrize(
    "document",
    [
        "",
        "<QBXML><QBXMLMsgsRq onError='stopOnError'>",
        "<QBXML><QBXMLMsgsRq onError='stopOnError'/></QBXML>",
        f"{HEADER}<QBXML><QBXMLMsgsRq/></QBXML>",
        f"{HEADER}<QBXML><QBXMLMsgsRq onError='sometimes'/></QBXML>",
        f"{HEADER}<QBXML/>",
        f"{HEADER}<Other/>",
        f"{HEADER}<QBXML><QBXMLMsgsRq onError='stopOnError'><Bogus/></QBXMLMsgsRq></QBXML>",
        f"{HEADER}<QBXML><QBXMLMsgsRq onError='stopOnError'><CustomerAddRq/></QBXMLMsgsRq></QBXML>",
        f"{HEADER}<QBXML><QBXMLMsgsRq onError='stopOnError'><CustomerModRq><CustomerMod>"
        "<Name>x</Name></CustomerMod></CustomerModRq></QBXMLMsgsRq></QBXML>",
        f"{HEADER}<QBXML><QBXMLMsgsRq onError='stopOnError'><CustomerQueryRq>"
        "<MaxReturned>many</MaxReturned></CustomerQueryRq></QBXMLMsgsRq></QBXML>",
        f"{HEADER}<QBXML><QBXMLMsgsRq onError='stopOnError'><CustomerQueryRq>"
        "<ListID>1</ListID><FullName>A</FullName></CustomerQueryRq></QBXMLMsgsRq></QBXML>",
        '<?xml version="1.0"?><!DOCTYPE QBXML [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="stopOnError"/></QBXML>',
    ],
)
def test_invalid_request_documents_raise_simulator_parse_error(sim, session, document):
    with pytest.raises(SimulatorParseError):
        sim.handle(session, document)


def test_a_parse_error_anywhere_means_nothing_is_processed(sim, session, acme):
    good = customer_add_rq("1", job(acme, "Good"))
    bad_status = good.replace(
        "</CustomerAddRq>",
        "</CustomerAddRq><CustomerAddRq requestID='2'>"
        "<CustomerAdd><Name>Bad</Name><JobStatus>Started</JobStatus></CustomerAdd>"
        "</CustomerAddRq>",
    )
    with pytest.raises(SimulatorParseError, match="JobStatus"):
        sim.handle(session, bad_status)
    assert names(session) == ["Acme"]


def test_add_customer_applies_customer_add_rules(session, acme):
    with pytest.raises(SimulatorStatusError) as duplicate:
        add_customer(session, "ACME")
    assert duplicate.value.code == 3100
    with pytest.raises(SimulatorStatusError) as missing_parent:
        add_customer(session, "Job", parent_full_name="Nobody")
    assert missing_parent.value.code == 3140
    with pytest.raises(SimulatorStatusError) as colon:
        add_customer(session, "A:B")
    assert colon.value.code == 3090
    with pytest.raises(ValueError):
        add_customer(session, "Other", colour="red")
    with pytest.raises(ValueError):
        add_customer(session, "Other", job_status="Started")
