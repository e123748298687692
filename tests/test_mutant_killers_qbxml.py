"""qbXML read exactly as QuickBooks receives it and as the product reads QuickBooks'
answers: which elements a request carries, what a refused request says, and each value
parsed at its edges. Each test kills mutants that survived the rest of the suite
(`make mutants`, issue 11 §7)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from lxml import etree

from erp_dashboard import qbxml, quickbooks_fields
from erp_dashboard.qbxml import JobFields

PARENT = "80000001-1700000000"
JOB = JobFields(name="Riverside Clinic", parent_list_id=PARENT, city="Springfield")


def _root(xml: str) -> etree._Element:
    return etree.fromstring(xml.split("?>", 2)[-1].encode())


# -- CustomerMod --------------------------------------------------------------------------


def test_a_batch_of_updates_never_moves_a_job_to_another_customer():
    root = _root(qbxml.customer_mod_rqs([("r1", "80000002-1", "7", JOB)]))
    [mod] = root.iter("CustomerMod")
    assert [child.tag for child in mod][:4] == ["ListID", "EditSequence", "Name", "BillAddress"]
    assert mod.find("ParentRef") is None


@pytest.mark.parametrize(("list_id", "edit_sequence"), [("", "7"), ("80000002-1", ""), ("", "")])
def test_an_update_needs_both_its_list_id_and_edit_sequence(list_id, edit_sequence):
    for build in (
        lambda: qbxml.customer_mod_rq("r1", list_id, edit_sequence, JOB),
        lambda: qbxml.customer_mod_rqs([("r1", list_id, edit_sequence, JOB)]),
    ):
        with pytest.raises(ValueError) as refused:
            build()
        assert str(refused.value) == "CustomerMod needs a ListID and an EditSequence"


def test_an_empty_batch_of_updates_is_refused_with_its_reason():
    with pytest.raises(ValueError) as refused:
        qbxml.customer_mod_rqs([])
    assert str(refused.value) == "a batch needs at least one request"


# -- damaged answers ---------------------------------------------------------------------


def _query_rs(*records: str) -> str:
    return (
        '<?xml version="1.0"?><QBXML><QBXMLMsgsRs><CustomerQueryRs requestID="q" '
        'statusCode="0" statusSeverity="Info" statusMessage="Status OK">'
        + "".join(records)
        + "</CustomerQueryRs></QBXMLMsgsRs></QBXML>"
    )


def _ret(list_id: str, name: str, extra: str = "") -> str:
    return (
        f"<CustomerRet><ListID>{list_id}</ListID><EditSequence>1</EditSequence>"
        f"<Name>{name}</Name><FullName>{name}</FullName>{extra}</CustomerRet>"
    )


def test_a_record_that_is_not_well_formed_is_skipped_with_the_parser_reason_alone():
    [result] = qbxml.parse_response(
        _query_rs(_ret("80000001-1", "A & B"), _ret("80000002-1", "Good"))
    )
    assert [c.list_id for c in result.customers] == ["80000002-1"]
    assert result.skipped == (
        'CustomerRet #1 (ListID "80000001-1", FullName "A & B") was skipped: it is not '
        "well-formed XML (xmlParseEntityRef: no name); the response was repaired",
    )


def test_a_record_marker_that_names_no_record_reads_as_unreadable():
    """Markers carry a random tag and the index of a record cut aside; one that names no
    record of its own kind (no index, past the end, the other kind) is never taken for one."""
    records = qbxml._Records()
    records.elements.append(etree.Element("CustomerRet"))
    records.reasons.append({"list_id": "1", "full_name": "A", "why": "cut off"})
    unreadable = (None, {"list_id": None, "full_name": None, "why": "it was unreadable"})
    assert records.take(etree.Element(records.good, n="0"))[0] is records.elements[0]
    assert records.take(etree.Element(records.bad, n="0")) == (None, records.reasons[0])
    assert records.take(etree.Element(records.good)) == unreadable
    assert records.take(etree.Element(records.bad)) == unreadable
    assert records.take(etree.Element(records.good, n="1")) == unreadable
    assert records.take(etree.Element(records.bad, n="1")) == unreadable
    records.elements.clear()
    assert records.take(etree.Element(records.good, n="0")) == unreadable
    assert records.take(etree.Element("CustomerRet", n="0")) == unreadable


def _rs(request_id: str, *records: str) -> str:
    return (
        f'<CustomerQueryRs requestID="{request_id}" statusCode="0" statusSeverity="Info" '
        'statusMessage="Status OK">' + "".join(records) + "</CustomerQueryRs>"
    )


def test_a_cut_off_record_ends_at_its_response_and_is_named_as_quickbooks_wrote_it():
    cut = (
        "<CustomerRet><ListID>80000001-1</ListID><FullName>A &amp;amp; B &lt;x&gt; "
        "&quot;q&quot; &apos;s&apos;\x01</FullName><Name>A"
    )
    nameless = "<CustomerRet><FullName>Nameless</FullName><Sublevel>"
    xml = (
        "<QBXML><QBXMLMsgsRs>"
        + _rs("q1", cut)
        + _rs("q2", _ret("80000002-1", "Good"), nameless)
        + "</QBXMLMsgsRs></QBXML>"
    )
    first, second = qbxml.parse_response(xml)
    repaired = "it was cut off; the response was repaired"
    assert (first.request_id, first.customers) == ("q1", ())
    assert first.skipped == (
        f'CustomerRet #1 (ListID "80000001-1", FullName "A &amp; B <x> "q" \'s\'?") was '
        f"skipped: {repaired}",
    )
    assert (second.request_id, [c.full_name for c in second.customers]) == ("q2", ["Good"])
    assert second.skipped == (f'CustomerRet #2 (FullName "Nameless") was skipped: {repaired}',)


def test_undecodable_bytes_in_a_damaged_answer_are_replaced_not_fatal():
    xml = _query_rs(_ret("80000001-1", "Caf\udce9"), _ret("80000002-1", "A & B"))
    [result] = qbxml.parse_response(xml.encode("utf-8", "surrogateescape"))  # a bare 0xE9
    assert [c.full_name for c in result.customers] == ["Caf\ufffd"]
    assert len(result.skipped) == 1


def test_a_damaged_answer_with_nothing_readable_after_its_declaration_is_refused():
    with pytest.raises(qbxml.QBXMLError, match="malformed or truncated"):
        qbxml.parse_response(b'<?xml version="1.0"?>\x00<QBXML>')


def test_each_damaged_answer_is_cut_apart_with_its_own_markers():
    assert qbxml._Records().good != qbxml._Records().good


def test_a_record_with_no_name_or_id_is_skipped_by_its_number_alone():
    [result] = qbxml.parse_response(_query_rs(_ret("80000001-1", "Good"), "<CustomerRet/>"))
    assert result.skipped == ("CustomerRet #2 was skipped: it has no ListID and FullName",)


# -- look-ups ----------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["FullName", "ListID"])
def test_an_empty_look_up_key_still_names_its_key_so_it_never_queries_everyone(by):
    root = _root(qbxml.customer_lookup_rqs([("r1", ""), ("r2", "Acme")], by=by))
    queries = list(root.iter("CustomerQueryRq"))
    assert [(q.get("requestID"), [(c.tag, c.text) for c in q]) for q in queries] == [
        ("r1", [(by, None)]),
        ("r2", [(by, "Acme")]),
    ]


def test_a_look_up_is_written_in_the_qbxml_version_asked_for():
    xml = qbxml.customer_lookup_rqs([("r1", "Acme")], by="FullName", version="5.0")
    assert xml.startswith('<?xml version="1.0" encoding="utf-8"?><?qbxml version="5.0"?>')


@pytest.mark.parametrize(
    ("items", "by", "message"),
    [
        ([("r1", "Acme")], "Name", "look up by FullName or ListID"),
        ([], "FullName", "a batch needs at least one request"),
    ],
)
def test_a_look_up_that_cannot_be_written_says_why(items, by, message):
    with pytest.raises(ValueError) as refused:
        qbxml.customer_lookup_rqs(items, by=by)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("job", "message"),
    [
        (JobFields(name="", parent_list_id=PARENT), "a job needs a name"),
        (
            JobFields(name="Clinic", parent_list_id=""),
            'job "Clinic" needs the ListID of its parent customer',
        ),
        (
            JobFields(name="Clinic", parent_list_id=PARENT, job_status="Done"),
            "job_status must be one of ('Awarded', 'Closed', 'InProgress', 'None', "
            "'NotAwarded', 'Pending'), not 'Done'",
        ),
    ],
)
def test_a_job_quickbooks_would_refuse_is_not_written_and_says_why(job, message):
    for build in (
        lambda: qbxml.customer_add_rq("r1", job),
        lambda: qbxml.customer_mod_rq("r1", "80000002-1", "7", job),
    ):
        with pytest.raises(ValueError) as refused:
            build()
        assert str(refused.value) == message


# -- a CustomerRet as the simulated QuickBooks writes it ---------------------------------


def _children(el: etree._Element) -> list[tuple[str, str | None]]:
    return [(child.tag, child.text) for child in el]


def test_a_customer_ret_keeps_its_identity_even_empty_and_leaves_out_empty_fields():
    ret = qbxml.CustomerRet(
        "", "", "", "", parent_list_id="80000001-1", is_active=False, sublevel=1
    )
    el = qbxml.customer_ret_element(ret)
    assert _children(el) == [
        ("ListID", ""),
        ("EditSequence", ""),
        ("Name", ""),
        ("FullName", ""),
        ("IsActive", "false"),
        ("ParentRef", None),
        ("Sublevel", "1"),
        ("JobStatus", "None"),
    ]
    assert _children(el.find("ParentRef")) == [("ListID", "80000001-1")]


def test_a_customer_ret_writes_its_times_in_utc_unless_they_say_otherwise():
    naive = datetime(2024, 1, 2, 3, 4, 5, 678)
    aware = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-8)))
    ret = qbxml.CustomerRet("1", "2", "N", "N", time_created=naive, time_modified=aware)
    el = qbxml.customer_ret_element(ret)
    assert el.findtext("TimeCreated") == "2024-01-02T03:04:05+00:00"
    assert el.findtext("TimeModified") == "2024-01-02T03:04:05-08:00"
    assert el.findtext("IsActive") == "true"
    assert (
        qbxml.customer_ret_element(qbxml.CustomerRet("1", "2", "N", "N")).find("TimeCreated")
        is None
    )


@pytest.mark.parametrize(
    ("text", "active"), [("1", True), ("true", True), ("", True), ("0", False), ("false", False)]
)
def test_is_active_is_read_as_quickbooks_writes_it(text, active):
    [result] = qbxml.parse_response(_query_rs(_ret("1", "N", f"<IsActive>{text}</IsActive>")))
    assert [c.is_active for c in result.customers] == [active]


# -- what QuickBooks says about itself (strHCPResponse) ----------------------------------


HOST = (
    "<QBXML><QBXMLMsgsRs><HostQueryRs><HostRet><ProductName>QuickBooks Pro</ProductName>"
    "<MajorVersion>33</MajorVersion><MinorVersion>7</MinorVersion>"
    "<SupportedQBXMLVersion>12.0</SupportedQBXMLVersion><SupportedQBXMLVersion/>"
    "<SupportedQBXMLVersion>13.0</SupportedQBXMLVersion>{extra}</HostRet></HostQueryRs>"
    "</QBXMLMsgsRs></QBXML>"
)


def test_the_host_answer_is_read_whole_and_empty_versions_are_ignored():
    host = qbxml.parse_host_response(HOST.format(extra=""))
    assert host == qbxml.HostInfo("QuickBooks Pro", 33, 7, ("12.0", "13.0"), "", "")


def test_a_damaged_host_answer_is_still_read_as_text_or_bytes():
    damaged = '<?xml version="1.0"?>' + HOST.format(extra="<QBFileMode>A & B</QBFileMode>")
    for text in (damaged, damaged.encode()):
        host = qbxml.parse_host_response(text)
        assert (host.major, host.minor, host.versions) == (33, 7, ("12.0", "13.0"))


def test_a_company_answer_alone_still_names_the_company():
    text = (
        "<QBXML><QBXMLMsgsRs><CompanyQueryRs><CompanyRet><CompanyName> Acme </CompanyName>"
        "</CompanyRet></CompanyQueryRs></QBXMLMsgsRs></QBXML>"
    )
    assert qbxml.parse_host_response(text) == qbxml.HostInfo(company_name="Acme")


def test_a_host_answer_with_a_doctype_anywhere_is_not_read():
    text = HOST.format(extra="").replace(
        "<QBXMLMsgsRs>", '<!DOCTYPE x [<!ENTITY e "e">]><QBXMLMsgsRs>'
    )
    assert qbxml.parse_host_response(text) == qbxml.HostInfo()


# -- queries and the rest of a record ----------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"full_names": []}, "an empty list of list_ids or full_names would query every customer"),
        ({"list_ids": []}, "an empty list of list_ids or full_names would query every customer"),
        (
            {"list_ids": ["1"], "full_names": ["A"]},
            "query by list_ids, by full_names or by filters, not a mix",
        ),
        ({"max_returned": 0}, "max_returned must be at least 1"),
        (
            {"active_status": "Some"},
            "active_status must be one of ('ActiveOnly', 'InactiveOnly', 'All')",
        ),
        ({"iterator": "Go"}, "iterator must be one of ('Start', 'Continue', 'Stop')"),
        ({"iterator": "Stop"}, 'iterator="Stop" needs an iterator_id'),
        ({"iterator": "Continue"}, 'iterator="Continue" needs an iterator_id'),
    ],
)
def test_a_query_that_cannot_be_written_says_why(kwargs, message):
    with pytest.raises(ValueError) as refused:
        qbxml.customer_query_rq("q1", **kwargs)
    assert str(refused.value) == message


def test_a_batch_with_an_unknown_error_mode_says_which_there_are():
    with pytest.raises(ValueError) as refused:
        qbxml.customer_add_rqs([("r1", JOB)], on_error="ignore")
    assert str(refused.value) == (
        "on_error must be one of ('continueOnError', 'rollbackOnError', 'stopOnError')"
    )


@pytest.mark.parametrize("key", ["list_ids", "full_names"])
def test_an_empty_query_key_is_still_written(key):
    tag = {"list_ids": "ListID", "full_names": "FullName"}[key]
    [rq] = _root(qbxml.customer_query_rq("q1", **{key: ["", "X"]})).iter("CustomerQueryRq")
    assert _children(rq) == [(tag, None), (tag, "X")]


def test_an_update_clears_the_dates_and_fields_the_project_no_longer_has():
    [mod] = _root(qbxml.customer_mod_rq("r1", "80000002-1", "7", JOB)).iter("CustomerMod")
    assert mod.find("JobStartDate") is not None and mod.findtext("JobStartDate") == ""
    assert mod.find("JobProjectedEndDate") is not None and mod.find("JobDesc") is not None


def test_the_rest_of_a_record_is_read_or_skipped_by_name():
    [result] = qbxml.parse_response(
        _query_rs(
            "<CustomerRet><ListID>1</ListID><FullName>Acme:Site:Hall</FullName></CustomerRet>",
            _ret("2", "B", "<TimeModified>x</TimeModified>"),
            _ret("3", "C", "<JobStatus>Done</JobStatus>"),
        )
    )
    [hall] = result.customers
    assert (hall.name, hall.edit_sequence) == ("Hall", "")
    assert result.skipped == (
        'CustomerRet #2 (ListID "2", FullName "B") was skipped: '
        'TimeModified "x" is not a date-time',
        'CustomerRet #3 (ListID "3", FullName "C") was skipped: JobStatus "Done" is not one '
        "of Awarded, Closed, InProgress, None, NotAwarded, Pending",
    )


# -- documents refused whole -------------------------------------------------------------


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (" ", "the qbXML document is empty"),
        ('<?xml version="1.0"?>', "the qbXML document is empty"),
        ("<Foo/>", "expected a <QBXML> document, got <Foo>"),
        ("<QBXML/>", "the qbXML document has no QBXMLMsgsRs element"),
        (
            '<!DOCTYPE QBXML [<!ENTITY e "x">]><QBXML/>',
            "the qbXML document has a DOCTYPE, which is refused",
        ),
        (
            b'<!DOCTYPE QBXML [<!ENTITY e "x">]><QBXML/>',
            "the qbXML document has a DOCTYPE, which is refused",
        ),
    ],
)
def test_a_document_refused_whole_says_why_without_repair(xml, message):
    with pytest.raises(qbxml.QBXMLError) as refused:
        qbxml.parse_response(xml)
    assert str(refused.value) == message


def test_a_document_nested_past_the_parser_limit_is_refused_not_expanded():
    with pytest.raises(qbxml.QBXMLError, match="Excessive depth"):
        qbxml.parse_xml("<a>" * 300 + "</a>" * 300)


def test_a_response_without_a_status_message_reads_as_empty():
    xml = (
        '<QBXML><QBXMLMsgsRs><CustomerQueryRs requestID="q" statusCode="0" '
        'statusSeverity="Info"/></QBXMLMsgsRs></QBXML>'
    )
    [result] = qbxml.parse_response(xml)
    assert (result.status_code, result.message) == (0, "")


def test_what_quickbooks_cannot_store_is_named_in_full():
    text = "Café\t\u0100\x85\x7f\x00"
    assert quickbooks_fields.qb_safe_text_problem("x" * 5 + text, "city", 5) == (
        "City is 14 characters long; QuickBooks allows at most 5. City contains characters "
        "QuickBooks cannot store ('\\x00', '\\x7f', '\\x85', 'Ā'); only ISO-8859-1 (Latin-1) "
        "text without control characters is allowed."
    )
    assert quickbooks_fields.qb_safe_text_problem("ÿ\t\n\r", "city", 5) is None


def test_a_request_id_out_of_bounds_is_refused_by_name():
    with pytest.raises(ValueError) as refused:
        qbxml.customer_add_rq("r" * 51, JOB)
    assert str(refused.value) == f"requestID must be 1-50 characters: {'r' * 51!r}"


def test_a_response_missing_its_attributes_says_what_is_missing_and_keeps_its_records():
    xml = (
        '<QBXML><QBXMLMsgsRs><CustomerQueryRs statusCode="x"><Foo/>'
        + _ret("1", "Kept")
        + "</CustomerQueryRs></QBXMLMsgsRs></QBXML>"
    )
    [result] = qbxml.parse_response(xml)
    assert (result.request_id, result.status_code, result.severity, result.message) == (
        "",
        qbxml.UNREADABLE_STATUS,
        "Error",
        "CustomerQueryRs has no statusSeverity attribute",
    )
    assert (result.iterator_id, result.iterator_remaining, result.skipped) == (None, None, ())
    assert [c.full_name for c in result.customers] == ["Kept"]


@pytest.mark.parametrize("version", [None, 13, 13.0, b"13.0", "13", "13.0.1", " 13.0 x"])
def test_only_a_major_dot_minor_text_is_a_qbxml_version(version):
    assert qbxml.version_key(version) is None
