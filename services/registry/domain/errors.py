"""Registry rule violations, each with its documented code (docs/contract/registry.md)."""

from shared.domain.errors import AlreadyExists, DomainError, NotFound


class CampaignExists(AlreadyExists):
    code = "campaign_exists"


class CampaignNotFound(NotFound):
    code = "unknown_campaign"


class CampaignClosed(DomainError):
    """The campaign is closed: it takes no more changes, blocks, assignments or registrations."""

    code = "campaign_closed"


class NoChanges(DomainError):
    """An amendment or rename that would change nothing."""

    code = "no_changes"


class InvalidPeriod(DomainError):
    code = "invalid_period"


class DateOutOfPeriod(DomainError):
    code = "date_out_of_period"


class DuplicateContent(DomainError):
    code = "duplicate_content"


class BlockExists(AlreadyExists):
    code = "block_exists"


class BlockNotFound(NotFound):
    code = "unknown_block"


class UnitExists(AlreadyExists):
    code = "unit_exists"


class UnitNotFound(NotFound):
    code = "unknown_unit"


class UnitAlreadyInBlock(DomainError):
    """A unit belongs to exactly one block per campaign; moving it needs `move: true`."""

    code = "unit_already_in_block"


class UnitNotInCampaign(DomainError):
    """The unit is in no block of the campaign (never assigned, or withdrawn)."""

    code = "unit_not_in_campaign"


class UnitNotInBlock(DomainError):
    """A block leader or deputy must be a member of that block."""

    code = "unit_not_in_block"


class LeaderIsDeputy(DomainError):
    code = "leader_is_deputy"


class UnitIsBlockLeader(DomainError):
    """The block's leader or deputy cannot leave the block; designate another one first."""

    code = "unit_is_block_leader"


class RegistrationExists(AlreadyExists):
    code = "registration_exists"


class RegistrationNotFound(NotFound):
    code = "unknown_registration"


class NotAllowed(DomainError):
    """The actor may not do this (see "Who may act"); the message is the rule's reason."""

    code = "not_allowed"


class ReviewNotScheduled(DomainError):
    """The campaign has not scheduled this review (`schedule_review`)."""

    code = "review_not_scheduled"


class ReviewDatesOutOfOrder(DomainError):
    """A review's due date falls before the campaign's period, or the mid-year review is not before the year-end."""

    code = "review_dates_out_of_order"


class PersonNotRegistered(DomainError):
    """A person the unit's registration (or, for the council, the unit's submission) does not name."""

    code = "person_not_registered"


class DuplicatePerson(DomainError):
    code = "duplicate_person"


class PersonMissing(DomainError):
    """A self-assessment or the council's review leaves out a registered person."""

    code = "person_missing"


class TargetMismatch(DomainError):
    """A target differs from the one registered (amend the registration first)."""

    code = "target_mismatch"


class StatusNotAllowed(DomainError):
    """`on_track` at the year-end review: by then each target is completed or not."""

    code = "status_not_allowed"


class ReviewAssessed(DomainError):
    """The council has reviewed the submission: it takes no resubmission."""

    code = "review_assessed"


class SubmissionNotFound(NotFound):
    code = "unknown_submission"
