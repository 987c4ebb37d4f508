"""Registry use cases: one method per command; each loads, calls one domain method and saves."""

from __future__ import annotations

import contextlib
from typing import Any

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from services.registry.domain.campaign import Campaign
from services.registry.domain.department import Department
from services.registry.domain.errors import (
    CampaignExists,
    CampaignNotFound,
    NotAllowed,
    RegistrationExists,
    RegistrationNotFound,
    SubmissionNotFound,
    UnitExists,
    UnitNotFound,
)
from services.registry.domain.registration import Registration
from services.registry.domain.review import ReviewSubmission
from services.registry.domain.roster import Roster
from services.registry.domain.rules import (
    acts_for_unit,
    administers_campaign,
    department_office,
    launches_campaign,
    renames_unit,
    reviews_for_council,
)
from services.registry.domain.unit import Unit
from shared.domain.rules import RuleResult
from shared.events import registry as c
from shared.events.base import META, Command
from shared.infra.application import ServiceApplication
from shared.infra.clock import Clock
from shared.infra.wire import WireMap


def payload(cmd: Command, *exclude: str) -> dict[str, Any]:
    return cmd.model_dump(exclude=META | set(exclude))


def require(result: RuleResult) -> None:
    """Refuse a command whose actor a "who may act" rule does not allow."""
    if not result.passed:
        raise NotAllowed(result.reason, "actor")


class RegistryApplication(ServiceApplication):
    name = "registry"

    def __init__(self, wire: WireMap, env: dict[str, str] | None = None, clock: Clock | None = None) -> None:
        super().__init__(wire, env=env, clock=clock)
        self.known_offices: set[str] = set()
        """Units read from the store as Department Offices (read and written by the writer thread only)."""

    # ---- loading -----------------------------------------------------------------------------------

    def get_campaign(self, campaign_id: str) -> Campaign:
        found: Campaign | None = self.find(Campaign.create_id(campaign_id))
        if found is None:
            raise CampaignNotFound(f"no campaign {campaign_id!r}", "campaign_id")
        return found

    def administered_campaign(self, cmd: Command, campaign_id: str) -> Campaign:
        """The campaign, once the command's actor is known to administer it."""
        campaign = self.get_campaign(campaign_id)
        require(administers_campaign(cmd.actor, campaign_id, campaign.secretariat_unit_id))
        return campaign

    def open_campaign(self, cmd: Command, campaign_id: str) -> Campaign:
        """The open campaign, once the command's actor is known to administer it."""
        campaign = self.administered_campaign(cmd, campaign_id)
        campaign.check_open()
        return campaign

    def pledging_campaign(self, cmd: Command, campaign_id: str, unit_id: str) -> Campaign:
        """The open campaign a unit registers for, once the actor is known to act for that unit."""
        campaign = self.get_campaign(campaign_id)
        require(acts_for_unit(cmd.actor, unit_id, campaign.secretariat_unit_id))
        campaign.check_open()
        return campaign

    def offices(self, actor: str) -> list[str]:
        """The Department's Offices as far as `actor` is concerned (none before the Department's first campaign).

        The Department only ever gains Offices, so a unit once read as an Office stays one: when `actor` is
        known as one, the known Offices answer every rule about it without reading the store.
        """
        if actor in self.known_offices:
            return sorted(self.known_offices)
        department: Department | None = self.find(Department.create_id())
        offices = department.offices if department is not None else []
        self.known_offices.update(offices)
        return offices

    def name_office(self, unit_id: str) -> list[Aggregate]:
        """The Department with `unit_id` among its Offices, to be saved if that changed it (nothing if known)."""
        if unit_id in self.known_offices:
            return []
        department: Department | None = self.find(Department.create_id())
        if department is None:
            return [Department(offices=[unit_id])]
        self.known_offices.update(department.offices)  # as stored: what this command adds may yet be voided
        department.name_office(unit_id)
        return [department]

    def get_roster(self, campaign_id: str) -> Roster:
        """The campaign's roster (an empty one, not yet saved, if it has no block yet)."""
        found: Roster | None = self.find(Roster.create_id(campaign_id))
        return found if found is not None else Roster(campaign_id=campaign_id)

    def get_unit(self, unit_id: str, field: str = "unit_id") -> Unit:
        found: Unit | None = self.find(Unit.create_id(unit_id))
        if found is None:
            raise UnitNotFound(f"no unit {unit_id!r}", field)
        return found

    def record_earlier_offices(self) -> None:
        """A store written before the Department was recorded: name the secretariats of its campaigns as Offices.

        Run once when the service starts; without it, the first campaign launched after an upgrade would be
        taken for the Department's first one, which its own secretariat may launch. The search reads the whole
        store, so its outcome is recorded even when it finds no campaign (a store holding only units a city system
        registered): a Department with no Office yet, which the rules read as no Department (the next launch is the
        first, by the secretariat it names), and every later start skips the search. An empty store records
        nothing (nothing to search).
        """
        if self.exists(Department.create_id()):
            return
        topics = [get_topic(Campaign.Launched), get_topic(Campaign.Amended)]  # type: ignore[attr-defined]
        offices: list[str] = []
        start = 1
        while page := self.recorder.select_notifications(start, 1000, topics=topics):
            for n in page:
                e = self.mapper.to_domain_event(n)
                unit_id = getattr(e, "secretariat_unit_id", None) or getattr(e, "changes", {}).get(
                    "secretariat_unit_id"
                )
                if unit_id and unit_id not in offices:
                    offices.append(unit_id)
            start = page[-1].id + 1
        if offices or self.recorder.max_notification_id():
            with contextlib.suppress(IntegrityError):  # another process of the service did it first
                self.save(Department(offices=offices))

    # ---- campaigns ---------------------------------------------------------------------------------

    def launch_campaign(self, cmd: c.LaunchCampaign) -> list[Aggregate]:
        require(launches_campaign(cmd.actor, cmd.secretariat_unit_id, self.offices(cmd.actor)))
        if self.exists(Campaign.create_id(cmd.campaign_id)):
            raise CampaignExists(f"campaign {cmd.campaign_id!r} already exists", "campaign_id")
        return [Campaign.launch(**payload(cmd)), *self.name_office(cmd.secretariat_unit_id)]

    def amend_campaign(self, cmd: c.AmendCampaign) -> list[Aggregate]:
        campaign = self.administered_campaign(cmd, cmd.campaign_id)
        campaign.amend(cmd.changes())
        return [campaign, *self.name_office(campaign.secretariat_unit_id)]

    def close_campaign(self, cmd: c.CloseCampaign) -> list[Aggregate]:
        campaign = self.administered_campaign(cmd, cmd.campaign_id)
        campaign.close(cmd.reason)
        return [campaign]

    # ---- blocks and membership ---------------------------------------------------------------------

    def define_block(self, cmd: c.DefineBlock) -> list[Aggregate]:
        self.open_campaign(cmd, cmd.campaign_id)
        roster = self.get_roster(cmd.campaign_id)
        roster.define_block(cmd.block_id, cmd.name)
        return [roster]

    def designate_block_leader(self, cmd: c.DesignateBlockLeader) -> list[Aggregate]:
        self.open_campaign(cmd, cmd.campaign_id)
        roster = self.get_roster(cmd.campaign_id)
        roster.designate_leader(cmd.block_id, cmd.leader_unit_id, cmd.deputy_unit_id)
        return [roster]

    def assign_unit_to_block(self, cmd: c.AssignUnitToBlock) -> list[Aggregate]:
        self.open_campaign(cmd, cmd.campaign_id)
        roster = self.get_roster(cmd.campaign_id)
        roster.block(cmd.block_id)
        self.get_unit(cmd.unit_id)
        roster.assign(cmd.unit_id, cmd.block_id, cmd.move)
        return [roster]

    def withdraw_unit(self, cmd: c.WithdrawUnit) -> list[Aggregate]:
        self.open_campaign(cmd, cmd.campaign_id)
        self.get_unit(cmd.unit_id)
        roster = self.get_roster(cmd.campaign_id)
        roster.withdraw(cmd.unit_id, cmd.reason)
        return [roster]

    # ---- units -------------------------------------------------------------------------------------

    def register_unit(self, cmd: c.RegisterUnit) -> list[Aggregate]:
        require(department_office(cmd.actor, self.offices(cmd.actor)))
        if self.exists(Unit.create_id(cmd.unit_id)):
            raise UnitExists(f"unit {cmd.unit_id!r} already exists", "unit_id")
        return [Unit(**payload(cmd))]

    def rename_unit(self, cmd: c.RenameUnit) -> list[Aggregate]:
        if cmd.actor != cmd.unit_id:  # a unit renaming itself needs no lookup
            require(renames_unit(cmd.actor, cmd.unit_id, self.offices(cmd.actor)))
        unit = self.get_unit(cmd.unit_id)
        unit.rename(cmd.name)
        return [unit]

    # ---- emulation registration --------------------------------------------------------------------

    def register_emulation(self, cmd: c.RegisterEmulation) -> list[Aggregate]:
        campaign = self.pledging_campaign(cmd, cmd.campaign_id, cmd.unit_id)
        self.get_unit(cmd.unit_id)
        self.get_roster(cmd.campaign_id).check_member(cmd.unit_id)
        if self.exists(Registration.create_id(cmd.campaign_id, cmd.unit_id)):
            raise RegistrationExists(
                f"unit {cmd.unit_id!r} has already registered; amend the registration instead", "unit_id"
            )
        body = payload(cmd)
        return [Registration.register(**body, at=self.clock.now(), deadline=campaign.registration_deadline)]

    def amend_emulation_registration(self, cmd: c.AmendEmulationRegistration) -> list[Aggregate]:
        campaign = self.pledging_campaign(cmd, cmd.campaign_id, cmd.unit_id)
        self.get_unit(cmd.unit_id)
        self.get_roster(cmd.campaign_id).check_member(cmd.unit_id)
        registration = self.get_registration(cmd.campaign_id, cmd.unit_id)
        body = payload(cmd, "campaign_id", "unit_id")
        registration.amend(**body, at=self.clock.now(), deadline=campaign.registration_deadline)
        return [registration]

    def get_registration(self, campaign_id: str, unit_id: str) -> Registration:
        found: Registration | None = self.find(Registration.create_id(campaign_id, unit_id))
        if found is None:
            raise RegistrationNotFound(f"unit {unit_id!r} has not registered yet", "unit_id")
        return found

    # ---- reviews (sơ kết, tổng kết) ------------------------------------------------------------------

    def schedule_review(self, cmd: c.ScheduleReview) -> list[Aggregate]:
        campaign = self.administered_campaign(cmd, cmd.campaign_id)
        campaign.schedule_review(cmd.review, cmd.due_on)
        return [campaign]

    def submit_review(self, cmd: c.SubmitReview) -> list[Aggregate]:
        """A first submission or, before the council's review, a replacement of it (late judged each time)."""
        campaign = self.pledging_campaign(cmd, cmd.campaign_id, cmd.unit_id)
        due_on = campaign.review_due(cmd.review)
        self.get_roster(cmd.campaign_id).check_member(cmd.unit_id)
        registration = self.get_registration(cmd.campaign_id, cmd.unit_id)
        body = payload(cmd, "campaign_id", "unit_id", "review")
        against: dict[str, Any] = {
            "at": self.clock.now(),
            "due_on": due_on,
            "registered_target": registration.collective_target,
            "registered_staff": registration.staff,
        }
        found: ReviewSubmission | None = self.find(ReviewSubmission.create_id(cmd.campaign_id, cmd.unit_id, cmd.review))
        if found is not None:
            found.resubmit(**body, **against)
            return [found]
        return [ReviewSubmission.submit(cmd.campaign_id, cmd.unit_id, cmd.review, **body, **against)]

    def assess_review(self, cmd: c.AssessReview) -> list[Aggregate]:
        campaign = self.get_campaign(cmd.campaign_id)
        require(reviews_for_council(cmd.actor, cmd.campaign_id, campaign.secretariat_unit_id))
        campaign.check_open()
        campaign.review_due(cmd.review)
        found: ReviewSubmission | None = self.find(ReviewSubmission.create_id(cmd.campaign_id, cmd.unit_id, cmd.review))
        if found is None:
            raise SubmissionNotFound(f"unit {cmd.unit_id!r} has not submitted to this review", "unit_id")
        found.assess(**payload(cmd, "campaign_id", "unit_id", "review"))
        return [found]
