"""Engine, then grading and remediation: what the job, the CLI and surveys all call."""
from .engine.run import check_domain
from .grading import grade_report


def full_report(raw_input, config, progress=None, profile="full") -> dict:
    """profile (engine.run.PROFILES): surveys may leave out probes; the site runs "full"."""
    return grade_report(check_domain(raw_input, config, progress=progress, profile=profile))
