"""Award proposals (đề nghị khen thưởng): per title, each nominee with every rule's result and reason, its
eligibility and the council's decision with its counts; and the printable list for the council's meeting.

What a caller sees is what the awards route answers for it (the public: decided awards only). The printable
list is the same data laid out as a document; `print.pdf` renders it with WeasyPrint when that is installed
(the optional `pdf` extra), otherwise the browser's "Save as PDF" of the print view does the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.evaluation.domain.policy import AWARDS
from services.read_api.access import Caller, Principal
from services.read_api.errors import api_error
from services.read_api.routes import evaluation
from services.read_api.routes.evaluation import AwardsDep, ReferenceDep
from services.read_api.routes.registry import BlocksDep
from services.read_api.workspace.render import STATIC, PageRoute, page, templates, today
from services.read_api.workspace.rosters import names

router = APIRouter(route_class=PageRoute)

RULES = {
    "not-disciplined": "Không bị kỷ luật từ khiển trách trở lên",
    "no-recorded-measure": "Không có quyết định kỷ luật trong năm",
    "discipline-declared": "Kê khai kỷ luật khớp hồ sơ",
    "block-leader": "Được suy tôn dẫn đầu khối",
    "recognised-initiative": "Có sáng kiến được công nhận",
    "cstdcs-quota": "Trong tỉ lệ Chiến sĩ thi đua cơ sở",
    "all-members-complete-tasks": "Mọi thành viên hoàn thành nhiệm vụ",
    "ldtt-share": "Đủ tỉ lệ Lao động tiên tiến",
    "ldtt-majority": "Quá nửa thành viên là Lao động tiên tiến",
    "has-chien-si-thi-dua-co-so": "Có Chiến sĩ thi đua cơ sở",
    "achieved-in-period": "Thành tích trong thời gian phong trào",
    "achieved-by-today": "Thành tích đã đạt được",
    "evidence-named": "Có minh chứng",
}
"""Each rule's name as a council member reads it (the rule's own reason is shown beside it, as recorded)."""
STATUS = {"proposed": "Chờ Hội đồng xét", "ineligible": "Không đủ điều kiện", "approved": "Đã thông qua",
          "rejected": "Không thông qua"}  # fmt: skip


ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
"""Sections of an administrative document are numbered I, II, III…"""


def rule_name(rule: str) -> str:
    if rule.startswith("holds-") and rule[6:] in AWARDS:
        return f"Đã đạt {AWARDS[rule[6:]].title}"
    if rule.startswith("consecutive-") and rule[12:] in AWARDS:
        return f"Đạt {AWARDS[rule[12:]].title} các năm liên tục"
    return RULES.get(rule, rule)


def by_title(proposals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Proposals grouped by award, in the catalogue's order (an award outside it last, by its id)."""
    order = {slug: i for i, slug in enumerate(AWARDS)}
    groups: dict[str, list[dict[str, Any]]] = {}
    for x in proposals:
        groups.setdefault(x["award"], []).append(x)
    return [
        {
            "numeral": ROMAN[i] if i < len(ROMAN) else str(i + 1),
            "award": award,
            "title": AWARDS[award].title if award in AWARDS else award,
            "kind": AWARDS[award].kind if award in AWARDS else None,
            "proposals": rows,
            "eligible": sum(1 for x in rows if x["eligible"]),
            "approved": sum(1 for x in rows if x["status"] == "approved"),
        }
        for i, (award, rows) in enumerate(sorted(groups.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
    ]


def awards_context(
    campaign_id: str, p: Principal, reference: ReferenceDep, awards: AwardsDep, blocks: BlocksDep
) -> dict[str, Any]:
    answer = evaluation.get_awards(campaign_id, p, reference, awards)
    campaign = evaluation.get_campaign(campaign_id, reference)
    proposals = answer["proposals"]
    counts = {s: sum(1 for x in proposals if x["status"] == s) for s in STATUS}
    return {
        "campaign": campaign,
        "titles": by_title(proposals),
        "total": len(proposals),
        "counts": counts,
        "policy": answer["policy"],
        "names": names(campaign_id, p, blocks),
        "rule_name": rule_name,
        "status_names": STATUS,
    }


@router.get("/campaigns/{campaign_id}/awards", response_class=HTMLResponse)
def awards_page(
    campaign_id: str, request: Request, p: Caller, reference: ReferenceDep, awards: AwardsDep, blocks: BlocksDep
) -> HTMLResponse:
    context = awards_context(campaign_id, p, reference, awards, blocks)
    title = f"Đề nghị khen thưởng — {context['campaign']['title']}"
    return page(request, p, "awards.html", title=title, section="awards", **context)


@router.get("/campaigns/{campaign_id}/awards/print", response_class=HTMLResponse)
def awards_print(
    campaign_id: str, request: Request, p: Caller, reference: ReferenceDep, awards: AwardsDep, blocks: BlocksDep
) -> HTMLResponse:
    """The list as a document for the council's meeting: print it, or save it as PDF from the browser."""
    context = awards_context(campaign_id, p, reference, awards, blocks)
    return page(request, p, "awards_print.html", title=print_title(context), printed_on=today(), **context)


@router.get("/campaigns/{campaign_id}/awards/print.pdf", response_class=Response)
def awards_pdf(
    campaign_id: str, request: Request, p: Caller, reference: ReferenceDep, awards: AwardsDep, blocks: BlocksDep
) -> Response:
    """The printable list as PDF, rendered on the server by WeasyPrint (503 when it is not installed)."""
    context = awards_context(campaign_id, p, reference, awards, blocks)
    to_pdf = pdf_writer()
    if to_pdf is None:
        message = "PDF rendering is not installed here (pip install 'emulation[pdf]'); print the page to PDF instead"
        raise api_error(503, "pdf_unavailable", message, None)
    html = templates.get_template("awards_print.html").render(
        request=request, principal=p, signed_in=False, title=print_title(context), printed_on=today(), **context
    )
    filename = f"danh-sach-de-nghi-khen-thuong-{campaign_id}.pdf"
    return Response(
        to_pdf(html),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"},
    )


def print_title(context: dict[str, Any]) -> str:
    return f"Danh sách đề nghị khen thưởng — {context['campaign']['title']}"


def pdf_writer() -> Callable[[str], bytes] | None:
    """HTML → PDF with the print stylesheet, fetching nothing (the stylesheet is given, the page links nothing
    else); None when WeasyPrint or the system libraries it loads (Pango) are missing."""
    try:
        from weasyprint import CSS, HTML
    except (ImportError, OSError):
        return None

    def write(html: str) -> bytes:
        sheets = [CSS(filename=str(STATIC / "awards_print.css"))]
        return bytes(HTML(string=html).write_pdf(stylesheets=sheets))

    return write
