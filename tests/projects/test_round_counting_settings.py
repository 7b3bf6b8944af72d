"""Which applications count toward the per-organization limit, and which earlier projects count as
unfinished: round settings (GrantRound.count_*_toward_limit, unfinished_states) read by projects.eligibility."""
import pytest
from django.core.exceptions import ValidationError

from grants.defaults import DEFAULT_UNFINISHED_STATES, PROJECT_STATE_VALUES
from projects import services
from projects.eligibility import eligibility_reasons_for
from projects.errors import ProjectError
from projects.models import Project
from projects.states import State
from tests.builders import World
from tests.factories import RoundFactory

pytestmark = pytest.mark.django_db

LIMIT = "本批次每个机构限申报1个项目，已申报1个"


def reasons(world, round=None) -> list[str]:
    return eligibility_reasons_for(world.org, round or world.round, today=world.round.apply_start)


def test_the_known_state_values_in_grants_are_the_project_states():
    assert list(PROJECT_STATE_VALUES) == list(State.values)
    assert set(DEFAULT_UNFINISHED_STATES) <= set(State.values)


class TestPerOrganizationLimit:
    def ineligible(self, world) -> Project:
        project = world.advance(world.draft(), State.SUBMITTED)
        return services.mark_ineligible(actor=world.officer, project_id=project.pk, comment="登记证书已过期")

    def test_a_corrected_application_may_follow_an_ineligible_ruling_by_default(self, world):
        self.ineligible(world)
        assert LIMIT not in reasons(world)
        corrected = world.draft(title="长者互助食堂（更正）")
        services.submit_project(actor=world.member, project_id=corrected.pk)
        assert Project.objects.get(pk=corrected.pk).state == State.SUBMITTED

    def test_a_round_may_count_ineligible_applications(self):
        world = World(count_ineligible_toward_limit=True)
        self.ineligible(world)
        assert LIMIT in reasons(world)
        with pytest.raises(ProjectError) as refused:
            world.draft(title="再次申报")
        assert LIMIT in refused.value.errors

    def test_withdrawn_applications_count_only_when_the_round_says_so(self, world):
        project = world.advance(world.draft(), State.SUBMITTED)
        services.withdraw_project(actor=world.member, project_id=project.pk, reason="重新准备材料")
        assert LIMIT not in reasons(world)
        world.round.count_withdrawn_toward_limit = True
        world.round.save()
        assert LIMIT in reasons(world)

    def test_a_submitted_application_always_counts(self, world):
        world.advance(world.draft(), State.SUBMITTED)
        assert LIMIT in reasons(world)


class TestUnfinishedStates:
    def earlier(self, world, state: str) -> Project:
        return world.advance(world.draft(title="上一批次项目"), state)

    @pytest.mark.parametrize("state", [State.APPROVED, State.PUBLICITY, State.IN_PROGRESS])
    def test_an_earlier_project_from_the_decision_on_counts_as_unfinished_by_default(self, world, state):
        self.earlier(world, state)
        assert "尚有未结项项目：《上一批次项目》" in reasons(world, RoundFactory())

    def test_a_completed_earlier_project_does_not(self, world):
        self.earlier(world, State.COMPLETED)
        assert not any("未结项" in r for r in reasons(world, RoundFactory()))

    def test_a_round_chooses_the_states(self, world):
        self.earlier(world, State.PUBLICITY)
        signed_only = RoundFactory(unfinished_states=["contracted", "in_progress", "midterm_review", "final_review"])
        assert not any("未结项" in r for r in reasons(world, signed_only))
        assert "尚有未结项项目：《上一批次项目》" in reasons(world, RoundFactory(unfinished_states=["publicity"]))
        assert not any("未结项" in r for r in reasons(world, RoundFactory(unfinished_states=[])))

    def test_unknown_states_are_refused_when_the_round_is_saved(self):
        round = RoundFactory.build(unfinished_states=["publicity", "signed", "草稿"])
        with pytest.raises(ValidationError) as invalid:
            round.full_clean()
        assert invalid.value.message_dict["unfinished_states"] == ["未知的项目状态：signed、草稿"]
