"""Registry rule violations, each with its documented code (docs/contract.md)."""

from shared.domain.errors import AlreadyExists, DomainError, NotFound


class CampaignExists(AlreadyExists):
    code = "campaign_exists"


class CampaignNotFound(NotFound):
    code = "unknown_campaign"


class InvalidPeriod(DomainError):
    code = "invalid_period"


class DateOutOfPeriod(DomainError):
    code = "date_out_of_period"


class DuplicateContent(DomainError):
    code = "duplicate_content"
