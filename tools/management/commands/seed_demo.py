"""The demo: a realistic 2026 round with projects in every state, built through the services.

Safe to run twice: an existing demo round is left alone and the accounts are printed again.
"""
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from accounts.models import Role, User
from core import calendar
from core.calendar import LIBRARY_YEARS, SHANGHAI, CalendarNotPublished
from core.money import quantize_fen
from finance import services as finance_services
from grants import organization_services
from grants import services as grants
from grants.models import GrantRound, Organization, OrgType
from grants.rules.credit_code import check_char
from projects import services as projects
from projects.models import Project
from projects.states import State
from reviewers import services as review
from reviewers import steering
from reviewers.models import Expert, ExpertRelation, RelationKind

PASSWORD = "demo12345"
ROUND_CODE = "2026FC"

# A one-page PDF, small and valid, so demo attachments open in any viewer.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

ORGS = [
    # name, type, rating, district, years registered
    ("鹿城区康乐社会工作服务中心", OrgType.SOCIAL_SERVICE, 5, "鹿城区", 9),
    ("温州市龙湾区助老服务协会", OrgType.SOCIAL_GROUP, 4, "龙湾区", 7),
    ("瓯海区阳光青少年发展中心", OrgType.SOCIAL_SERVICE, 3, "瓯海区", 5),
    ("温州市慈善助残基金会", OrgType.FOUNDATION, 4, "鹿城区", 11),
    ("洞头区海岛家园社区服务中心", OrgType.SOCIAL_SERVICE, 3, "洞头区", 4),
    ("乐清市同心社工事务所", OrgType.SOCIAL_SERVICE, 2, "乐清市", 3),
    ("瑞安市邻里守望志愿者协会", OrgType.SOCIAL_GROUP, None, "瑞安市", 6),
    ("鹿城区五马街道银龄互助会", OrgType.COMMUNITY, None, "鹿城区", 2),
    ("龙湾区星星特殊儿童关爱中心", OrgType.SOCIAL_SERVICE, 3, "龙湾区", 5),
    ("温州市心晴心理健康服务中心", OrgType.SOCIAL_SERVICE, 4, "鹿城区", 6),
    ("瓯海区暖阳困难家庭帮扶中心", OrgType.SOCIAL_SERVICE, 3, "瓯海区", 4),
    ("温州市城西社区治理研究会", OrgType.SOCIAL_GROUP, 3, "鹿城区", 8),
]

EXPERTS = [
    # name, employer, title, domains, finance
    ("陈立群", "温州大学社会工作系", "副教授", ["elderly", "community"], False),
    ("王晓燕", "温州医科大学", "教授", ["disability", "youth"], False),
    ("周建华", "瓯海区阳光青少年发展中心", "理事", ["youth", "hardship"], False),
    ("林美玲", "温州市社会工作协会", "高级社工师", ["elderly", "hardship", "community"], False),
    ("黄志强", "浙江瓯江会计师事务所", "注册会计师", ["other"], True),
    ("郑雅琴", "温州市财政局退休", "高级会计师", ["other"], True),
]

# (org index, title, domain, grant amount, target state, extra)
PROJECTS_2026 = [
    (0, "长者助餐与探访计划", "elderly", "80000.00", State.COMPLETED, {}),
    (1, "银龄互助养老服务", "elderly", "70000.00", State.FINAL_REVIEW, {}),
    (2, "青少年四点半课堂", "youth", "60000.00", State.MIDTERM_REVIEW, {}),
    (3, "残障人士就业支持", "disability", "90000.00", State.IN_PROGRESS, {"midterm": True}),
    (4, "海岛留守老人关爱行动", "elderly", "55000.00", State.IN_PROGRESS, {}),
    (8, "特殊儿童融合游戏小组", "disability", "65000.00", State.CONTRACTED, {}),
    (5, "社区心理援助热线", "community", "50000.00", State.TERMINATED, {}),
    (9, "青少年心理韧性成长营", "youth", "75000.00", State.PUBLICITY, {}),
    (10, "困难家庭微心愿", "hardship", "45000.00", State.OBJECTION, {}),
    (7, "五马街道银龄食堂", "elderly", "80000.00", State.APPROVED, {"cut": "60000.00"}),
    (6, "邻里守望互助网络", "community", "60000.00", State.WAITLISTED, {}),
    (0, "社区环保手工坊", "other", "30000.00", State.REJECTED, {}),
    (1, "老年人防诈骗宣传", "elderly", "40000.00", State.REVIEWED, {}),
    (2, "亲子阅读空间", "youth", "35000.00", State.UNDER_REVIEW, {}),
    (4, "渔村文化传承", "community", "42000.00", State.UNDER_REVIEW, {}),
    (3, "无障碍出行陪伴", "disability", "50000.00", State.SUBMITTED, {}),
    (8, "特殊儿童家长喘息服务", "disability", "38000.00", State.RETURNED, {}),
    (6, "心理健康讲座进社区", "community", "25000.00", State.INELIGIBLE, {}),
    (9, "暑期托管班", "youth", "30000.00", State.WITHDRAWN, {}),
]


def credit_code_for(index: int, org_type: str) -> str | None:
    if org_type == OrgType.COMMUNITY:
        return None
    kind = {OrgType.SOCIAL_GROUP: "1", OrgType.SOCIAL_SERVICE: "2", OrgType.FOUNDATION: "3"}[org_type]
    body = f"5{kind}3303027{index:03d}0{index:02d}MJ"[:17]
    body = body.replace("I", "J").replace("O", "0").ljust(17, "0")
    return body + check_char(body)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


def demo_budget(total: Decimal, labor_share: Decimal = Decimal("0.40")) -> list[dict]:
    """A plausible budget whose grant-paid lines sum exactly to `total`."""
    parts = [("labor", "项目社工劳务费", labor_share), ("activity", "活动物资与场地", Decimal("0.80") - labor_share),
             ("training", "专家督导与培训", Decimal("0.08")), ("publicity", "宣传印刷品", Decimal("0.05")),
             ("travel", "入户探访交通", Decimal("0.04"))]
    lines, used = [], Decimal("0.00")
    for category, item, share in parts:
        amount = quantize_fen(total * share)
        used += amount
        lines.append({"category": category, "item": item, "unit_price": str(amount), "quantity": "1",
                      "source": "grant", "explanation": "按实际需要测算"})
    lines.append({"category": "management", "item": "项目管理费", "unit_price": str(total - used), "quantity": "1",
                  "source": "grant", "explanation": "不超过资助额的3%"})
    lines.append({"category": "activity", "item": "志愿者服务与场地（自筹）", "unit_price": str(quantize_fen(total / 10)),
                  "quantity": "1", "source": "cofund", "explanation": "机构自筹配套"})
    return lines


class Command(BaseCommand):
    help = "Loads the demo round (2026年度福彩公益金公益创投) with organizations, experts and projects."

    def handle(self, *args, **options):
        if GrantRound.objects.filter(code=ROUND_CODE).exists():
            self.stdout.write("演示数据已存在，未重复创建。")
        else:
            # The seeded history would otherwise print dozens of notification e-mails on the console.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), transaction.atomic():
                self.build()
            self.stdout.write(self.style.SUCCESS("演示数据已创建。"))
        self.print_accounts()

    # ------------------------------------------------------------ people
    def user(self, username: str, role: str, name: str, **extra) -> User:
        user, created = User.objects.get_or_create(
            username=username, defaults={"role": role, "display_name": name, "email": f"{username}@demo.local", **extra}
        )
        if created:
            # One hash for every demo account: PBKDF2 costs about a second per call here.
            if not hasattr(self, "_hash"):
                self._hash = make_password(PASSWORD)
            user.password = self._hash
            user.save(update_fields=["password"])
        return user

    def build(self) -> None:
        today = calendar.today()
        self.admin = self.user("admin", Role.ADMIN, "系统管理员", is_staff=True, is_superuser=True)
        self.officer = self.user("officer", Role.OFFICER, "民政局项目管理员")
        self.finance = [self.user(f"finance{i}", Role.FINANCE, f"财务人员{i}") for i in (1, 2, 3)]
        self.evaluator = self.user("evaluator", Role.EVALUATOR, "第三方评估机构")

        self.orgs, self.members = [], []
        for i, (name, org_type, rating, district, years) in enumerate(ORGS, start=1):
            host = self.orgs[0] if org_type == OrgType.COMMUNITY else None
            org = grants.save_organization(actor=self.admin, organization=Organization(
                name=name, org_type=org_type, credit_code=credit_code_for(i, org_type), host=host,
                registration_date=today.replace(year=today.year - years), district=district,
                contact_name="联系人", contact_phone=f"1380577{i:04d}", rating=rating,
                rating_valid_until=today.replace(year=today.year + 3) if rating else None,
                bank_account_name="" if host else name, bank_name="" if host else "中国工商银行温州分行",
                bank_account_no="" if host else f"12030001090{i:08d}", bank_code="" if host else "102333000011",
            ))
            member = self.user(f"org{i:02d}", Role.APPLICANT, f"{name}申报员")
            grants.add_member(actor=self.admin, organization=org, user=member, is_manager=True)
            organization_services.verify_organization(actor=self.officer, organization_id=org.pk,
                                                      comment="演示数据：已核对登记证书")
            self.orgs.append(org)
            self.members.append(member)
        grants.record_credit_listing(actor=self.officer, organization=self.orgs[11], list_type="abnormal",
                                     listed_on=today - timedelta(days=60), reason="未按规定报送年度工作报告")

        self.experts = []
        for i, (name, employer, title, domains, is_finance) in enumerate(EXPERTS, start=1):
            user = self.user(f"expert{i}", Role.EXPERT, name)
            self.experts.append(Expert.objects.create(
                user=user, name=name, employer=employer, title=title, domains=domains, district="鹿城区",
                is_finance=is_finance, phone=f"1390577{i:04d}", email=f"expert{i}@demo.local",
            ))
        # 周建华 sits on the board of 瓯海区阳光青少年发展中心: never assigned to its projects.
        ExpertRelation.objects.create(expert=self.experts[2], organization=self.orgs[2], kind=RelationKind.BOARD,
                                      start=today.replace(year=today.year - 3), recorded_by=self.officer)

        self.round = grants.save_round(actor=self.admin, round=GrantRound(
            name="2026年度福彩公益金公益创投", year=2026, code=ROUND_CODE, fund_source="welfare_lottery",
            description="围绕为老服务、助残服务、青少年成长、困难帮扶、社区治理等领域，征集公益创投项目。",
            pot=Decimal("800000.00"), min_amount=Decimal("20000.00"), max_amount=Decimal("150000.00"),
            apply_start=today - timedelta(days=270), apply_end=today - timedelta(days=230),
            review_start=today - timedelta(days=225), review_end=today - timedelta(days=200),
            max_applications_per_org=2, experts_per_project=5, require_finance_expert=True,
        ))
        self.next_round = grants.save_round(actor=self.admin, round=GrantRound(
            name="2027年度福彩公益金公益创投（征集中）", year=2027, code="2027FC", fund_source="welfare_lottery",
            description="2027年度项目征集，欢迎符合条件的社会组织申报。", pot=Decimal("1000000.00"),
            min_amount=Decimal("20000.00"), max_amount=Decimal("150000.00"),
            apply_start=today - timedelta(days=5), apply_end=today + timedelta(days=40), min_rating=3,
        ))
        # The open round asks two extra questions beside the standard form (grants.RoundQuestion).
        grants.save_questions(actor=self.admin, round_id=self.next_round.pk, reason="征集公告附加问题", rows=[
            {"label": "机构现有注册志愿者人数", "kind": "number", "required": False,
             "help_text": "以志愿服务信息系统登记人数为准"},
            {"label": "项目是否与社区（村）合作实施", "kind": "choice", "choices": ["是", "否"], "required": False},
        ])
        self.t0 = at(today - timedelta(days=250))

        for index, (org_i, title, domain, amount, target, extra) in enumerate(PROJECTS_2026):
            self.make_project(index, org_i, title, domain, Decimal(amount), target, extra)

        # Only eligible organizations can start an application: the 2027 round wants 3A+ and no unfinished
        # project (approved, in 公示 or signed counts), which leaves 康乐 (org 0) with its completed project;
        # the others see why on their round page.
        for org_i, title, domain, submit in [(0, "邻里互助时间银行", "community", False),
                                             (0, "困难家庭儿童学业辅导", "hardship", True)]:
            project = self.draft(self.next_round, org_i, title, domain, Decimal("50000.00"))
            if submit:
                projects.submit_project(actor=self.members[org_i], project_id=project.pk)
        # The 2027 round's list of applicants is open for conflict declarations (expert1 has declared none);
        # the officer has looked for possible conflicts in the 2026 round (its conflicts page).
        steering.declare_round_conflicts(actor=self.experts[0].user, round_id=self.next_round.pk, organization_ids=[])
        ExpertRelation.objects.create(expert=self.experts[3], organization=self.orgs[1], kind=RelationKind.EMPLOYER,
                                      start=today.replace(year=today.year - 8), end=today.replace(year=today.year - 4),
                                      note="曾任项目主管", recorded_by=self.officer)  # ended: a suggestion, not a bar
        steering.detect_conflicts(actor=self.officer, round_id=self.round.pk)

    # ------------------------------------------------------------ projects
    def draft(self, round, org_i: int, title: str, domain: str, amount: Decimal, labor_share=Decimal("0.40")):
        member = self.members[org_i]
        project = projects.create_project(
            actor=member, round=round, organization=self.orgs[org_i], title=title, domain=domain,
            now=self.t0 if round == self.round else None,  # the 2026 round's window closed long ago
            summary=f"{title}：面向{ORGS[org_i][3]}居民开展专业服务。",
            need_analysis="前期走访调研显示，辖区服务对象需求集中、现有服务供给不足。",
            target_group="辖区内有需要的居民", beneficiaries=300, service_district=ORGS[org_i][3],
            service_street="中心街道", activity_plan="分三个阶段实施：需求评估、服务开展、总结评估。",
            team="项目负责人1名（持证社工），专职社工2名，志愿者20名。",
        )
        projects.replace_budget(actor=member, project_id=project.pk, lines=demo_budget(amount, labor_share))
        start = calendar.today()
        projects.replace_milestones(actor=member, project_id=project.pk, milestones=[
            {"title": "项目启动与需求评估", "due_date": start + timedelta(days=20), "deliverable": "需求评估报告"},
            {"title": "中期服务开展", "due_date": start + timedelta(days=150), "deliverable": "中期报告"},
            {"title": "总结评估", "due_date": start + timedelta(days=330), "deliverable": "结项报告"},
        ])
        projects.replace_indicators(actor=member, project_id=project.pk, indicators=[
            {"name": "服务人次", "unit": "人次", "target": "3000"},
            {"name": "活动场次", "unit": "场", "target": "48"},
            {"name": "受益人数", "unit": "人", "target": "300"},
        ])
        kinds = list(round.required_attachments) + (["rating_certificate"] if self.orgs[org_i].rating else [])
        for kind in kinds:
            projects.add_attachment(actor=member, project_id=project.pk, kind=kind,
                                    uploaded_file=SimpleUploadedFile(f"{kind}.pdf", DEMO_PDF))
        return project

    def make_project(self, index, org_i, title, domain, amount, target, extra) -> Project:
        labor = Decimal("0.50") if extra.get("cut") else Decimal("0.40")
        project = self.draft(self.round, org_i, title, domain, amount, labor)
        pid, member, officer = project.pk, self.members[org_i], self.officer
        submit_at = self.t0 + timedelta(hours=index)

        if target == State.WITHDRAWN:
            projects.submit_project(actor=member, project_id=pid, now=submit_at)
            projects.withdraw_project(actor=member, project_id=pid, reason="机构人手调整，暂不实施")
            return project
        projects.submit_project(actor=member, project_id=pid, now=submit_at)
        if target == State.SUBMITTED:
            return project
        if target == State.RETURNED:
            projects.return_for_revision(actor=officer, project_id=pid, comment="请补充上年度审计报告并细化活动预算")
            return project
        if target == State.INELIGIBLE:
            projects.mark_ineligible(actor=officer, project_id=pid, comment="项目与机构登记业务范围不符")
            return project
        projects.accept_for_review(actor=officer, project_id=pid, now=submit_at + timedelta(days=5))
        self.review(Project.objects.get(pk=pid), index, complete=target != State.UNDER_REVIEW)
        if target in (State.UNDER_REVIEW, State.REVIEWED):
            return project
        if target == State.WAITLISTED:
            projects.waitlist_project(actor=officer, project_id=pid, comment="资金池余额不足，列为候补")
            return project
        if target == State.REJECTED:
            projects.reject_project(actor=officer, project_id=pid, comment="评审得分未达资助线")
            return project
        approved = Decimal(extra.get("cut", amount))
        projects.approve_project(actor=officer, project_id=pid, approved_amount=approved,
                                 comment="核减部分活动经费" if "cut" in extra else "")
        if target == State.APPROVED:
            return project
        today = calendar.today()
        if target in (State.PUBLICITY, State.OBJECTION):
            try:
                projects.publish_project(actor=officer, project_id=pid)
            except CalendarNotPublished:
                # Next year's holiday notice is not in the holidays package yet, and the demo does not
                # invent one: the notice is published on the last day the official calendar covers.
                last = date(max(LIBRARY_YEARS), 12, 31)
                self.stdout.write(f"注意：{last.year + 1}年节假日安排尚未录入，演示公示按{last:%Y-%m-%d}发布。")
                projects.publish_project(actor=officer, project_id=pid, now=at(last - timedelta(days=10)))
            if target == State.OBJECTION:
                projects.raise_objection(actor=officer, project_id=pid, comment="有群众反映该机构曾有同类项目未按期完成")
            return project
        projects.publish_project(actor=officer, project_id=pid, now=at(today - timedelta(days=200)))
        projects.sign_agreement(actor=member, project_id=pid, signer_name="机构法定代表人",
                                ip="127.0.0.1", now=at(today - timedelta(days=180)))
        if target == State.CONTRACTED:
            return project
        self.pay(project, seq=1)
        if target == State.IN_PROGRESS and not extra.get("midterm"):
            return project
        if target == State.TERMINATED:
            projects.terminate_project(actor=officer, project_id=pid, reason="机构核心社工离职，项目无法继续实施",
                                       clawback_amount="5000.00")
            return project
        labor_line = project.budget_lines.get(category="labor", source="grant")
        activity_line = project.budget_lines.filter(category="activity", source="grant").first()
        midterm_spent = {labor_line.pk: quantize_fen(approved * Decimal("0.2")),
                         activity_line.pk: quantize_fen(approved * Decimal("0.15"))}
        rows = [{"budget_line_id": line_id, "amount": str(amount)} for line_id, amount in midterm_spent.items()]
        midterm = projects.submit_report(actor=member, project_id=pid, kind="midterm", narrative="已完成上半年服务计划。",
                                         expenditures=rows, receipts=self.receipts(project, "midterm", len(rows)))
        projects.begin_midterm(actor=officer, project_id=pid)
        if target == State.MIDTERM_REVIEW:
            return project  # its report waits for the officer's review
        projects.review_report(actor=officer, report_id=midterm.pk, accept=True)
        projects.record_evaluation(actor=self.evaluator, project_id=pid, kind="midterm",
                                   scores={"implementation": "26", "inputs": "16", "finance": "21", "outcomes": "20"},
                                   comment="按计划推进，台账规范")
        self.pay(project, seq=2)
        if target == State.IN_PROGRESS:
            return project
        # The final report spends what the budget left after the mid-term report, each row with its receipt.
        rows = [{"budget_line_id": line.pk, "amount": str(line.amount - midterm_spent.get(line.pk, Decimal("0")))}
                for line in project.budget_lines.filter(source="grant")]
        final = projects.submit_report(actor=member, project_id=pid, kind="final", narrative="项目按计划完成，服务目标全部达成。",
                                       expenditures=rows, receipts=self.receipts(project, "final", len(rows)))
        projects.begin_final(actor=officer, project_id=pid)
        if target == State.FINAL_REVIEW:
            return project
        projects.review_report(actor=officer, report_id=final.pk, accept=True)
        projects.record_evaluation(actor=self.evaluator, project_id=pid, kind="final",
                                   scores={"indicators": "28", "execution": "18", "compliance": "18",
                                           "satisfaction": "18", "branding": "9"}, comment="指标全面完成，成效显著")
        return project

    def review(self, project: Project, index: int, *, complete: bool) -> None:
        panel = [e for e in self.experts if not e.relations.filter(organization=project.organization).exists()][:5]
        # The whole panel is assigned first: the last submitted review moves the project on.
        assignments = [review.assign_expert(actor=self.officer, project=project, expert=e) for e in panel]
        for n, (expert, assignment) in enumerate(zip(panel, assignments, strict=True)):
            if not complete and n >= 2:
                continue  # still waiting for these experts
            review.declare(actor=expert.user, assignment_id=assignment.pk, has_conflict=False)
            base = Decimal(15 + (index * 7 + n * 3) % 6) / Decimal(20)
            scores = {c["code"]: str((Decimal(c["max"]) * base * 2).to_integral_value() / 2) for c in self.round.rubric}
            # Scored inside the round's review window, as it was then (reviewers.window).
            review.submit_review(actor=expert.user, assignment_id=assignment.pk, scores=scores,
                                 comment="项目设计总体合理，建议细化绩效指标。", now=self.review_time())

    def review_time(self):
        end = self.round.review_end
        return calendar.day_start(end) if end is not None and end < calendar.today() else None

    def receipts(self, project: Project, report: str, rows: int) -> list[tuple[int, SimpleUploadedFile]]:
        """One small PDF per spending row; each differs, as one receipt may back only one row."""
        return [
            (row, SimpleUploadedFile(f"receipt-{report}-{row}.pdf",
                                     f"%PDF-1.4\n% demo receipt {project.pk} {report} {row}\n%%EOF\n".encode(),
                                     content_type="application/pdf"))
            for row in range(1, rows + 1)
        ]

    def pay(self, project: Project, *, seq: int) -> None:
        # Money leaves only through a batch: 经办 finance1, 审核 finance2, 审批 finance3.
        tranche = project.tranches.get(seq=seq)
        preparer, checker, approver = self.finance
        batch = finance_services.create_batch(actor=preparer, round_id=project.round_id, tranche_ids=[tranche.pk])
        finance_services.submit_batch(actor=preparer, batch_id=batch.pk)
        finance_services.check_batch(actor=checker, batch_id=batch.pk)
        finance_services.approve_batch(actor=approver, batch_id=batch.pk, password=PASSWORD)
        finance_services.record_payment(actor=preparer, tranche_id=tranche.pk, paid_on=calendar.today(),
                                        bank_reference=f"ICBC{project.pk:05d}{seq}")

    def print_accounts(self) -> None:
        self.stdout.write(f"\n演示账号（密码均为 {PASSWORD}）：")
        rows = [("admin", "系统管理员（/admin/）"), ("officer", "项目管理员"), ("finance1 / finance2 / finance3", "财务人员：经办 / 审核 / 审批"),
                ("evaluator", "第三方评估机构"), ("expert1 … expert6", "评审专家"),
                ("org01 … org12", "申报机构（org12 在活动异常名录上；org08 为备案社区社会组织）")]
        for username, role in rows:
            self.stdout.write(f"  {username:<32} {role}")
