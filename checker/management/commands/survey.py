"""`manage.py survey import|run|status|report|list`: scan a zone like the thesis (README "Surveys")."""
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from checker.engine.run import PROFILES
from checker.models import Check
from checker.stats import export, queries, tables
from checker.stats.published import published
from checker.survey import progress, store
from checker.survey.importer import parse
from checker.survey.store import SurveyError

MAX_FILE = 2 * 1024 ** 3
EXACT = 1   # the "< N" threshold of the survey report: 1 hides nothing


class Command(BaseCommand):
    help = "Import, run and report surveys of many domains (a zone file or a list)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("import", help="read a zone file or a list of domains into a new survey")
        p.add_argument("name")
        p.add_argument("file")
        p.add_argument("--format", choices=("auto", "zone", "list"), default="auto")
        p.add_argument("--replace", action="store_true", help="replace a survey of the same name")
        p.add_argument("--chunk-size", type=int, default=None)
        p = sub.add_parser("run", help="enqueue the survey's unfinished chunks on the 'survey' queue")
        p.add_argument("name")
        p.add_argument("--profile", choices=tuple(PROFILES), default="dns")
        p.add_argument("--full-reports", action="store_true", help="keep every domain's whole report")
        p.add_argument("--restart", action="store_true", help="forget the results and start over")
        p.add_argument("--jobs", type=int, default=None, help="jobs to enqueue (default: one per chunk, capped)")
        p = sub.add_parser("status", help="progress of a survey")
        p.add_argument("name")
        p.add_argument("--follow", action="store_true", help="keep a progress bar going until it is done")
        p.add_argument("--interval", type=float, default=1.0)
        p = sub.add_parser("report", help="the thesis's Tables 11-19 for a survey")
        p.add_argument("name")
        p.add_argument("--csv", metavar="FILE", help="also write the tables as CSV ('-' for stdout only)")
        sub.add_parser("list", help="the surveys and their progress")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"do_{action}")(**options)
        except SurveyError as error:
            raise CommandError(str(error)) from None

    # -- import ----------------------------------------------------------------------------

    def do_import(self, name, file, format, replace, chunk_size, **_):
        try:
            with open(file, "rb") as handle:
                data = handle.read(MAX_FILE + 1)
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror or error}") from None
        if len(data) > MAX_FILE:
            raise CommandError(f"{file} is larger than 2 GiB")
        result = parse(data.decode("utf-8", errors="replace").splitlines(), format)
        for line, why in result.bad:
            self.stderr.write(f"{file}:{line}: {why}")
        if result.bad_count > len(result.bad):
            self.stderr.write(f"... and {result.bad_count - len(result.bad)} more bad lines")
        if not result.domains:
            raise CommandError(f"{file}: no domains found ({result.bad_count} bad lines)")
        size = chunk_size or settings.SURVEY_CHUNK_SIZE
        if size < 1:
            raise CommandError("--chunk-size must be at least 1")
        survey, opted = store.create(name, result, file, size, replace=replace)
        ds = sum(1 for _, _, present in result.domains if present)
        what = f", {ds} with a DS record" if result.format == "zone" else ""
        self.stdout.write(f"survey {survey.name}: {len(result.domains)} domains from a {result.format}{what}; "
                          f"{result.duplicates} duplicates dropped, {result.bad_count} bad lines skipped, "
                          f"{opted} opted out; {survey.chunks.count()} chunks of {size}")

    # -- run ---------------------------------------------------------------------------------

    def do_run(self, name, profile, full_reports, restart, jobs, **_):
        import django_rq
        from redis.exceptions import RedisError

        survey = store.get(name)
        if not settings.SURVEY_CONTACT_URL.strip():
            self.stderr.write("note: SURVEY_CONTACT_URL is not set; the policy fetches' User-Agent names no "
                              "contact for the servers' operators")
        unfinished = store.start(survey, profile, full_reports, restart)
        if not unfinished:
            self.stdout.write(f"survey {name} is complete; `survey report {name}` prints its tables")
            return
        count = jobs or min(unfinished, settings.SURVEY_MAX_JOBS)
        try:
            queue = django_rq.get_queue("survey")
            for _ in range(count):
                queue.enqueue("checker.survey.worker.run_survey", survey.pk)
        except RedisError as error:
            raise CommandError(f"Redis is not reachable ({settings.REDIS_URL}): {error}. Start it and run "
                               f"`survey run {name}` again; nothing was lost.") from None
        self.stdout.write(f"survey {name}: {unfinished} chunks to do, {count} jobs on the 'survey' queue "
                          f"(profile {profile}); workers: `manage.py rqworker survey`; "
                          f"progress: `manage.py survey status {name} --follow`")

    # -- status ------------------------------------------------------------------------------

    def do_status(self, name, follow, interval, **_):
        survey = store.get(name)
        rate = progress.Rate()
        while True:
            snap = progress.snapshot(survey)
            text = progress.line(snap, rate.add(snap.finished))
            if not follow:
                self.stdout.write(f"{survey.name} (profile {survey.profile or 'not run yet'}): {text}")
                return
            end = "\n" if snap.complete else ""
            self.stdout.write(f"\r{text}\x1b[K", ending=end)
            self.stdout.flush()
            if snap.complete:
                return
            time.sleep(max(0.2, interval))

    # -- report ------------------------------------------------------------------------------

    def do_report(self, name, csv, **_):
        survey = store.get(name)
        snap = progress.snapshot(survey)
        # The staff statistics page's computation with its survey filter (issue 13: the same
        # numbers), but exact counts: the researcher who runs the survey has the rows anyway,
        # so the page's "< 5" anonymity threshold does not apply here.
        filters = queries.Filters.relative("all", "survey", survey.name)
        computed, _values = tables.compute(queries.latest_per_domain(filters))
        rows = published(computed, EXACT)
        if csv != "-":
            self.stdout.write(f"Survey {survey.name}: profile {survey.profile or '-'}, {snap.checked} of "
                              f"{snap.total} domains checked ({snap.failed} failed, {snap.skipped} opted out"
                              f"{'' if snap.complete else ', NOT COMPLETE'})\n")
            self.stdout.write(export.as_text(rows))
            disagree = _ds_disagreements(survey)
            if disagree is not None:
                self.stdout.write(f"DS in the zone file vs. DS seen in DNS: {disagree} domains differ")
        if csv:
            days = [{"day": day.isoformat(), "count": n} for day, n in queries.per_day(filters)]
            text = export.as_csv(export.meta(filters, EXACT), rows, days)
            if csv == "-":
                self.stdout.write(text, ending="")
                return
            try:
                with open(csv, "w", newline="", encoding="utf-8") as handle:
                    handle.write(text)
            except OSError as error:
                raise CommandError(f"cannot write {csv}: {error.strerror or error}") from None

    def do_list(self, **_):
        from checker.models import Survey
        for survey in Survey.objects.order_by("name"):
            snap = progress.snapshot(survey)
            self.stdout.write(f"{survey.name:<30} {survey.profile or '-':<10} {snap.finished}/{snap.total}"
                              f"{' done' if snap.complete else ''}")


def _ds_disagreements(survey):
    """Domains whose DS in the imported zone differs from what DNS showed (None for a list)."""
    from django.db.models import Exists, OuterRef

    from checker.models import SurveyDomain
    zone = SurveyDomain.objects.filter(survey=survey, ds_in_zone__isnull=False)
    if not zone.exists():
        return None
    checks = Check.objects.filter(survey=survey, status=Check.Status.DONE, domain=OuterRef("domain"))
    return (zone.filter(Exists(checks.filter(ds_present=True)), ds_in_zone=False).count()
            + zone.filter(Exists(checks.filter(ds_present=False)), ds_in_zone=True).count())
