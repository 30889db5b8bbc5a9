"""How each kind of document travels, and what it needs before it is submitted (R9, R10).

Three delivery categories (seed 002 §1–3, seed 004, 000 §1):
- ``electronic`` — sent only as an e-document (seed 002 §2: information, direction, schedules,
  công điện, chương trình, kế hoạch, báo cáo, giấy mời and meeting papers, thông báo, sao y …);
- ``electronic_paper`` — the e-document plus a paper original (seed 002 §3: văn bản quy phạm
  pháp luật, documents submitted to the People's Committee, personnel, complaints, decisions on
  finance and investment);
- ``secret`` — mật documents: paper only, never sent electronically (seed 002 §1, seed 004).

The table is data the office edits (by document type, plus topic overrides); the defaults below
come from the seeds. Secrecy always wins: a document with a secrecy level is ``secret``.
Submission rules (seed 000 §2a, seed 001 §2): types that cite legal bases ("Căn cứ …") must
carry at least one before they are submitted; documents submitted upward (tờ trình) must carry
the electronic copy of their whole dossier.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from node.domain.errors import DomainError
from node.domain.numbering import normalize_type


class CategoryError(DomainError):
    code = "category_invalid"


class DeliveryCategory(StrEnum):
    ELECTRONIC = "electronic"
    ELECTRONIC_PAPER = "electronic_paper"
    SECRET = "secret"


CATEGORY_VI: dict[DeliveryCategory, str] = {
    DeliveryCategory.ELECTRONIC: "Chỉ gửi điện tử",
    DeliveryCategory.ELECTRONIC_PAPER: "Gửi điện tử kèm bản giấy",
    DeliveryCategory.SECRET: "Văn bản mật: chỉ gửi bản giấy",
}


class Topic(StrEnum):
    """Topics that move a document to electronic + paper whatever its type (seed 002 §3)."""

    LEGAL_NORM = "qppl"  # văn bản quy phạm pháp luật
    SUBMISSION_UPWARD = "trinh"  # văn bản, hồ sơ trình UBND / Chủ tịch UBND
    PERSONNEL = "to_chuc_can_bo"
    COMPLAINT = "khieu_nai_to_cao"
    FINANCE_INVESTMENT = "tai_chinh_dau_tu"


TOPIC_VI: dict[Topic, str] = {
    Topic.LEGAL_NORM: "Văn bản quy phạm pháp luật",
    Topic.SUBMISSION_UPWARD: "Văn bản, hồ sơ trình cấp trên",
    Topic.PERSONNEL: "Tổ chức, cán bộ",
    Topic.COMPLAINT: "Khiếu nại, tố cáo",
    Topic.FINANCE_INVESTMENT: "Quyết định về tài chính, đầu tư",
}


@dataclass(frozen=True)
class TypeRule:
    category: DeliveryCategory = DeliveryCategory.ELECTRONIC
    needs_legal_basis: bool = False
    needs_attachment: bool = False


E, EP = DeliveryCategory.ELECTRONIC, DeliveryCategory.ELECTRONIC_PAPER

# (type name, category, needs legal basis, needs attachment): defaults from the seeds.
DEFAULT_TYPE_ROWS: tuple[tuple[str, DeliveryCategory, bool, bool], ...] = (
    ("Công văn", E, False, False),  # văn bản cung cấp thông tin, đề biết, đề báo cáo (002 §2)
    ("Công điện", E, False, False),
    ("Chương trình", E, True, False),
    ("Kế hoạch", E, True, False),
    ("Báo cáo", E, False, False),
    ("Giấy mời", E, False, False),  # giấy mời họp, tài liệu phục vụ họp (002 §2; 001 §2)
    ("Thông báo", E, False, False),
    ("Bản sao y", E, False, False),
    ("Bản trích sao", E, False, False),
    ("Bản sao lục", E, False, False),
    ("Quyết định", E, True, False),  # finance/investment decisions: topic override below
    ("Nghị quyết", E, True, False),
    ("Chỉ thị", E, True, False),
    ("Quy chế", E, True, False),
    ("Quy định", E, True, False),
    ("Hướng dẫn", E, True, False),
    ("Phương án", E, True, False),
    ("Đề án", E, True, False),
    ("Dự án", E, True, False),
    ("Tờ trình", EP, True, True),  # văn bản trình: paper + the electronic dossier (002 §3; 001 §2)
)

DEFAULT_TOPICS: dict[Topic, DeliveryCategory] = {t: EP for t in Topic}


class CategoryTable:
    def __init__(self, by_type: Mapping[str, TypeRule], *, topics: Mapping[Topic, DeliveryCategory]
                 | None = None, default: TypeRule | None = None) -> None:
        self._by_type = {normalize_type(k): (k, v) for k, v in by_type.items()}
        self.topics = dict(DEFAULT_TOPICS if topics is None else topics)
        self.default_rule = default or TypeRule()

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, bool, bool]], *,
                  topics: Mapping[Topic, DeliveryCategory] | None = None) -> CategoryTable:
        table: dict[str, TypeRule] = {}
        for name, cat, basis, attach in rows:
            try:
                table[name] = TypeRule(DeliveryCategory(cat), bool(basis), bool(attach))
            except ValueError as e:
                raise CategoryError(f"Nhóm văn bản “{cat}” không hợp lệ (loại “{name}”).") from e
        return cls(table, topics=topics)

    @classmethod
    def default(cls) -> CategoryTable:
        return cls.from_rows(DEFAULT_TYPE_ROWS)

    def to_rows(self) -> list[tuple[str, str, bool, bool]]:
        return [(name, r.category.value, r.needs_legal_basis, r.needs_attachment)
                for name, r in sorted(self._by_type.values())]

    def rule_for(self, type_name: str) -> TypeRule:
        found = self._by_type.get(normalize_type(type_name))
        return found[1] if found else self.default_rule

    def with_rule(self, type_name: str, rule: TypeRule) -> CategoryTable:
        key = normalize_type(type_name)
        rows = {name: r for name, r in self._by_type.values() if normalize_type(name) != key}
        rows[type_name] = rule
        return CategoryTable(rows, topics=self.topics, default=self.default_rule)

    def category_for(self, type_name: str, *, secret: bool, topics: Iterable[Topic] = ()) -> DeliveryCategory:
        """Secret wins; then the strictest of the type's category and the topics' overrides."""
        if secret:
            return DeliveryCategory.SECRET
        cats = [self.rule_for(type_name).category, *(self.topics.get(t, E) for t in topics)]
        return EP if EP in cats else E
