"""The officers' ranking of the scale round from the database: the old full build against the stored
aggregates (reviewers.aggregates, reviewers.stored_ranking), with a floor measured in the same run.

Run (after `manage.py seed_scale`, which builds the stored aggregates at its end):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yc_scale .venv/bin/python bench/ranking_db.py [--explain]
Prints, best of 3 (the rebuild and verify once):
  floor      one query of 200 projects rendered as a bare table (what any list page costs)
  old        reviewers.selectors.ranking_inputs + reviewers.ranking.build (every score of the round)
  page 1 / middle / last   reviewers.stored_ranking.page + the real template (what the page does now)
  rank-order check         reviewers.rank_order.problems for a project in the middle of the ranking
  rebuild / verify         manage.py rebuild_review_aggregates [--verify] for the round
--explain prints EXPLAIN (ANALYZE, BUFFERS) of the middle page's row query and of the sum before it.
"""
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/yc_scale")
os.environ["DEBUG"] = "0"

import django  # noqa: E402

django.setup()


def best(fn, n=3):
    times, result = [], None
    for _ in range(n):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def explain(sql, params):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join("    " + row[0] for row in cursor.fetchall())


def main() -> None:
    from django.db import connection
    from django.db.models import Sum
    from django.db.models.functions import Coalesce
    from django.template import Context, Template
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from finance.commitments import committed_split, committed_sum, round_money
    from projects.models import Project
    from reviewers import aggregates, rank_order, ranking, selectors, stored_ranking
    from reviewers.panel_selectors import panel_facts
    from tools import scale_data

    round = scale_data.existing_round()
    if round is None:
        raise SystemExit("No scale round: run `manage.py seed_scale` on this database first.")
    round = type(round).objects.prefetch_related("budget_caps").get(pk=round.pk)  # as round_for_officer
    table = Template("<table>{% for p in rows %}<tr><td>{{ p.code }}</td><td>{{ p.title }}</td>"
                     "<td>{{ p.requested_amount }}</td></tr>{% endfor %}</table>")
    floor, _ = best(lambda: table.render(Context({"rows": list(Project.objects.filter(round=round)
                                                                 .order_by("code")[:200])})), 5)
    print(f"floor (200-row bare table, one query): {floor * 1000:.1f} ms")

    def old():
        projects, submitted = selectors.ranking_inputs(round)
        return ranking.build(round, projects, submitted, money=round_money(round), extras=panel_facts(round))

    t_old, ranked = best(old)
    print(f"old full build ({len(ranked.rows)} projects): {t_old:.2f} s = {t_old / floor:.0f}x floor")
    t_money, money = best(lambda: round_money(round))
    print(f"round_money (whole round) alone: {t_money * 1000:.1f} ms = {t_money / floor:.1f}x floor")
    t_sum, _ = best(lambda: committed_sum(Project.objects.filter(round=round)))
    print(f"committed_sum (whole round, aggregate): {t_sum * 1000:.1f} ms = {t_sum / floor:.1f}x floor")
    request = RequestFactory().get("/")
    request.user = scale_data.User.objects.get(username=f"{scale_data.USER_PREFIX}officer")
    n_pages = (len(ranked.rows) + stored_ranking.PAGE_SIZE - 1) // stored_ranking.PAGE_SIZE
    for label, number in (("page 1", 1), (f"middle page {n_pages // 2}", n_pages // 2), (f"last page {n_pages}", n_pages)):
        def view(number=number):
            page, header = stored_ranking.page(round, number, committed_split=committed_split,
                                               money_for=lambda ids: round_money(round, ids))
            return page, render_to_string("reviewers/ranking.html", {"round": round, "ranking": header, "page": page},
                                          request=request)
        connection.queries_log.clear()
        t, (page, _) = best(view)
        print(f"new {label}: {t * 1000:.1f} ms = {t / floor:.1f}x floor ({len(page.object_list)} rows)")
        old_rows = ranked.rows[page.start_index() - 1:page.end_index()]
        same = [(r.project.pk, r.score, r.cumulative) for r in page.object_list] == [
            (r.project.pk, r.score, r.cumulative) for r in old_rows]
        print(f"    equals the old build on these rows: {same}")
    middle = ranked.rows[len(ranked.rows) // 2].project
    middle = Project.objects.select_related("round").get(pk=middle.pk)
    t, _ = best(lambda: rank_order.problems(middle, ""))
    print(f"rank-order check (one decision): {t * 1000:.1f} ms = {t / floor:.1f}x floor")
    t = time.perf_counter()
    aggregates.rebuild_round(round)
    print(f"rebuild of the round: {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    print(f"verify: drift {aggregates.drift(round)[:2]} in {time.perf_counter() - t:.2f} s")
    number = n_pages // 2
    key = list(stored_ranking.ranked(round).values_list("rank_key", flat=True)[
        (number - 1) * stored_ranking.PAGE_SIZE:(number - 1) * stored_ranking.PAGE_SIZE + 1])[0]
    t, _ = best(lambda: stored_ranking.money_before(round, key, committed_split))
    print(f"  of which the money (header and sum before the middle page): {t * 1000:.1f} ms")
    if "--explain" in sys.argv:
        ids = stored_ranking.ranked(round).values_list("project_id", flat=True)[
            (number - 1) * stored_ranking.PAGE_SIZE:number * stored_ranking.PAGE_SIZE]
        print("EXPLAIN the middle page's ids (stored rows only, the (round, rank_key) index):")
        print(explain(*ids.query.sql_with_params()))
        rows = stored_ranking.with_projects(stored_ranking.ReviewAggregate.objects.filter(pk__in=list(ids)))
        print("EXPLAIN the page's rows with their projects:")
        print(explain(*rows.query.sql_with_params()))
        before = stored_ranking.ranked(round).filter(rank_key__lt=key).order_by()
        undecided = before.exclude(state__in=stored_ranking.NOT_UNDECIDED).values("round_id").annotate(
            s=Sum(Coalesce("approved", "requested")))
        print("EXPLAIN the undecided amounts before the page:")
        print(explain(*undecided.query.sql_with_params()))
        count = stored_ranking.ranked(round).order_by()
        sql, params = count.query.sql_with_params()
        print("EXPLAIN the paginator's count:")
        print(explain(f"SELECT COUNT(*) FROM ({sql}) c", params))


if __name__ == "__main__":
    main()
