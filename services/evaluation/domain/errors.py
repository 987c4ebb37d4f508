"""Evaluation rule violations, each with its documented code (docs/contract/evaluation.md)."""

from shared.domain.errors import AlreadyExists, DomainError, NotFound


class CampaignNotFound(NotFound):
    code = "unknown_campaign"


class CampaignClosed(DomainError):
    code = "campaign_closed"


class BlockNotFound(NotFound):
    code = "unknown_block"


class UnitNotInCampaign(DomainError):
    code = "unit_not_in_campaign"


class InvalidScoringTable(DomainError):
    code = "invalid_scoring_table"


class UnknownContent(DomainError):
    code = "unknown_content"


class UnknownCriterion(DomainError):
    code = "unknown_criterion"


class PointsOverMaximum(DomainError):
    code = "points_over_maximum"


class AchievementExists(AlreadyExists):
    code = "achievement_exists"


class AchievementNotFound(NotFound):
    code = "unknown_achievement"


class AchievementAlreadyDecided(DomainError):
    code = "achievement_already_decided"


class ReasonRequired(DomainError):
    code = "reason_required"


class NotAllowed(DomainError):
    code = "not_allowed"


class RoundExists(AlreadyExists):
    code = "round_exists"


class RoundAlreadyOpen(DomainError):
    code = "round_already_open"


class RoundNotFound(NotFound):
    code = "unknown_round"


class RoundNotOpen(DomainError):
    code = "round_not_open"


class InvalidCandidates(DomainError):
    code = "invalid_candidates"


class NotEligibleVoter(DomainError):
    code = "not_eligible_voter"


class AlreadyVoted(DomainError):
    code = "already_voted"


class SelfVoteNotAllowed(DomainError):
    code = "self_vote_not_allowed"


class NotACandidate(DomainError):
    code = "not_a_candidate"


class UnknownAward(DomainError):
    code = "unknown_award"


class AdhocAwardNotAForm(DomainError):
    code = "adhoc_award_not_a_form"


class PersonRequired(DomainError):
    code = "person_required"


class PersonNotAllowed(DomainError):
    code = "person_not_allowed"


class ProposalExists(AlreadyExists):
    code = "proposal_exists"


class ProposalNotFound(NotFound):
    code = "unknown_proposal"


class ProposalNotEligible(DomainError):
    code = "proposal_not_eligible"


class AlreadyDecided(DomainError):
    code = "already_decided"


class InvalidCounts(DomainError):
    code = "invalid_counts"


class CouncilQuorumNotMet(DomainError):
    code = "council_quorum_not_met"


class ModelExists(AlreadyExists):
    code = "model_exists"


class ModelNotFound(NotFound):
    code = "unknown_model"


class StageOutOfOrder(DomainError):
    """A stage of an exemplary model before the one it follows; the message names the model's current stage."""

    code = "stage_out_of_order"


class CampaignOutOfOrder(DomainError):
    code = "campaign_out_of_order"


class DuplicateAdopter(DomainError):
    code = "duplicate_adopter"
