"""Engine + grading + remediation: what the job, the CLI and surveys all call."""
from .engine.run import check_domain


def full_report(raw_input, config, progress=None) -> dict:
    report = check_domain(raw_input, config, progress=progress)
    try:
        from .grading import grade_report
    except ImportError:  # grading lands separately; the engine's report stands on its own
        return report
    return grade_report(report)
