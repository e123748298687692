"""qbXML builders validate against Intuit's schema; the response parser is robust and hardened."""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from lxml import etree

from erp_dashboard.qbxml import (
    BUSY_STATUSES,
    MIN_QBXML_VERSION,
    QBXML_VERSION,
    CustomerRet,
    HostInfo,
    JobFields,
    QBResult,
    QBXMLError,
    customer_add_rq,
    customer_add_rqs,
    customer_mod_rq,
    customer_mod_rqs,
    customer_query_rq,
    customer_ret_element,
    negotiate_version,
    parse_host_response,
    parse_response,
    response_document,
)
from erp_dashboard.quickbooks_fields import LIMITS, qb_safe_text_problem

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
        # damaged, and no response with a readable status survives the repair
        "<QBXML><QBXMLMsgsRs><CustomerAddRs requestID='1' statusCode='0' statusSev\x01",
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
        ("C1\x85next line", 41, ["\\x85", "control characters"]),
        ("C1 edge \x80 \x9f", 41, ["\\x80", "\\x9f"]),
        ("delete\x7f", 41, ["\\x7f"]),
        ("Latin-1 edge \xa0\xff", 41, None),
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


# --------------------------------------------------------------------------- versions


def test_busy_statuses_are_the_lock_codes():
    assert frozenset({3170, 3175, 3176, 3180}) == BUSY_STATUSES
    assert 3200 not in BUSY_STATUSES and 3100 not in BUSY_STATUSES


@pytest.mark.parametrize("version", [MIN_QBXML_VERSION, "8.0", "12.0", QBXML_VERSION])
def test_builders_write_the_requested_version_and_stay_valid(schema, version):
    documents = [
        customer_add_rq("a", FULL_JOB, version=version),
        customer_add_rqs([("a", FULL_JOB)], version=version),
        customer_mod_rq("m", "L-1", "1", FULL_JOB, reparent=True, version=version),
        customer_mod_rqs([("m", "L-1", "1", FULL_JOB)], version=version),
        customer_query_rq("q", max_returned=5, iterator="Start", version=version),
        customer_query_rq("q", full_names=["Acme"], version=version),
    ]
    for document in documents:
        assert f'<?qbxml version="{version}"?>' in document
        assert_valid(schema, document)


@pytest.mark.parametrize("version", ["4.1", "3.0", "14.0", "13", "", "latest", "13.0.1"])
def test_builders_refuse_versions_outside_what_we_can_send(version):
    with pytest.raises(ValueError, match="qbXML version"):
        customer_add_rq("a", FULL_JOB, version=version)
    with pytest.raises(ValueError, match="qbXML version"):
        customer_query_rq("q", version=version)


ALL_VERSIONS = ("1.0", "1.1", "2.0", "2.1", "3.0", "4.0", "4.1", "5.0", "6.0", "7.0", "8.0")
ALL_VERSIONS += ("9.0", "10.0", "11.0", "12.0", "13.0")


@pytest.mark.parametrize(
    "listed, major, minor, expected",
    [
        (ALL_VERSIONS, 13, 0, "13.0"),
        ((*ALL_VERSIONS, "14.0", "15.0", "16.0"), 16, 0, "13.0"),  # newer QuickBooks
        (ALL_VERSIONS[:9], 6, 0, "6.0"),  # 1.0 .. 6.0
        (ALL_VERSIONS[:8], 5, 0, "5.0"),  # 1.0 .. 5.0: exactly the minimum
        (ALL_VERSIONS[:7], 4, 1, None),  # 1.0 .. 4.1: too old for iterators
        (("13.0", "8.0", "9.0"), 13, 0, "13.0"),  # order does not matter
        (("8.0", "13.0", "10.0"), 0, 0, "13.0"),  # "13.0" > "8.0" numerically
        (("2.0", "8.0", "junk", "", "CA3.0", "UK2.0", "7"), 13, 0, "8.0"),  # junk tolerated
        (("CA2.0", "UK2.0"), 13, 0, None),  # only junk listed: never invent one
        (("6.0",), 13, 0, "6.0"),  # the list wins over qbXMLMajorVers
        ((" 7.0 ",), 7, 0, "7.0"),
        ((), 13, 0, "13.0"),  # nothing listed: qbXMLMajorVers/MinorVers
        ((), 16, 0, "13.0"),
        ((), 8, 0, "8.0"),
        ((), 5, 0, "5.0"),
        ((), 4, 1, None),
        ((), 0, 0, None),
    ],
)
def test_negotiate_version(listed, major, minor, expected):
    assert negotiate_version(listed, major, minor) == expected


def test_negotiate_version_tolerates_string_numbers_and_junk_numbers():
    assert negotiate_version((), "12", "0") == "12.0"  # type: ignore[arg-type]
    assert negotiate_version((), "x", 0) is None  # type: ignore[arg-type]


# The shape of a strHCPResponse recorded from QuickBooks Pro 2014 (HostRet MajorVersion 24,
# qbXML 1.0 .. 13.0; CompanyRet carries QBWC's FileID data extension), abbreviated.
RECORDED_HCP = (
    '<?xml version="1.0" ?><QBXML><QBXMLMsgsRs>'
    '<HostQueryRs requestID="0" statusCode="0" statusSeverity="Info" statusMessage="Status OK">'
    "<HostRet><ProductName>QuickBooks Pro 2014</ProductName><MajorVersion>24</MajorVersion>"
    "<MinorVersion>0</MinorVersion><Country>US</Country>"
    + "".join(f"<SupportedQBXMLVersion>{v}</SupportedQBXMLVersion>" for v in ALL_VERSIONS)
    + "<IsAutomaticLogin>false</IsAutomaticLogin><QBFileMode>SingleUser</QBFileMode>"
    "</HostRet></HostQueryRs>"
    '<CompanyQueryRs requestID="1" statusCode="0" statusSeverity="Info" statusMessage="Status OK">'
    "<CompanyRet><IsSampleCompany>false</IsSampleCompany><CompanyName>Builder &amp; Sons"
    "</CompanyName><LegalCompanyName>Builder and Sons LLC</LegalCompanyName>"
    "<DataExtRet><OwnerID>{11111111-2222-3333-4444-555555555555}</OwnerID>"
    "<DataExtName>FileID</DataExtName><DataExtType>STR255TYPE</DataExtType>"
    "<DataExtValue>{66666666-7777-8888-9999-000000000000}</DataExtValue></DataExtRet>"
    "</CompanyRet></CompanyQueryRs>"
    '<PreferencesQueryRs requestID="2" statusCode="0" statusSeverity="Info" '
    'statusMessage="Status OK"><PreferencesRet/></PreferencesQueryRs>'
    "</QBXMLMsgsRs></QBXML>"
)


def test_parse_host_response_reads_a_real_looking_answer():
    info = parse_host_response(RECORDED_HCP)
    assert info == HostInfo(
        product="QuickBooks Pro 2014",
        major=24,
        minor=0,
        versions=ALL_VERSIONS,
        company_name="Builder & Sons",
        file_mode="SingleUser",
    )
    assert negotiate_version(info.versions, 13, 0) == "13.0"
    assert parse_host_response(RECORDED_HCP.encode("cp1252")) == info


def test_parse_host_response_reads_what_it_can():
    multi_user = RECORDED_HCP.replace("SingleUser", "MultiUser").replace(
        "<MajorVersion>24</MajorVersion>", "<MajorVersion>twenty</MajorVersion>"
    )
    info = parse_host_response(multi_user)
    assert (info.file_mode, info.major, info.company_name) == ("MultiUser", 0, "Builder & Sons")
    no_company = RECORDED_HCP[: RECORDED_HCP.index("<CompanyQueryRs")] + "</QBXMLMsgsRs></QBXML>"
    assert parse_host_response(no_company).company_name == ""
    assert parse_host_response(no_company).versions == ALL_VERSIONS
    # A control character in the company name: the document is repaired, the host still read.
    damaged = RECORDED_HCP.replace("Builder &amp; Sons", "Builder\x01 Sons")
    assert parse_host_response(damaged).versions == ALL_VERSIONS


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "garbage",
        "<QBXML/>",
        "<QBXML><QBXMLMsgsRs>",
        "<Other><HostRet/></Other>",
        BOMB,
        EXTERNAL,
        "\x00\x01",
        None,
        42,
        b"\xff\xfe",
    ],
)
def test_parse_host_response_never_raises_on_garbage(text):
    info = parse_host_response(text)  # type: ignore[arg-type]
    assert info.versions == () and info.product == "" and info.major == 0


# --------------------------------------------------------------------------- tolerant parsing


def ret(list_id: str | None, full_name: str | None, extra: str = "") -> str:
    parts = [f"<ListID>{list_id}</ListID>" if list_id is not None else ""]
    parts.append("<EditSequence>1700000000</EditSequence>")
    if full_name is not None:
        parts.append(f"<Name>{full_name.rpartition(':')[2]}</Name><FullName>{full_name}</FullName>")
    return "<CustomerRet>" + "".join(parts) + extra + "</CustomerRet>"


def page(*records: str, remaining: str = "0") -> str:
    return (
        '<?xml version="1.0" ?><QBXML><QBXMLMsgsRs>'
        '<CustomerQueryRs requestID="sync" statusCode="0" statusSeverity="Info" '
        f'statusMessage="Status OK" iteratorRemainingCount="{remaining}" iteratorID="{{it}}">'
        + "".join(records)
        + "</CustomerQueryRs>"
        '<CustomerAddRs requestID="add" statusCode="0" statusSeverity="Info" statusMessage="OK">'
        + ret("9-1", "Zed")
        + "</CustomerAddRs></QBXMLMsgsRs></QBXML>"
    )


GOOD_A, GOOD_B = ret("1-1", "Acme"), ret("2-1", "Acme:Clinic", "<Sublevel>1</Sublevel>")


@pytest.mark.parametrize(
    "bad, reported",
    [
        (
            ret("3-1", "Bad Date", "<JobStartDate>2024-02-30</JobStartDate>"),
            'JobStartDate "2024-02-30"',
        ),
        (ret("3-1", "Bad Bool", "<IsActive>maybe</IsActive>"), 'IsActive "maybe"'),
        (ret("3-1", "Bad Int", "<Sublevel>one</Sublevel>"), 'Sublevel "one"'),
        (ret("3-1", "Bad Status", "<JobStatus>Started</JobStatus>"), 'JobStatus "Started"'),
        (ret("3-1", "Bad Time", "<TimeCreated>noon</TimeCreated>"), 'TimeCreated "noon"'),
        (ret(None, "No Id"), "no ListID"),
        (ret("3-1", None), "no FullName"),
        (ret("", ""), "no ListID and FullName"),
    ],
)
def test_an_unreadable_record_is_skipped_and_reported_the_others_kept(bad, reported):
    sync, add = parse_response(page(GOOD_A, bad, GOOD_B, remaining="4"))

    assert [c.full_name for c in sync.customers] == ["Acme", "Acme:Clinic"]
    (message,) = sync.skipped
    assert message.startswith("CustomerRet #2 ") and reported in message
    assert ('ListID "3-1"' in message) == ("3-1" in bad)
    assert (sync.status_code, sync.ok, sync.iterator_remaining) == (0, True, 4)
    assert add.skipped == () and add.customers[0].full_name == "Zed"


def test_unknown_elements_are_ignored_and_a_missing_name_comes_from_the_full_name():
    odd = ret("3-1", "Acme:Odd", "<Sublevel>1</Sublevel><FutureThing><X/></FutureThing>")
    odd = odd.replace("<Name>Odd</Name>", "")
    (sync, _) = parse_response(page(odd))
    assert sync.skipped == ()
    assert (sync.customers[0].name, sync.customers[0].sublevel) == ("Odd", 1)


@pytest.mark.parametrize(
    "damage, reported",
    [
        ("Caf\x01", "not well-formed"),  # a raw control character
        ("Smith & Sons", "not well-formed"),  # an unescaped ampersand
        ("<b>bold", "not well-formed"),  # a stray tag
    ],
)
def test_a_record_that_is_not_well_formed_is_repaired_around(damage, reported):
    bad = ret("3-1", "Acme:X").replace("<Name>X</Name>", f"<Name>{damage}</Name>")
    document = page(GOOD_A, bad, GOOD_B, remaining="2")
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(document.encode())

    for sent in (document, document.encode("utf-8")):
        sync, add = parse_response(sent)
        assert [c.full_name for c in sync.customers] == ["Acme", "Acme:Clinic"]
        (message,) = sync.skipped
        assert reported in message and "repaired" in message
        assert 'ListID "3-1"' in message and 'FullName "Acme:X"' in message
        assert (sync.status_code, sync.iterator_remaining, sync.iterator_id) == (0, 2, "{it}")
        assert add.customers[0].full_name == "Zed" and add.skipped == ()


def test_several_damaged_records_are_each_reported():
    bad1 = ret("3-1", "One").replace("<Name>One</Name>", "<Name>O\x02ne</Name>")
    bad2 = ret("4-1", "Two", "<JobStartDate>yesterday</JobStartDate>")
    bad3 = ret("5-1", "Three & Co")
    (sync, _) = parse_response(page(bad1, GOOD_A, bad2, bad3, GOOD_B))
    assert [c.list_id for c in sync.customers] == ["1-1", "2-1"]
    assert [m.split(" ", 2)[1] for m in sync.skipped] == ["#1", "#3", "#4"]


def test_a_cut_off_document_keeps_the_whole_records():
    document = page(GOOD_A, GOOD_B, ret("3-1", "Lost"))
    cut = document[: document.index("<Name>Lost") + 8]
    (sync,) = parse_response(cut)
    assert [c.list_id for c in sync.customers] == ["1-1", "2-1"]
    (message,) = sync.skipped
    assert 'ListID "3-1"' in message and "cut off" in message


def test_windows_1252_bytes_with_a_damaged_record_are_repaired():
    bad = ret("3-1", "Caf\u00e9 \u2018X\u2019").replace("</FullName>", "</FullName>\x03")
    document = page(ret("1-1", "Caf\u00e9"), bad).replace(
        '<?xml version="1.0" ?>', '<?xml version="1.0" encoding="windows-1252"?>'
    )
    (sync, _) = parse_response(document.encode("cp1252"))
    assert [c.full_name for c in sync.customers] == ["Caf\u00e9"]
    assert "Caf\u00e9 \u2018X\u2019" in sync.skipped[0]


def test_a_non_numeric_iterator_count_is_an_error_result_not_a_crash():
    (sync, _) = parse_response(page(GOOD_A, remaining="lots"))
    assert (sync.status_code, sync.ok) == (-1, False)
    assert 'iteratorRemainingCount "lots"' in sync.message
