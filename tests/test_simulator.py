"""The simulator answers qbXML like QuickBooks Desktop, from a company file in the database."""

import os
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from lxml import etree
from sqlmodel import Session, create_engine, select

from erp_dashboard.qbxml import (
    BUSY_STATUSES,
    JobFields,
    QBResult,
    customer_add_rq,
    customer_add_rqs,
    customer_mod_rq,
    customer_query_rq,
    negotiate_version,
    parse_host_response,
    parse_response,
)
from erp_dashboard.simulator import (
    BAD_RECORD_KINDS,
    SUPPORTED_QBXML_VERSIONS,
    Faults,
    QuickBooksSimulator,
    SimListItem,
    SimulatorParseError,
    SimulatorStatusError,
    SimulatorTable,
    SimulatorVersionError,
    add_customer,
)
from erp_dashboard.simulator.web_connector import HCP_RESPONSE, host_response

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
    SimulatorTable.metadata.create_all(engine)
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


# --------------------------------------------------------------------------- unhappy answers

BUSY = {
    3170: (
        'There was an error when modifying a Customers list, element "{full}".  '
        "QuickBooks error message: The internals could not be locked.  "
        "They are in use by another user."
    ),
    3175: (
        "There was an error adding, modifying or deleting {id} because it is already in use.  "
        "QuickBooks error message: The list element is in use."
    ),
    3176: (
        'There was an error when modifying a Customers list, element "{full}".  '
        "QuickBooks error message: Failed to acquire the lock."
    ),
    3180: (
        "There was an error when saving a Customers list.  "
        "QuickBooks error message: This list has been modified by another user."
    ),
}


def test_defaults_have_no_faults():
    faults = QuickBooksSimulator().faults
    assert faults == Faults()
    assert (faults.busy_for, faults.lookup_errors, faults.bad_records) == ({}, {}, {})
    assert not faults.strict_lookups and faults.supported_versions == SUPPORTED_QBXML_VERSIONS


@pytest.mark.parametrize("code", sorted(BUSY_STATUSES))
def test_busy_add_answers_the_lock_code_n_times_then_succeeds(session, acme, code):
    sim = QuickBooksSimulator(Faults(busy_for={"riverside clinic": 2}, busy_code=code))
    for attempt in range(2):
        busy = one(sim, session, customer_add_rq(f"a{attempt}", job(acme)))
        assert (busy.status_code, busy.severity, busy.ok, busy.customers) == (
            code,
            "Error",
            False,
            (),
        )
        assert busy.message == BUSY[code].format(full="Riverside Clinic", id="Riverside Clinic")
        assert names(session) == ["Acme"]
    added = one(sim, session, customer_add_rq("a2", job(acme)))
    assert added.ok and added.customers[0].full_name == "Acme:Riverside Clinic"
    other = one(sim, session, customer_add_rq("a3", job(acme, "Other Job")))
    assert other.ok  # only the named job is locked


@pytest.mark.parametrize("code", sorted(BUSY_STATUSES))
def test_busy_mod_answers_the_lock_code_then_succeeds(session, acme, code):
    clinic = add_customer(session, "Clinic", parent_full_name="Acme")
    sim = QuickBooksSimulator()
    sim.faults = Faults(busy_for={"Clinic": 1}, busy_code=code)  # set on the instance
    request = customer_mod_rq("m", clinic.list_id, clinic.edit_sequence, job(acme, "Clinic"))

    busy = one(sim, session, request)
    assert (busy.kind, busy.status_code, busy.severity) == ("CustomerMod", code, "Error")
    assert busy.message == BUSY[code].format(full="Acme:Clinic", id=clinic.list_id)
    assert session.get(SimListItem, clinic.id).edit_sequence == clinic.edit_sequence
    assert one(sim, session, request).ok


def test_busy_stops_a_stop_on_error_batch(session, acme):
    sim = QuickBooksSimulator(Faults(busy_for={"Two": 1}, busy_code=3175))
    items = [("1", job(acme, "One")), ("2", job(acme, "Two")), ("3", job(acme, "Three"))]
    results = run(sim, session, customer_add_rqs(items, on_error="stopOnError"))
    assert [(r.request_id, r.status_code) for r in results] == [("1", 0), ("2", 3175)]


def test_an_unknown_busy_code_is_a_mistake_in_the_test(session, acme):
    sim = QuickBooksSimulator(Faults(busy_for={"Riverside Clinic": 1}, busy_code=3200))
    with pytest.raises(ValueError, match="busy code"):
        sim.handle(session, customer_add_rq("1", job(acme)))


LOOKUP = {
    1: ("Info", "A query request did not find a matching object in QuickBooks"),
    500: (
        "Warn",
        "The query request has not been fully completed. There was a required element "
        '("{key}") that could not be found in QuickBooks.',
    ),
    3120: (
        "Error",
        'Object "{key}" specified in the request cannot be found.  QuickBooks error message: '
        "Invalid argument.  The specified record does not exist in the list.",
    ),
    3140: (
        "Error",
        'There is an invalid reference to QuickBooks Customer "{key}" in the Customer.',
    ),
}


@pytest.mark.parametrize("code", sorted(LOOKUP))
def test_lookup_errors_answer_the_given_code_by_full_name_and_list_id(session, acme, code):
    clinic = add_customer(session, "Clinic", parent_full_name="Acme")
    sim = QuickBooksSimulator(Faults(lookup_errors={"acme:clinic": code, acme.list_id: code}))
    severity, message = LOOKUP[code]

    by_name = one(sim, session, customer_query_rq("q1", full_names=["Acme", "Acme:CLINIC"]))
    assert (by_name.status_code, by_name.severity, by_name.customers) == (code, severity, ())
    assert by_name.message == message.format(key="Acme:CLINIC")
    by_id = one(sim, session, customer_query_rq("q2", list_ids=[acme.list_id]))
    assert (by_id.status_code, by_id.severity) == (code, severity)
    assert by_id.message == message.format(key=acme.list_id)
    untouched = one(sim, session, customer_query_rq("q3", list_ids=[clinic.list_id]))
    assert untouched.status_code == 0 and untouched.customers[0].full_name == "Acme:Clinic"


def test_strict_lookups_fail_the_whole_query_when_one_name_is_missing(session, acme):
    sim = QuickBooksSimulator(Faults(strict_lookups=True))
    partial = one(sim, session, customer_query_rq("q", full_names=["Acme", "Nope"]))
    assert (partial.status_code, partial.severity, partial.customers) == (500, "Warn", ())
    assert '("Nope")' in partial.message
    missing = one(sim, session, customer_query_rq("q", list_ids=["8000FFFF-1"]))
    assert (missing.status_code, missing.severity) == (500, "Warn")
    assert one(sim, session, customer_query_rq("q", full_names=["Acme"])).customers


def sync_pages(sim, session, size=2):
    """Every page of an iterator sync, as raw documents."""
    first = sim.handle(session, customer_query_rq("p0", max_returned=size, iterator="Start"))
    documents = [first]
    iterator_id = parse_response(first)[0].iterator_id
    while parse_response(documents[-1])[0].iterator_remaining:
        documents.append(
            sim.handle(
                session,
                customer_query_rq(
                    f"p{len(documents)}",
                    max_returned=size,
                    iterator="Continue",
                    iterator_id=iterator_id,
                ),
            )
        )
    return documents


@pytest.mark.parametrize("kind", BAD_RECORD_KINDS)
def test_a_bad_record_in_the_sync_pages_is_skipped_and_the_rest_kept(session, kind):
    for i in range(5):
        add_customer(session, f"Customer {i}", start_date=date(2024, 1, i + 1))
    sim = QuickBooksSimulator(Faults(bad_records={"customer 2": kind}))

    documents = sync_pages(sim, session)
    results = [parse_response(d)[0] for d in documents]
    read = [c.name for r in results for c in r.customers]
    skipped = [m for r in results for m in r.skipped]
    if kind == "unexpected_element":
        assert read == [f"Customer {i}" for i in range(5)] and skipped == []
        assert "<QBSimUnexpected>" in documents[1]
        return
    assert read == ["Customer 0", "Customer 1", "Customer 3", "Customer 4"]
    (message,) = skipped
    assert message.startswith("CustomerRet #1 ")
    assert ("repaired" in message) == (kind in ("control_char", "ampersand"))
    if kind in ("control_char", "ampersand"):
        with pytest.raises(etree.XMLSyntaxError):
            etree.fromstring(documents[1].encode())
    if kind == "missing_full_name":
        assert 'ListID "' in message and "no FullName" in message
    else:
        assert 'FullName "Customer 2"' in message


def test_a_bad_record_is_spoiled_in_lookups_too_and_a_bad_kind_is_refused(session, acme):
    sim = QuickBooksSimulator(Faults(bad_records={"Acme": "bad_date"}))
    found = parse_response(sim.handle(session, customer_query_rq("q", full_names=["Acme"])))[0]
    assert found.customers == () and "2024-02-30" in found.skipped[0]
    sim.faults.bad_records = {"Acme": "gremlins"}
    with pytest.raises(ValueError, match="bad record kind"):
        sim.handle(session, customer_query_rq("q", full_names=["Acme"]))


OLD = SUPPORTED_QBXML_VERSIONS[: SUPPORTED_QBXML_VERSIONS.index("6.0") + 1]


def at(version: str, document: str) -> str:
    return document.replace('<?qbxml version="13.0"?>', f'<?qbxml version="{version}"?>')


def test_an_old_quickbooks_refuses_versions_it_does_not_list(session, acme):
    sim = QuickBooksSimulator(Faults(supported_versions=OLD))
    with pytest.raises(SimulatorVersionError) as refused:
        sim.handle(session, customer_add_rq("1", job(acme)))
    assert (refused.value.hresult, refused.value.hresult_message) == (
        "0x80040423",
        "The version of qbXML that was requested is not supported or is unknown.",
    )
    assert isinstance(refused.value, SimulatorParseError)
    assert names(session) == ["Acme"]

    version = negotiate_version(OLD, 6, 0)
    assert version == "6.0"
    assert one(sim, session, customer_add_rq("2", job(acme), version=version)).ok
    pages = one(
        sim, session, customer_query_rq("3", max_returned=1, iterator="Start", version="6.0")
    )
    assert pages.ok and pages.iterator_remaining == 1


@pytest.mark.parametrize("version", ["14.0", "13", "", "x.y"])
def test_unknown_versions_are_refused_by_default(session, acme, version):
    with pytest.raises(SimulatorParseError):
        QuickBooksSimulator().handle(session, at(version, customer_query_rq("q")))


def test_features_newer_than_the_declared_version_are_a_parse_error(session, acme):
    sim = QuickBooksSimulator()
    iterator = at("4.0", customer_query_rq("q", max_returned=1, iterator="Start"))
    with pytest.raises(SimulatorParseError, match="iterator") as refused:
        sim.handle(session, iterator)
    assert refused.value.hresult == "0x80040400"
    assert not isinstance(refused.value, SimulatorVersionError)
    assert one(sim, session, at("4.0", customer_query_rq("q", max_returned=1))).ok

    clinic = add_customer(session, "Clinic", parent_full_name="Acme")
    mod = customer_mod_rq("m", clinic.list_id, clinic.edit_sequence, job(acme, "Clinic"))
    with pytest.raises(SimulatorParseError, match="CustomerMod"):
        sim.handle(session, at("2.1", mod))
    assert one(sim, session, at("3.0", mod)).ok
    assert one(sim, session, at("1.0", customer_add_rq("a", job(acme, "Old Job")))).ok


def test_host_response_is_a_realistic_hcp_response():
    assert host_response() == HCP_RESPONSE
    info = parse_host_response(HCP_RESPONSE)
    assert info.versions == SUPPORTED_QBXML_VERSIONS
    assert (info.major, info.minor, info.company_name, info.file_mode) == (
        13,
        0,
        "Simulated Company",
        "SingleUser",
    )
    assert negotiate_version(info.versions, 13, 0) == "13.0"
    old = parse_host_response(
        host_response(
            versions=OLD, major=16, minor=0, company_name="Old & Co", file_mode="MultiUser"
        )
    )
    assert (old.versions, old.major, old.company_name, old.file_mode) == (
        OLD,
        16,
        "Old & Co",
        "MultiUser",
    )
    assert negotiate_version(old.versions, 6, 0) == "6.0"
    if SCHEMA is not None:  # the HostQuery/CompanyQuery answers are valid qbXML responses
        assert SCHEMA.validate(etree.fromstring(HCP_RESPONSE.encode())), SCHEMA.error_log
