"""Engine, then grading and remediation: what the job, the CLI and surveys all call."""
from .engine.run import acheck_domain, check_domain
from .grading import grade_report

# Bump when checker/grading.py changes what grade a report gets: each stored report keeps
# the version it was graded under, so the history shows old reports as they were graded.
GRADING_VERSION = 1


def full_report(raw_input, config, progress=None, profile="full") -> dict:
    """profile (engine.run.PROFILES): surveys may leave out probes; the site runs "full"."""
    return graded(check_domain(raw_input, config, progress=progress, profile=profile))


async def afull_report(raw_input, config, profile="full", for_people=True) -> dict:
    """full_report() for callers on an event loop (surveys run hundreds of checks on one).
    for_people=False: no remediation texts (grading.grade_report), for rows that keep none."""
    return graded(await acheck_domain(raw_input, config, profile=profile), for_people=for_people)


def graded(report: dict, for_people: bool = True) -> dict:
    report = grade_report(report, for_people=for_people)
    report["grading_version"] = GRADING_VERSION
    return report
