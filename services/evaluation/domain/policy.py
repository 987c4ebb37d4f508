"""Per-campaign evaluation policy and the award catalogue (Law on Emulation and Commendation 2022, Decree 98/2023).

Every threshold a rule uses lives here, with its default; a campaign overrides them with
`set_evaluation_policy` because the decrees change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class Policy:
    vote_share: float = 0.5
    """A block vote's winner needs MORE than this share of the eligible voters."""
    vote_quorum: float = 2 / 3
    """A block vote counts only if at least this share of the eligible voters cast a ballot."""
    self_vote_allowed: bool = False
    """Whether a unit may vote for itself in its block's vote."""
    max_runoffs: int = 1
    """How many runoffs a tie or a round without a winner may open before the vote fails."""
    vote_min_voters: int = 3
    """A round's tally is published only if at least this many ballots count (a smaller one reveals choices)."""
    cstdcs_quota: float = 0.15
    """A unit's Chiến sĩ thi đua cơ sở stay within this share of its Lao động tiên tiến."""
    xuat_sac_ldtt_share: float = 0.70
    """Tập thể lao động xuất sắc: at least this share of members are Lao động tiên tiến."""
    tien_tien_ldtt_share: float = 0.5
    """Tập thể lao động tiên tiến: MORE than this share of members are Lao động tiên tiến."""
    council_members: int = 9
    """Members of the Department's emulation and commendation council."""
    council_threshold: float = 0.70
    """An award passes with at least this share of ALL council members voting for it."""
    council_quorum: float = 2 / 3
    """A council vote counts only with at least this share of members present."""
    late_penalty_item: str = "late-report"
    """The scoring table's penalty item deducted from a late achievement when it is verified."""
    dossier_points_max: float = 0.0
    """The automatic dossier criterion: points added to a unit's verified score at a 100 % on-time share of its
    one-stop dossiers resolved in the campaign's period (scaled by the share; no dossier, no points)."""
    late_dossier_penalty: float = 0.0
    """Points deducted from a unit's verified score per late dossier resolved in the campaign's period."""
    cstdcs_consecutive_years: int = 3
    """Chiến sĩ thi đua cấp Thành phố: Chiến sĩ thi đua cơ sở in this many consecutive years, ending with the
    campaign's year (three times running under the Law on Emulation and Commendation 2022)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


Kind = Literal["individual", "collective", "form"]


@dataclass(frozen=True)
class Award:
    slug: str
    title: str
    kind: Kind
    """`individual` and `collective` titles; a `form` (Giấy khen, Bằng khen) goes to a person or a unit."""


AWARDS: dict[str, Award] = {
    a.slug: a
    for a in (
        Award("lao-dong-tien-tien", "Lao động tiên tiến", "individual"),
        Award("chien-si-thi-dua-co-so", "Chiến sĩ thi đua cơ sở", "individual"),
        Award("chien-si-thi-dua-thanh-pho", "Chiến sĩ thi đua cấp Thành phố", "individual"),
        Award("tap-the-lao-dong-tien-tien", "Tập thể lao động tiên tiến", "collective"),
        Award("tap-the-lao-dong-xuat-sac", "Tập thể lao động xuất sắc", "collective"),
        Award("co-thi-dua-ubnd-thanh-pho", "Cờ thi đua của Ủy ban nhân dân Thành phố", "collective"),
        Award("giay-khen-giam-doc-so", "Giấy khen của Giám đốc Sở", "form"),
        Award("bang-khen-chu-tich-ubnd", "Bằng khen của Chủ tịch Ủy ban nhân dân Thành phố", "form"),
    )
}
LDTT = "lao-dong-tien-tien"
CSTDCS = "chien-si-thi-dua-co-so"
CSTD_TP = "chien-si-thi-dua-thanh-pho"
TT_TIEN_TIEN = "tap-the-lao-dong-tien-tien"
TT_XUAT_SAC = "tap-the-lao-dong-xuat-sac"
CO_THI_DUA = "co-thi-dua-ubnd-thanh-pho"
ADHOC_KINDS: tuple[Kind, ...] = ("form",)
"""What an ad-hoc award (khen thưởng đột xuất) may be: a form of commendation (Giấy khen, Bằng khen), never a
title (danh hiệu), which is considered once a year."""

DISCIPLINE_LEVELS = ("none", "khien-trach", "canh-cao", "ha-bac-luong", "giang-chuc", "cach-chuc", "buoc-thoi-viec")
"""Disciplinary measures, mildest first; `khien-trach` (reprimand) and above bar every award."""
