"""build → parse gives back what was built (hypothesis, Vietnamese text), for edoc and status packages."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from node.edxml import (
    VN_TZ,
    AttachmentInput,
    BusinessDocType,
    EdocHeader,
    Organization,
    Receiver,
    ReceiverType,
    ReplacementInfo,
    ResponseFor,
    StaffInfo,
    StatusCode,
    TraceHeader,
    build_edoc,
    build_status,
    parse_package,
    peek,
)

VIET = ("aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXY"
        "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
        "ĐỒỨỲÀẢ0123456789 ,.-/()&<>'\";:%")
settings.register_profile("edxml", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])

text = st.text(alphabet=VIET, max_size=60).map(lambda s: " ".join(s.split()))
required = text.filter(bool)
organ_id = st.from_regex(r"\A[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[GHK][0-9]{2}\Z")
dates = st.dates(min_value=datetime(1990, 1, 1).date(), max_value=datetime(2099, 12, 31).date())


@st.composite
def organizations(draw: st.DrawFn, oid: str | None = None) -> Organization:
    return Organization(organ_id=oid or draw(organ_id), organ_name=draw(text),
                        organization_in_charge=draw(text), organ_add=draw(text), email=draw(text),
                        telephone=draw(text), fax=draw(text), website=draw(text))


@st.composite
def headers(draw: st.DrawFn) -> EdocHeader:
    ids = draw(st.lists(organ_id, min_size=2, max_size=5, unique=True))
    sender, recipients = ids[0], ids[1:]
    prom = draw(st.none() | dates)
    number = draw(st.from_regex(r"\A[0-9]{1,5}\Z"))
    notation = draw(required)
    btype = draw(st.sampled_from(BusinessDocType))
    original = f"{sender},2025/12/31,{draw(st.integers(1, 9999))}/{draw(required)}"
    receivers: tuple[Receiver, ...] = ()
    replacements: tuple[ReplacementInfo, ...] = ()
    info = recv = 0
    if btype is BusinessDocType.UPDATE:
        receivers = tuple(Receiver(o, draw(st.sampled_from(ReceiverType)))
                          for o in draw(st.lists(organ_id, max_size=3)))
        info, recv = draw(st.integers(0, 1)), draw(st.integers(0, 1))
    if btype is BusinessDocType.REPLACEMENT:
        replacements = tuple(ReplacementInfo(draw(required), tuple(draw(st.lists(organ_id, max_size=3))))
                             for _ in range(draw(st.integers(1, 2))))
    return EdocHeader(
        from_=draw(organizations(sender)), to=tuple(draw(organizations(o)) for o in recipients),
        document_id=f"{sender},{prom.strftime('%Y/%m/%d') if prom else '2026/01/01'},{number}/{notation}",
        code_number=number, code_notation=notation, promulgation_place=draw(text), promulgation_date=prom,
        type=draw(st.integers(0, 9)), type_detail=draw(st.integers(0, 99)), type_name=draw(text),
        subject=draw(required), content=draw(text), signer_competence=draw(text),
        signer_position=draw(text), signer_full_name=draw(text), due_date=draw(st.none() | dates),
        priority=draw(st.integers(0, 4)), sphere_of_promulgation=draw(text), typer_notation=draw(text),
        promulgation_amount=draw(st.integers(0, 10**6)), page_amount=draw(st.integers(0, 10**4)),
        direction=draw(st.booleans()), appendixes=tuple(draw(st.lists(required, max_size=3))),
        response_for=tuple(ResponseFor(draw(organ_id), draw(text), draw(st.none() | dates), draw(required))
                           for _ in range(draw(st.integers(0, 2)))),
        steering_type=draw(st.integers(0, 3)), to_places=tuple(draw(st.lists(required, max_size=3))),
        business_doc_type=btype, business_doc_reason=draw(text),
        business_document_id=draw(st.sampled_from(["", original])) if btype is not BusinessDocType.UPDATE
        else original,
        paper=draw(st.integers(0, 1)), document_info=info, document_receiver=recv, receivers=receivers,
        replacements=replacements,
        business_staff=draw(st.none() | st.builds(StaffInfo, text, text, text, text)),
    )


attachments = st.lists(st.builds(AttachmentInput, name=required.map(lambda s: s.replace("/", "-") + ".pdf"),
                                 content_type=st.sampled_from(["application/pdf", "application/msword"]),
                                 data=st.binary(max_size=2000), description=text), max_size=3)
times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)).map(
    lambda d: d.replace(microsecond=0, tzinfo=VN_TZ))


@settings(settings.get_profile("edxml"))
@given(headers(), attachments, st.lists(st.builds(TraceHeader, organ_id, times), max_size=3))
def test_edoc_round_trips(header: EdocHeader, atts: list[AttachmentInput], trace: list[TraceHeader]) -> None:
    data = build_edoc(header, atts, trace=trace)
    with parse_package(data) as pkg:
        assert pkg.kind == "edoc"
        assert pkg.header == header
        assert list(pkg.trace_headers) == trace
        assert [(a.name, a.content_type, a.description, a.read_bytes()) for a in pkg.attachments] == [
            (a.name, a.content_type, a.description, a.data) for a in atts]
        assert not [w for w in pkg.warnings if "Document" in w or "repaired" in w]
    s = peek(data)
    assert (s.document_id, s.from_organ_id, s.to_organ_ids) == (
        header.document_id, header.from_.organ_id, tuple(o.organ_id for o in header.to))


@settings(settings.get_profile("edxml"))
@given(organizations(), st.builds(ResponseFor, organ_id, required, st.none() | dates, required),
       st.sampled_from(StatusCode), text, times, st.none() | st.builds(StaffInfo, text, text, text, text))
def test_status_round_trips(from_: Organization, rf: ResponseFor, code: StatusCode, description: str,
                            ts: datetime, staff: StaffInfo | None) -> None:
    pkg = parse_package(build_status(from_, rf, code, description, ts, staff))
    assert pkg.kind == "status"
    assert (pkg.from_, pkg.response_for, pkg.status_code, pkg.description, pkg.timestamp, pkg.staff) == (
        from_, rf, code, description, ts, staff)
    assert pkg.warnings == []


def test_status_timestamp_in_another_zone_is_written_in_vietnam_time() -> None:
    rf = ResponseFor("000.00.00.G22", "1/X", None, "000.00.00.G22,2026/01/02,1/X")
    utc = datetime(2026, 1, 1, 20, 0, 0, tzinfo=UTC)
    data = build_status(Organization("000.00.01.H26"), rf, "01", "Đã đến", utc)
    assert b"2026/01/02 03:00:00" in data
    assert b"http://www.mic.gov.vn/TBT/QCVN_102_2016" in data
