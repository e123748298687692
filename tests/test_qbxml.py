"""qbXML builders validate against Intuit's schema; the response parser is robust and hardened."""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from lxml import etree

from erp_dashboard.qbxml import (
    LIMITS,
    CustomerRet,
    JobFields,
    QBResult,
    QBXMLError,
    customer_add_rq,
    customer_add_rqs,
    customer_mod_rq,
    customer_query_rq,
    customer_ret_element,
    parse_response,
    qb_safe_text_problem,
    response_document,
)

PARENT = "80000001-1700000000"
FULL_JOB = JobFields(
    name="Riverside Clinic",
    parent_list_id=PARENT,
    addr1="12 River Rd",
    city="Springfield",
    state="IL",
    postal_code="62701",
    job_status="Awarded",
    start_date=date(2024, 3, 1),
    projected_end_date=date(2025, 6, 30),
    description="Two-storey clinic",
)
MAX_JOB = JobFields(
    name="N" * LIMITS["name"],
    parent_list_id=PARENT,
    addr1="A" * LIMITS["addr1"],
    city="C" * LIMITS["city"],
    state="S" * LIMITS["state"],
    postal_code="P" * LIMITS["postal_code"],
    description="D" * LIMITS["description"],
)


def assert_valid(schema: etree.XMLSchema, xml: str) -> etree._Element:
    root = etree.fromstring(xml.encode("utf-8"))
    assert schema.validate(root), schema.error_log
    return root


def children(el: etree._Element) -> list[str]:
    return [child.tag for child in el]


def test_customer_add_rq_is_a_whole_valid_document_in_schema_order(schema):
    xml = customer_add_rq("job-1", FULL_JOB)

    assert xml.startswith('<?xml version="1.0" encoding="utf-8"?><?qbxml version="13.0"?><QBXML>')
    root = assert_valid(schema, xml)
    msgs = root.find("QBXMLMsgsRq")
    assert msgs.get("onError") == "continueOnError"
    rq = msgs.find("CustomerAddRq")
    assert rq.get("requestID") == "job-1"
    add = rq.find("CustomerAdd")
    assert children(add) == [
        "Name",
        "ParentRef",
        "BillAddress",
        "JobStatus",
        "JobStartDate",
        "JobProjectedEndDate",
        "JobDesc",
    ]
    assert add.findtext("ParentRef/ListID") == PARENT
    assert children(add.find("BillAddress")) == ["Addr1", "City", "State", "PostalCode"]
    assert add.findtext("JobStartDate") == "2024-03-01"
    assert add.findtext("JobProjectedEndDate") == "2025-06-30"


def test_customer_add_rq_omits_empty_fields(schema):
    add = assert_valid(schema, customer_add_rq("1", JobFields("Bare", PARENT))).find(
        ".//CustomerAdd"
    )
    assert children(add) == ["Name", "ParentRef", "JobStatus"]

    partial = JobFields("Partial", PARENT, city="Springfield", description="")
    add = assert_valid(schema, customer_add_rq("2", partial)).find(".//CustomerAdd")
    assert children(add.find("BillAddress")) == ["City"]
    assert add.find("JobDesc") is None


def test_max_length_values_validate_and_one_more_does_not(schema):
    assert_valid(schema, customer_add_rq("1", MAX_JOB))
    assert_valid(schema, customer_mod_rq("1", "80000002-1700000000", "1700000000", MAX_JOB))
    for field in LIMITS:
        too_long = replace(MAX_JOB, **{field: "X" * (LIMITS[field] + 1)})
        root = etree.fromstring(customer_add_rq("1", too_long).encode())
        assert not schema.validate(root), f"{field} limit is not the schema's"


def test_xml_special_characters_are_escaped(schema):
    job = JobFields("A & B <C>", PARENT, addr1='"Quoted" & <tagged>', description="x > y & z")
    xml = customer_add_rq("1", job)

    assert "<Name>A &amp; B &lt;C&gt;</Name>" in xml
    add = assert_valid(schema, xml).find(".//CustomerAdd")
    assert add.findtext("Name") == "A & B <C>"
    assert add.findtext("BillAddress/Addr1") == '"Quoted" & <tagged>'
    assert add.findtext("JobDesc") == "x > y & z"


def test_customer_add_rqs_batches_many_requests(schema):
    items = [(f"r{i}", replace(FULL_JOB, name=f"Job {i}")) for i in range(3)]
    root = assert_valid(schema, customer_add_rqs(items))

    rqs = root.findall("QBXMLMsgsRq/CustomerAddRq")
    assert [rq.get("requestID") for rq in rqs] == ["r0", "r1", "r2"]
    assert [rq.findtext("CustomerAdd/Name") for rq in rqs] == ["Job 0", "Job 1", "Job 2"]
    stop = assert_valid(schema, customer_add_rqs(items, on_error="stopOnError"))
    assert stop.find("QBXMLMsgsRq").get("onError") == "stopOnError"


def test_customer_mod_rq_sends_every_field_and_clears_empty_ones(schema):
    job = replace(FULL_JOB, state="", projected_end_date=None, description="")
    root = assert_valid(schema, customer_mod_rq("m1", "80000002-1700000000", "1700000005", job))

    mod = root.find("QBXMLMsgsRq/CustomerModRq/CustomerMod")
    assert children(mod) == [
        "ListID",
        "EditSequence",
        "Name",
        "BillAddress",
        "JobStatus",
        "JobStartDate",
        "JobProjectedEndDate",
        "JobDesc",
    ]
    assert mod.findtext("ListID") == "80000002-1700000000"
    assert mod.findtext("EditSequence") == "1700000005"
    assert mod.findtext("BillAddress/State") == ""
    assert mod.findtext("JobProjectedEndDate") == ""
    assert mod.findtext("JobDesc") == ""


def test_customer_mod_rq_sends_parent_ref_only_to_reparent(schema):
    root = assert_valid(schema, customer_mod_rq("m1", "L", "1", FULL_JOB, reparent=True))
    mod = root.find(".//CustomerMod")
    assert children(mod)[:4] == ["ListID", "EditSequence", "Name", "ParentRef"]
    assert mod.findtext("ParentRef/ListID") == PARENT


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({}, []),
        ({"full_names": ["Acme:Job 1", "Acme:Job 2"]}, ["FullName", "FullName"]),
        ({"list_ids": ["80000002-1700000000"]}, ["ListID"]),
        ({"max_returned": 50, "active_status": "All"}, ["MaxReturned", "ActiveStatus"]),
        ({"max_returned": 10, "iterator": "Start"}, ["MaxReturned"]),
        ({"max_returned": 10, "iterator": "Continue", "iterator_id": "{abc}"}, ["MaxReturned"]),
        ({"iterator": "Stop", "iterator_id": "{abc}"}, []),
        ({"active_status": "InactiveOnly"}, ["ActiveStatus"]),
    ],
)
def test_customer_query_rq_variants_validate(schema, kwargs, expected):
    rq = assert_valid(schema, customer_query_rq("q1", **kwargs)).find(".//CustomerQueryRq")
    assert children(rq) == expected
    assert rq.get("requestID") == "q1"
    assert rq.get("iterator") == kwargs.get("iterator")
    assert rq.get("iteratorID") == kwargs.get("iterator_id")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"full_names": ["A"], "list_ids": ["B"]},
        {"list_ids": []},
        {"full_names": []},
        {"full_names": ["A"], "max_returned": 5},
        {"max_returned": 0},
        {"active_status": "Sometimes"},
        {"iterator": "Continue"},
        {"iterator": "Again", "iterator_id": "x"},
    ],
)
def test_customer_query_rq_rejects_impossible_queries(kwargs):
    with pytest.raises(ValueError):
        customer_query_rq("q1", **kwargs)


@pytest.mark.parametrize(
    "request_id, job",
    [
        ("", FULL_JOB),
        ("x" * 51, FULL_JOB),
        ("1", replace(FULL_JOB, job_status="Started")),
        ("1", replace(FULL_JOB, parent_list_id="")),
        ("1", replace(FULL_JOB, name="")),
    ],
)
def test_builders_refuse_requests_quickbooks_would_reject(request_id, job):
    with pytest.raises(ValueError):
        customer_add_rq(request_id, job)


def test_builders_share_the_request_id_limit_of_50():
    assert 'requestID="' + "x" * 50 + '"' in customer_add_rq("x" * 50, FULL_JOB)


RESPONSE = """<?xml version="1.0" ?>
<QBXML><QBXMLMsgsRs>
<CustomerAddRs requestID="job-1" statusCode="0" statusSeverity="Info" statusMessage="Status OK">
 <CustomerRet>
  <ListID>80000007-1700000100</ListID>
  <TimeCreated>2024-03-01T10:00:00-08:00</TimeCreated>
  <TimeModified>2024-03-02T10:00:00-08:00</TimeModified>
  <EditSequence>1700000200</EditSequence>
  <Name>Riverside Clinic</Name>
  <FullName>Acme:Riverside Clinic</FullName>
  <IsActive>true</IsActive>
  <ParentRef><ListID>80000001-1700000000</ListID><FullName>Acme</FullName></ParentRef>
  <Sublevel>1</Sublevel>
  <BillAddress><Addr1>12 River Rd</Addr1><City>Springfield</City><State>IL</State>
   <PostalCode>62701</PostalCode></BillAddress>
  <Balance>0.00</Balance>
  <JobStatus>Awarded</JobStatus>
  <JobStartDate>2024-03-01</JobStartDate>
  <JobProjectedEndDate>2025-06-30</JobProjectedEndDate>
  <JobDesc>Two-storey clinic</JobDesc>
 </CustomerRet>
</CustomerAddRs>
<CustomerAddRs requestID="job-2" statusCode="3100" statusSeverity="Error"
 statusMessage="The name &quot;Dup&quot; of the list element is already in use." />
<CustomerQueryRs requestID="q" statusCode="500" statusSeverity="Warn" statusMessage="partial"
 iteratorRemainingCount="12" iteratorID="{eb05f701-e727-472f-8ade-6753c4f67a46}" />
</QBXMLMsgsRs></QBXML>"""


def test_parse_response_reads_status_and_customer(schema):
    assert_valid(schema, RESPONSE)
    added, duplicate, query = parse_response(RESPONSE)

    assert (added.request_id, added.kind, added.status_code, added.severity) == (
        "job-1",
        "CustomerAdd",
        0,
        "Info",
    )
    assert added.ok and added.message == "Status OK"
    (ret,) = added.customers
    assert ret == CustomerRet(
        list_id="80000007-1700000100",
        edit_sequence="1700000200",
        name="Riverside Clinic",
        full_name="Acme:Riverside Clinic",
        parent_list_id=PARENT,
        is_active=True,
        sublevel=1,
        addr1="12 River Rd",
        city="Springfield",
        state="IL",
        postal_code="62701",
        job_status="Awarded",
        start_date=date(2024, 3, 1),
        projected_end_date=date(2025, 6, 30),
        description="Two-storey clinic",
        parent_full_name="Acme",
        time_created=datetime.fromisoformat("2024-03-01T10:00:00-08:00"),
        time_modified=datetime.fromisoformat("2024-03-02T10:00:00-08:00"),
    )
    assert not duplicate.ok and duplicate.status_code == 3100
    assert duplicate.message == 'The name "Dup" of the list element is already in use.'
    assert query.ok and query.severity == "Warn"
    assert query.iterator_id == "{eb05f701-e727-472f-8ade-6753c4f67a46}"
    assert query.iterator_remaining == 12


def test_customer_ret_element_round_trips_through_the_parser(schema):
    ret = CustomerRet(
        list_id="80000002-1700000000",
        edit_sequence="1700000001",
        name="Job & Co",
        full_name="Acme:Job & Co",
        parent_list_id=PARENT,
        parent_full_name="Acme",
        sublevel=1,
        city="Springfield",
        job_status="Pending",
        start_date=date(2024, 1, 2),
        time_created=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        time_modified=datetime(2024, 1, 2, 3, 4, 6, tzinfo=UTC),
    )
    rs = etree.Element("CustomerQueryRs", requestID="1", statusCode="0", statusSeverity="Info")
    rs.append(customer_ret_element(ret))
    xml = response_document([rs])

    assert_valid(schema, xml)
    assert parse_response(xml)[0].customers == (ret,)


def test_parse_response_accepts_windows_1252_as_bytes_and_as_str():
    text = (
        '<?xml version="1.0" encoding="windows-1252"?>\n<QBXML><QBXMLMsgsRs>'
        '<CustomerQueryRs requestID="1" statusCode="0" statusSeverity="Info" statusMessage="OK">'
        "<CustomerRet><ListID>1-1</ListID><EditSequence>1</EditSequence>"
        "<Name>Caf\u00e9 \u2018R\u00e9sum\u00e9\u2019</Name><FullName>Caf\u00e9</FullName>"
        "</CustomerRet></CustomerQueryRs></QBXMLMsgsRs></QBXML>"
    )
    for document in (text.encode("cp1252"), text, "\ufeff" + text):
        (result,) = parse_response(document)
        assert result.customers[0].name == "Caf\u00e9 \u2018R\u00e9sum\u00e9\u2019"


def test_missing_status_attributes_are_an_error_not_a_crash():
    xml = (
        "<QBXML><QBXMLMsgsRs>"
        '<CustomerAddRs requestID="a" statusMessage="odd"/>'
        '<CustomerAddRs requestID="b" statusCode="0"/>'
        '<CustomerAddRs requestID="c" statusCode="zero" statusSeverity="Info"/>'
        "</QBXMLMsgsRs></QBXML>"
    )
    a, b, c = parse_response(xml)

    for result in (a, b, c):
        assert (result.status_code, result.severity, result.ok) == (-1, "Error", False)
    assert "statusCode or statusSeverity" in a.message and "odd" in a.message
    assert "statusSeverity" in b.message
    assert 'non-numeric statusCode "zero"' in c.message


@pytest.mark.parametrize(
    "document",
    [
        "",
        "   ",
        b"",
        '<?xml version="1.0" ?><QBXML><QBXMLMsgsRs><CustomerAddRs requestID="1" statusCo',
        "<QBXML><QBXMLMsgsRs></QBXML>",
        "not xml at all",
        "<Other/>",
        "<QBXML><QBXMLMsgsRq onError='stopOnError'/></QBXML>",
        "<QBXML><QBXMLMsgsRs><CustomerQueryRs statusCode='0' statusSeverity='Info'>"
        "<CustomerRet><Sublevel>one</Sublevel></CustomerRet></CustomerQueryRs></QBXMLMsgsRs></QBXML>",
    ],
)
def test_malformed_truncated_or_foreign_documents_raise_qbxml_error(document):
    with pytest.raises(QBXMLError):
        parse_response(document)


BOMB = """<?xml version="1.0"?>
<!DOCTYPE QBXML [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<QBXML><QBXMLMsgsRs><CustomerAddRs statusCode="0" statusSeverity="Info" statusMessage="&d;"/>
</QBXMLMsgsRs></QBXML>"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE QBXML [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<QBXML><QBXMLMsgsRs><CustomerAddRs statusCode="0" statusSeverity="Info" statusMessage="&x;"/>
</QBXMLMsgsRs></QBXML>"""


@pytest.mark.parametrize(
    "document",
    [
        BOMB,
        BOMB.encode(),
        EXTERNAL,
        # UTF-16 hides the DOCTYPE from a byte scan; the parsed tree still shows it.
        (
            '<?xml version="1.0" encoding="utf-16"?>'
            '<!DOCTYPE QBXML SYSTEM "http://example.invalid/qbxml.dtd">'
            "<QBXML><QBXMLMsgsRs/></QBXML>"
        ).encode("utf-16"),
    ],
)
def test_doctype_and_entity_attacks_are_refused(document):
    with pytest.raises(QBXMLError, match="DOCTYPE"):
        parse_response(document)


@pytest.mark.parametrize(
    "severity, ok", [("Info", True), ("Warn", True), ("Error", False), ("ERROR", False)]
)
def test_ok_is_false_only_for_errors(severity, ok):
    assert QBResult("1", "CustomerAdd", 0, severity, "").ok is ok


@pytest.mark.parametrize(
    "value, limit, fragments",
    [
        ("Riverside Clinic", 41, None),
        ("Caf\u00e9 \u00fc\u00df \u00bd", 41, None),
        ("x" * 41, 41, None),
        ("x" * 42, 41, ["Name", "42", "41"]),
        ("Bureau \u20ac", 41, ["Name", "\u20ac", "ISO-8859-1"]),
        ("\u5de5\u4e8b", 41, ["\u5de5", "\u4e8b"]),
        ("tab\tok", 41, None),
        ("bell\x07", 41, ["\\x07"]),
        ("\u20ac" * 42, 41, ["42", "\u20ac"]),
    ],
)
def test_qb_safe_text_problem(value, limit, fragments):
    problem = qb_safe_text_problem(value, "Name", limit)
    if fragments is None:
        assert problem is None
    else:
        assert problem is not None
        for fragment in fragments:
            assert fragment in problem


def test_qb_safe_text_problem_names_limit_keys_by_their_label():
    problem = qb_safe_text_problem("9" * 14, "postal_code", LIMITS["postal_code"])
    assert problem == "Postal code is 14 characters long; QuickBooks allows at most 13."
