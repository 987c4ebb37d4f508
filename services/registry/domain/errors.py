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
