"""Factories for the things services do not create (people, organizations, rounds).
Projects and everything after are built through services, see tests/builders.py."""
import itertools
from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Role, User
from grants.models import CreditListEntry, GrantRound, Membership, Organization, OrgType
from grants.rules.credit_code import check_char
from reviewers.models import Expert

_seq = itertools.count(1)


def credit_code(kind_digit: str = "2") -> str:
    body = f"5{kind_digit}330300MJ{next(_seq):05d}"[:17].ljust(17, "0")
    return body + check_char(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.APPLICANT
    password = factory.PostGenerationMethodCall("set_password", "pass-12345")
    display_name = factory.Sequence(lambda n: f"用户{n}")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"温州市测试社会工作服务中心{n}")
    org_type = OrgType.SOCIAL_SERVICE
    credit_code = factory.LazyFunction(credit_code)
    registration_date = factory.LazyFunction(lambda: date.today() - timedelta(days=3 * 365))
    district = "鹿城区"
    contact_name = "张三"
    contact_phone = "13800000000"
    bank_account_name = factory.SelfAttribute("name")
    bank_name = "中国工商银行温州分行"
    bank_account_no = factory.Sequence(lambda n: f"1203{n:015d}")
    bank_code = "102333000011"


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GrantRound

    name = factory.Sequence(lambda n: f"测试公益创投第{n}批")
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    code = factory.Sequence(lambda n: f"T{n}")
    pot = Decimal("1000000.00")
    min_amount = Decimal("10000.00")
    max_amount = Decimal("200000.00")
    apply_start = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    apply_end = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=10))
    publicity_days = 5
    # Receipts are tested where they matter (tests/monitoring/test_settlement.py sets the threshold).
    receipts_required_above = Decimal("1000000.00")
    experts_per_project = 1
    require_finance_expert = False


class ExpertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Expert

    user = factory.SubFactory(UserFactory, role=Role.EXPERT)
    name = factory.Sequence(lambda n: f"专家{n}")
    employer = "温州大学"
    domains = ["elderly", "youth"]


def member_of(org: Organization, **kwargs) -> User:
    user = UserFactory(role=Role.APPLICANT, **kwargs)
    Membership.objects.create(organization=org, user=user)
    return user


def list_org(org: Organization, list_type: str = "abnormal", days_ago: int = 30) -> CreditListEntry:
    return CreditListEntry.objects.create(
        organization=org, list_type=list_type, listed_on=date.today() - timedelta(days=days_ago), reason="未按时年检"
    )
