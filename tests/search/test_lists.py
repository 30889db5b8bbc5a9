"""The list pages' queries: filters, paging, capped counts, "việc của tôi", dashboard counts,
and the query plans that keep the inbox page an index walk at any size."""

from __future__ import annotations

from datetime import date

from node.domain.accounts import Role
from node.domain.documents import Actor
from node.domain.listing import ListFilters, dashboard_filters
from node.store.db import Database
from node.store.lists import (
    SqliteLists,
    _where,
    count_incoming,
    count_outgoing,
    dashboard_counts,
    incoming_sql,
    list_incoming,
    list_outgoing,
    my_work,
)
from tests.search.support import add_in, add_out


def ids(rows: list) -> list[int]:
    return [r.id for r in rows]


def test_incoming_newest_first_with_filters_and_paging(db: Database) -> None:
    a = add_in(db, "Kế hoạch chuyển đổi số", issuer="UBND thành phố Đà Nẵng", type_name="Kế hoạch",
               received="2026-01-05T08:00:00+07:00", register="den", arrival_year=2026, priority=1)
    b = add_in(db, "Báo cáo quý", issuer="Sở Tài chính", type_name="Báo cáo", state="accepted",
               received="2026-02-10T08:00:00+07:00", register="den", arrival_year=2026)
    c = add_in(db, "Giấy mời họp", issuer="Sở Tài chính", type_name="Giấy mời", state="done",
               received="2025-12-30T08:00:00+07:00", text="họp về văn bản điện tử")
    d = add_in(db, "Công văn cùng giờ", issuer="Văn phòng Chính phủ",
               received="2026-02-10T08:00:00+07:00")  # same time as b: the id breaks the tie
    everything = ListFilters()
    assert ids(list_incoming(db, everything)) == [b, d, a, c]
    pages = list_incoming(db, everything, limit=2) + list_incoming(db, everything, limit=2, offset=2)
    assert ids(pages) == [b, d, a, c]
    assert count_incoming(db, everything) == 4 and count_incoming(db, everything, cap=3) == 3
    assert ids(list_incoming(db, ListFilters(state="accepted"))) == [b]
    assert ids(list_incoming(db, ListFilters(states=("received", "done")))) == [d, a, c]
    assert ids(list_incoming(db, ListFilters(type_name="Giấy mời"))) == [c]
    assert ids(list_incoming(db, ListFilters(issuer="da nang"))) == [a]
    assert ids(list_incoming(db, ListFilters(issuer="SỞ TÀI"))) == [b, c]
    assert ids(list_incoming(db, ListFilters(issuer="không ai"))) == []
    assert ids(list_incoming(db, ListFilters(date_from=date(2026, 1, 5), date_to=date(2026, 2, 9)))) == [a]
    assert ids(list_incoming(db, ListFilters(year=2025))) == [c]
    assert ids(list_incoming(db, ListFilters(year=2026, date_from=date(2026, 2, 1)))) == [b, d]
    assert ids(list_incoming(db, ListFilters(register_code="den"))) == [b, a]
    assert ids(list_incoming(db, ListFilters(priority=1))) == [a]
    assert ids(list_incoming(db, ListFilters(query="van ban dien tu"))) == [c]  # full text, folded
    assert ids(list_incoming(db, ListFilters(query="so tai chinh", state="done"))) == [c]
    assert ids(list_incoming(db, ListFilters(query='"; --'))) == [b, d, a, c]  # no words: no filter
    assert ids(list_incoming(db, ListFilters(query='"; DROP TABLE doc_in --'))) == []
    row = list_incoming(db, ListFilters(type_name="Kế hoạch"))[0]
    assert row.ref == f"in:{a}" and row.url == f"/van-ban-den/{a}" and row.state_label == "Chờ tiếp nhận"
    assert row.issuer_name == "UBND thành phố Đà Nẵng" and row.register_code == "den" and row.priority == 1


def test_outgoing_list(db: Database) -> None:
    a = add_out(db, "Dự thảo quy chế", created="2026-03-01T08:00:00+07:00")
    b = add_out(db, "Thông báo lịch trực", state="published", type_name="Thông báo", register="di",
                created="2026-03-05T08:00:00+07:00", text="lịch trực Tết")
    assert ids(list_outgoing(db, ListFilters())) == [b, a]
    assert ids(list_outgoing(db, ListFilters(state="draft"))) == [a]
    assert ids(list_outgoing(db, ListFilters(query="truc tet"))) == [b]
    assert ids(list_outgoing(db, ListFilters(date_to=date(2026, 3, 1)))) == [a]
    assert count_outgoing(db, ListFilters(register_code="di")) == 1
    assert list_outgoing(db, ListFilters())[0].url == f"/van-ban-di/{b}"


def test_my_work_is_the_user_and_the_unit_by_deadline(db: Database) -> None:
    late = add_in(db, "Hạn sớm", state="processing", due="2026-03-20",
                  assignees=(("user", "lan", True, "2026-03-12"),))
    unit = add_in(db, "Đơn vị phối hợp", state="assigned", due="2026-03-15",
                  assignees=(("user", "minh", True, None), ("unit", "3", False, None)))
    both = add_in(db, "Giao cả người lẫn đơn vị", state="assigned",
                  assignees=(("user", "lan", False, "2026-04-01"), ("unit", "3", True, "2026-03-30")))
    add_in(db, "Đã xong", state="done", assignees=(("user", "lan", True, "2026-03-01"),))
    add_in(db, "Của người khác", state="assigned", assignees=(("user", "minh", True, "2026-03-01"),))
    work = my_work(db, "lan", 3)
    assert ids(work) == [late, unit, both]
    assert [w.due_date for w in work] == ["2026-03-12", "2026-03-15", "2026-03-30"]
    assert [(w.lead, w.assigned_as) for w in work] == [(True, "user"), (False, "unit"), (True, "user")]
    assert ids(my_work(db, "lan", None)) == [late, both]
    assert work[0].state_label == "Đang xử lý" and work[0].url == f"/van-ban-den/{late}"


def test_dashboard_counts(db: Database) -> None:
    add_in(db, "a", state="received")
    add_in(db, "b", state="received", due="2026-03-09")  # overdue on 10/3
    add_in(db, "c", state="accepted", due="2026-03-10")  # due today: soon
    add_in(db, "d", state="assigned", due="2026-03-12")  # soon (≤ 12/3)
    add_in(db, "e", state="processing", due="2026-03-20")
    add_in(db, "f", state="done", due="2026-03-01")  # done: not overdue
    add_in(db, "g", state="presented", recall_pending=True)
    for state in ("draft", "submitted", "submitted", "signed", "numbered", "sealed", "published"):
        add_out(db, state, state=state)
    counts = dashboard_counts(db, date(2026, 3, 10), soon_until=date(2026, 3, 12))
    assert (counts.to_accept, counts.to_present, counts.processing) == (2, 1, 2)
    assert (counts.due_soon, counts.overdue) == (2, 1)
    assert (counts.to_sign, counts.to_number, counts.to_seal, counts.to_publish) == (2, 1, 1, 1)
    assert counts.recall_requests == 1
    assert SqliteLists(db).dashboard_counts(date(2026, 3, 10)) == counts  # default: two days on


def test_inbox_page_is_an_index_walk(db: Database) -> None:
    add_in(db, "x")

    def plan(f: ListFilters) -> str:
        sql, params = incoming_sql(db, f, limit=20)
        return " | ".join(r[3] for r in db.query("EXPLAIN QUERY PLAN " + sql, tuple(params)))

    assert plan(ListFilters()) == "SCAN x USING INDEX doc_in_received"
    assert plan(ListFilters(state="received")) == "SEARCH x USING INDEX doc_in_state (state=?)"
    assert "TEMP B-TREE" not in plan(ListFilters(date_from=date(2026, 1, 1)))
    # a text query: the full-text index drives, newest first, and stops after the page
    assert plan(ListFilters(query="ngan sach")).startswith("SCAN search_fts VIRTUAL TABLE")
    assert "TEMP B-TREE" not in plan(ListFilters(query="ngan sach", state="received"))
    # the dashboard's due-soon / overdue figures walk the open documents' deadlines only
    # (their state list is written as the partial index doc_in_open_due is, so SQLite may use it:
    # bound, it walked every deadline of ten years — 0.8 s at a million documents)
    index = db.query_one("SELECT sql FROM sqlite_master WHERE name = 'doc_in_open_due'")
    assert index is not None
    open_states = index[0].split("WHERE ", 1)[1].strip()
    for key in ("due_soon", "overdue"):
        _, f = dashboard_filters(date(2026, 11, 30), date(2026, 12, 2))[key]
        _, where, _, _ = _where(db, f, kind="in")
        assert f"x.{open_states}" in where, (key, where)


def test_secret_documents_are_listed_only_for_those_who_may_open_them(db: Database) -> None:
    plain = add_in(db, "Công văn thường", received="2026-03-01T08:00:00+07:00")
    secret = add_in(db, "Văn bản mật", secrecy=1, received="2026-03-02T08:00:00+07:00",
                    assignees=(("user", "lan", True, None),))
    draft = add_out(db, "Dự thảo mật", secrecy=1, author="minh", reviewers=("hoa",))

    def seen(who: str, *roles: Role, unit: int | None = None) -> tuple[list[int], list[int], int]:
        f = ListFilters(reader=Actor(who, frozenset(roles), unit_id=unit))
        return ids(list_incoming(db, f)), ids(list_outgoing(db, f)), count_incoming(db, f)

    assert seen("vanthu", Role.CLERK) == ([secret, plain], [draft], 2) == seen("lanhdao", Role.LEADER)
    assert seen("khac", Role.SPECIALIST) == ([plain], [], 1) == seen("admin", Role.ADMIN)
    assert seen("lan", Role.SPECIALIST) == ([secret, plain], [], 2)
    assert seen("minh", Role.SPECIALIST)[1] == [draft] and seen("hoa", Role.SPECIALIST)[1] == [draft]
    assert ids(list_incoming(db, ListFilters(reader=Actor("khac", frozenset({Role.SPECIALIST})),
                                             query="van ban mat"))) == []
