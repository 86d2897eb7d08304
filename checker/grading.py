"""Grade and score a report (docs/grading.md). Plain Python, no Django, no I/O.

The grade is a function of the report's statuses and of the multiset of finding
(code, severity, subject) triples only; lists are read as sets, so their order never
matters. Three levels, like internet.nl's required / recommended / optional, built on
the thesis's best practices (thesis 6.1) and the RFCs:

* required: STARTTLS with TLS 1.2+ on every MX (RFC 8996, RFC 3207), and an enforcement
  mechanism: DANE on every MX (RFC 7672) or MTA-STS enforce covering every MX whose
  certificates are WebPKI-valid (RFC 8461 5).
* recommended: DNSSEC on the domain and the MX hosts' zones (thesis 6.1.1), DANE on every
  MX (6.1.2), MTA-STS enforce listing every MX (6.1.3), TLS-RPT where DANE or MTA-STS is
  used (6.1.4).
* optional: everything else (info findings; warn findings cost a few points).

A configuration that makes senders refuse or defer mail ("bounce risk") is graded F,
below a domain with no protection at all: a broken lock is worse than none, because mail
stops arriving.

The score is a sum of points per control minus small deductions per warn/fail finding,
then bounded by the level reached (caps and a floor, all monotone), so that fixing any
single problem never lowers either the score or the grade.
"""
from __future__ import annotations

from .engine import starttls
from .engine.findings import SEVERITY_RANK
from .engine.registry import NAMES, PROTOCOLS

# --- points per control (sum of the maxima = 100) ----------------------------------
POINTS_STARTTLS_ALL = 30      # every reachable MX offers STARTTLS with TLS 1.2+
POINTS_STARTTLS_SOME = 10     # at least one does
POINTS_DNSSEC_DOMAIN = 10     # thesis 6.1.1
POINTS_DNSSEC_MX = 5          # thesis 6.1.1, "external domains hosting SMTP servers"
POINTS_DANE_ALL = 25          # thesis 6.1.2: every MX, secure usable TLSA, matching
POINTS_DANE_SOME = 10
POINTS_MTA_STS_ENFORCE = 20   # thesis 6.1.3: enforce, every MX listed, valid certificates
POINTS_MTA_STS_TESTING = 8    # valid policy, not (yet) enforcing
POINTS_TLS_RPT = 10           # thesis 6.1.4

# --- deductions for findings ---------------------------------------------------------
DEDUCTION_WARN = 3            # per distinct (code, subject) with severity warn
DEDUCTION_FAIL = 6            # per distinct (code, subject) with severity fail
DEDUCTION_MAX = 15            # a long list of small things never outweighs a control

# --- bounds by level (score = min(max(raw, floor), caps)) ----------------------------
CAP_BOUNCE_RISK = 19          # F: senders refuse or defer mail
CAP_NO_STARTTLS = 34          # E: mail can travel in plain text (required level broken)
CAP_NO_ENFORCEMENT = 54       # D: STARTTLS only, a MITM can strip it (required level broken)
CAP_FAIL_FINDING = 84         # B: a failing finding keeps a domain out of A
CAP_NOT_COMPLETE = 99         # A: A+ needs every control, verified, and no warn/fail finding
FLOOR_REQUIRED_MET = 55       # C: the required level met is never worse than C
FLOOR_STARTTLS = 35           # D: STARTTLS everywhere is never worse than D
FLOOR_NO_BOUNCE = 20          # E: anything that still delivers mail is better than F

# Lowest score for each grade, best first.
GRADE_BANDS = (("A+", 100), ("A", 85), ("B", 70), ("C", 55), ("D", 35), ("E", 20), ("F", 0))

SEVERITY_ORDER = SEVERITY_RANK
PROTOCOL_ORDER = {name: index for index, name in enumerate(NAMES)}

# Conditions that stop or defer delivery, most fundamental first. Each names the finding
# codes the engine emits for it; the first code doubles as the code grading reports
# itself when the engine emitted none of them.
BOUNCE_CONDITIONS = (
    ("dnssec_bogus", ("dnssec.bogus",)),
    ("mx_error", ("mx.error",)),
    ("mx_null_mixed", ("mx.null_mixed", "mx.null_preference")),  # mx.status invalid (RFC 7505 3)
    ("mx_host_bogus", ("mx.host_bogus",)),
    ("mx_host_error", ("mx.host_lookup_error",)),
    ("dane_tlsa_bogus", ("dane.tlsa.bogus",)),
    ("dane_tlsa_error", ("dane.tlsa.error", "dane.error")),
    ("dane_no_starttls", ("dane.match.no_starttls",)),
    ("dane_mismatch", ("dane.match.fail",)),
    ("mta_sts_uncovered", ("mta_sts.mx.uncovered",)),
    ("mta_sts_bad_certificate", ("mta_sts.mx.certificate_invalid",)),
    ("mta_sts_no_starttls", ("mta_sts.mx.no_starttls",)),
)
REQUIRED_CONDITIONS = (
    ("starttls_missing", ("starttls.not_offered", "starttls.handshake_failed", "starttls.tls_version_old",
                          "starttls.unreachable", "starttls.smtp_error", "mx.target_unresolvable", "starttls.refused_address", "starttls.no_address")),
)
# Without an enforcement mechanism, these findings lead among those of equal severity
# (a failing attempt at DANE or MTA-STS still comes first: it is what to fix).
NO_ENFORCEMENT_CODES = ("mta_sts.mode.testing", "mta_sts.mode.none", "dane.partial", "mta_sts.none", "dane.none")

_NO_GRADE = {
    "null": "The domain publishes a null MX (RFC 7505): it accepts no mail, so there is no mail transport to grade.",
    "nxdomain": "The domain does not exist in DNS, so there is no mail transport to grade.",
    "no_mail_host": "The domain has neither MX nor address records: it cannot receive mail, so there is nothing to grade.",
}


def _section(report, name) -> dict:
    value = report.get(name)
    return value if isinstance(value, dict) else {}


def _list(section, name) -> list:
    value = section.get(name)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def not_gradable(report) -> str | None:
    """The plain sentence why a report gets no grade, or None."""
    mx = _section(report, "mx")
    status = mx.get("status")
    if status in ("null", "nxdomain"):
        return _NO_GRADE[status]
    if status == "none" and not _list(mx, "hosts"):
        return _NO_GRADE["no_mail_host"]
    return None


# --- one rule per protocol (registry order): facts about its section, booleans ----------
# A rule reads its own section and the facts of the protocols before it; assess() puts the
# facts together into the bounce conditions, the required level and the controls.

def _dnssec_rule(section: dict, facts: dict) -> dict:
    return {"dnssec_bogus": section.get("status") == "bogus", "dnssec_domain": section.get("status") == "secure"}


def _mx_rule(section: dict, facts: dict) -> dict:
    hosts = _list(section, "hosts")
    status = section.get("status")
    return {
        "mx_hosts": {h.get("name") for h in hosts},
        "mx_error": status == "error",
        "mx_null_mixed": status == "invalid",
        "mx_host_bogus": any(h.get("dnssec") == "bogus" for h in hosts),
        # An MX host whose addresses cannot be looked up: senders defer (RFC 5321 5.1).
        "mx_host_error": any(h.get("dnssec") == "error" and not h.get("addresses") for h in hosts),
        # RFC 7672 2.2.2: senders skip DANE for a host whose address records are not secure.
        "dnssec_mx": bool(hosts) and all(h.get("dnssec") == "secure" for h in hosts),
    }


def _starttls_rule(section: dict, facts: dict) -> dict:
    hosts = _list(section, "hosts")
    status = starttls.section_status((h.get("status"), h.get("tls_version")) for h in hosts)
    ok_hosts = [h for h in hosts if h.get("status") == "ok"]
    return {
        "starttls": status == "ok",
        "starttls_some": status in ("ok", "partial"),
        "names_without_tls": {h.get("name") for h in hosts if h.get("status") in ("not-offered", "handshake-failed")},
        "bad_webpki": any(not ((h.get("certificate") or {}).get("webpki_valid")) for h in ok_hosts),
    }


def _dane_rule(section: dict, facts: dict) -> dict:
    # DANE (RFC 7672 2.2): senders act on secure TLSA sets only. A secure set with no
    # usable record still makes TLS mandatory; a bogus lookup makes them defer.
    hosts = _list(section, "hosts")
    status = section.get("status")
    mismatch = any(h.get("tlsa") == "valid" and h.get("match") == "fail" for h in hosts)
    dane_all = status == "all" and not mismatch and facts["dnssec_mx"]
    return {
        "dane_tlsa_bogus": any(h.get("tlsa") == "bogus" for h in hosts),
        # A failed TLSA lookup makes DANE senders defer too (RFC 7672 2.2; Postfix, Exim do).
        "dane_tlsa_error": any(h.get("tlsa") == "error" for h in hosts),
        "dane_no_starttls": any(h.get("tlsa") in ("valid", "unusable") and h.get("name") in facts["names_without_tls"]
                                for h in hosts),
        "dane_mismatch": mismatch,
        "dane": dane_all,
        "dane_verified": dane_all and section.get("verified") == "all",
        "dane_some": status in ("all", "some"),
    }


def _mta_sts_rule(section: dict, facts: dict) -> dict:
    policy = section.get("policy") if isinstance(section.get("policy"), dict) else {}
    coverage = section.get("mx_coverage") if isinstance(section.get("mx_coverage"), dict) else {}
    valid = section.get("status") == "valid"
    enforce = valid and policy.get("mode") == "enforce"
    uncovered = [n for n in (coverage.get("uncovered") or []) if n]
    return {
        "mta_sts_uncovered": enforce and bool(uncovered),
        "mta_sts_bad_certificate": enforce and facts["bad_webpki"],
        "mta_sts_no_starttls": enforce and bool(facts["names_without_tls"]),
        "mta_sts_enforce": enforce and not uncovered and not facts["bad_webpki"] and facts["starttls"],
        "mta_sts_testing": valid and policy.get("mode") in ("testing", "enforce"),
    }


def _tls_rpt_rule(section: dict, facts: dict) -> dict:
    return {"tls_rpt": section.get("status") == "valid"}


RULES = {"dnssec": _dnssec_rule, "mx": _mx_rule, "starttls": _starttls_rule, "dane": _dane_rule,
         "mta_sts": _mta_sts_rule, "tls_rpt": _tls_rpt_rule}
CONTROLS = ("starttls", "enforcement", "dnssec_domain", "dnssec_mx", "dane", "dane_verified", "mta_sts_enforce",
            "tls_rpt")  # required first, then recommended


def assess(report: dict) -> dict:
    """Which controls hold and which conditions occur: booleans, order-independent."""
    facts: dict = {}
    for protocol in PROTOCOLS:
        facts.update(RULES[protocol.name](_section(report, protocol.section), facts))
    facts["enforcement"] = facts["dane"] or facts["mta_sts_enforce"]
    return {
        "bounce": {name: facts[name] for name, _ in BOUNCE_CONDITIONS},
        "required": {"starttls_missing": not facts["starttls"], "no_enforcement": not facts["enforcement"]},
        "controls": {name: facts[name] for name in CONTROLS},
        "starttls_some": facts["starttls_some"], "dane_some": facts["dane_some"],
        "mta_sts_testing": facts["mta_sts_testing"],
    }


def _finding_keys(findings, severity) -> set:
    return {(f.get("code"), f.get("subject")) for f in findings if f.get("severity") == severity}


def raw_score(state: dict, findings: list) -> int:
    c = state["controls"]
    points = 0
    points += POINTS_STARTTLS_ALL if c["starttls"] else POINTS_STARTTLS_SOME if state["starttls_some"] else 0
    points += POINTS_DNSSEC_DOMAIN if c["dnssec_domain"] else 0
    points += POINTS_DNSSEC_MX if c["dnssec_mx"] else 0
    points += POINTS_DANE_ALL if c["dane"] else POINTS_DANE_SOME if state["dane_some"] else 0
    points += (POINTS_MTA_STS_ENFORCE if c["mta_sts_enforce"]
               else POINTS_MTA_STS_TESTING if state["mta_sts_testing"] else 0)
    points += POINTS_TLS_RPT if c["tls_rpt"] else 0
    deduction = (DEDUCTION_WARN * len(_finding_keys(findings, "warn"))
                 + DEDUCTION_FAIL * len(_finding_keys(findings, "fail")))
    return max(0, points - min(DEDUCTION_MAX, deduction))


def bounded_score(state: dict, findings: list) -> int:
    score = raw_score(state, findings)
    floors = [FLOOR_NO_BOUNCE]
    if state["controls"]["starttls"]:
        floors.append(FLOOR_STARTTLS)
    if not any(state["required"].values()):
        floors.append(FLOOR_REQUIRED_MET)
    score = max([score, *floors])
    complete = all(state["controls"].values()) and not _finding_keys(findings, "warn")
    caps = [100]
    if any(state["bounce"].values()):
        caps.append(CAP_BOUNCE_RISK)
    if state["required"]["starttls_missing"]:
        caps.append(CAP_NO_STARTTLS)
    if state["required"]["no_enforcement"]:
        caps.append(CAP_NO_ENFORCEMENT)
    if _finding_keys(findings, "fail"):
        caps.append(CAP_FAIL_FINDING)
    if not complete:
        caps.append(CAP_NOT_COMPLETE)
    return min([score, *caps])


def grade_for_score(score: int) -> str:
    for grade, lowest in GRADE_BANDS:
        if score >= lowest:
            return grade
    return "F"


def _sort_key(finding: dict, first_codes: dict, preferred: tuple = ()) -> tuple:
    code = finding.get("code")
    return (
        first_codes.get(code, len(first_codes)),
        SEVERITY_ORDER.get(finding.get("severity"), len(SEVERITY_ORDER)),
        preferred.index(code) if code in preferred else len(preferred),
        PROTOCOL_ORDER.get(finding.get("protocol"), len(PROTOCOL_ORDER)),
        str(finding.get("code") or ""),
        str(finding.get("subject") or ""),
        str(finding.get("detail") or ""),
    )


def _active_conditions(state: dict) -> list:
    active = [(name, codes) for name, codes in BOUNCE_CONDITIONS if state["bounce"][name]]
    active += [(name, codes) for name, codes in REQUIRED_CONDITIONS if state["required"][name]]
    return active


def _synthetic(name: str, code: str, report: dict) -> dict:
    """A finding for a condition the engine reported only through statuses."""
    protocol = code.split(".", 1)[0]
    return {"code": code, "severity": "fail", "protocol": protocol, "subject": report.get("domain"),
            "detail": _SYNTHETIC_DETAIL[name], "data": {"domain": report.get("domain"), "synthetic": True}}


_SYNTHETIC_DETAIL = {
    "dnssec_bogus": "DNSSEC validation of the domain fails",
    "mx_error": "the MX records could not be looked up",
    "mx_null_mixed": "a null MX is published together with other MX records",
    "mx_host_bogus": "the address records of an MX host fail DNSSEC validation",
    "mx_host_error": "the addresses of an MX host could not be looked up",
    "dane_tlsa_bogus": "a TLSA lookup fails DNSSEC validation",
    "dane_tlsa_error": "a TLSA lookup fails (timeout or server failure)",
    "dane_no_starttls": "an MX host publishes TLSA records but does not offer STARTTLS",
    "dane_mismatch": "no certificate an MX host presents matches its TLSA records",
    "mta_sts_uncovered": "the MTA-STS policy is in enforce mode but does not list every MX host",
    "mta_sts_bad_certificate": "the MTA-STS policy is in enforce mode but an MX certificate is not WebPKI-valid",
    "mta_sts_no_starttls": "the MTA-STS policy is in enforce mode but an MX host does not offer STARTTLS",
    "starttls_missing": "not every MX host offers STARTTLS with TLS 1.2 or newer",
    "no_enforcement": "neither DANE nor an enforcing MTA-STS policy protects the MX hosts",
}


def order_findings(report: dict, state: dict, findings: list) -> tuple[list, str | None]:
    """Findings sorted most important first, and the top finding's code.

    Grade-deciding conditions come first (bounce risks, then missing STARTTLS, in the
    fixed order above; a condition the engine did not name gets a synthetic finding),
    then by severity; without an enforcement mechanism the findings that say so lead
    their severity.
    """
    findings = list(findings)
    present = {f.get("code") for f in findings}
    first_codes: dict = {}
    bounce = any(state["bounce"].values())
    for name, codes in _active_conditions(state):
        # With mail already refused or deferred (e.g. no MX answer), a missing STARTTLS is a
        # consequence, not a second problem: say it only when the engine itself found it.
        synthesize = not bounce or name in state["bounce"]
        if synthesize and not present.intersection(codes):
            findings.append(_synthetic(name, codes[0], report))
            present.add(codes[0])
        for code in codes:
            first_codes.setdefault(code, len(first_codes))
    preferred = NO_ENFORCEMENT_CODES if state["required"]["no_enforcement"] else ()
    ordered = sorted(findings, key=lambda f: _sort_key(f, first_codes, preferred))
    top = None
    if ordered and (first_codes.get(ordered[0].get("code")) is not None
                    or ordered[0].get("severity") in ("fail", "warn")):
        top = ordered[0].get("code")
    return ordered, top


def _summary(grade: str, state: dict, top_title: str | None) -> str:
    if any(state["bounce"].values()):
        return f"Mail delivery is at risk: senders refuse or defer mail because of this: {top_title}."
    if state["required"]["starttls_missing"]:
        return "Required: not every mail server offers STARTTLS with TLS 1.2 or newer, so mail can travel unencrypted."
    if state["required"]["no_enforcement"]:
        return ("Required: STARTTLS works, but neither DANE nor an enforcing MTA-STS policy stops an "
                "attacker from stripping it.")
    c = state["controls"]
    missing = [label for key, label in (
        ("dnssec_domain", "DNSSEC on the domain"), ("dnssec_mx", "DNSSEC on the MX hosts' zones"),
        ("dane", "DANE on every MX"), ("mta_sts_enforce", "MTA-STS in enforce mode"),
        ("tls_rpt", "TLS-RPT")) if not c[key]]
    if c["dane"] and not c["dane_verified"]:
        missing.append("a verified DANE match on every MX")
    if grade == "A+":
        return "Every recommended control is in place and correct."
    if missing:
        return "Required controls are in place; recommended but missing: " + ", ".join(missing) + "."
    return "Every recommended control is in place; remaining findings cost a little."


def grade_report(report: dict, *, for_people: bool = True) -> dict:
    """The report with grade, score, grade_reason, top_finding and enriched, sorted findings.

    for_people=False leaves out the remediation texts (titles, explanations): for survey rows
    that keep only the summary columns, which read the findings' codes and severities."""
    from . import remediation

    enrich = remediation.enrich if for_people else (lambda finding, report: finding)
    # A shallow copy is enough: nothing here changes a nested value (the findings list is
    # rebuilt and enrich() copies each finding); a deep copy cost a tenth of a survey row.
    out = dict(report)
    findings = [f for f in (out.get("findings") or []) if isinstance(f, dict)]
    reason = not_gradable(out)
    if reason is not None:
        ordered = sorted(findings, key=lambda f: _sort_key(f, {}))
        out.update(grade=None, score=None, grade_reason=reason, top_finding=None,
                   findings=[enrich(f, out) for f in ordered])
        return out
    state = assess(out)
    score = bounded_score(state, findings)
    grade = grade_for_score(score)
    ordered, top = order_findings(out, state, findings)
    enriched = [enrich(f, out) for f in ordered]
    top_title = enriched[0].get("title") if enriched and top else None
    out.update(
        grade=grade, score=score, top_finding=top,
        grade_reason=_summary(grade, state, top_title),
        findings=enriched,
        grading={
            "controls": state["controls"],
            "bounce_risk": sorted(k for k, v in state["bounce"].items() if v),
            "required_missing": sorted(k for k, v in state["required"].items() if v),
        },
    )
    return out


# --- documentation helpers (docs/grading.md is generated from these) ------------------

_OPTIONAL_CODES = {
    "dnssec.nxdomain", "dnssec.resolver_not_validating", "mx.null", "mx.nxdomain",
    "mx.too_many", "mx.target_cname", "mx.implicit", "dane.record.not_recommended", "dane.match.not_tested",
    "mta_sts.mx.unused_pattern", "mta_sts.max_age.short", "mta_sts.record.warning", "mta_sts.policy.warning",
    "mta_sts.mode.none", "tls_rpt.rua.multiple", "tls_rpt.record.warning",
}


def code_level(code: str) -> str:
    """required / recommended / optional: where a finding code sits among the levels."""
    part = code.rsplit(".", 1)[-1]
    if code in _OPTIONAL_CODES or part in ("incomplete", "check_failed"):
        return "optional"
    if any(code in codes for _, codes in BOUNCE_CONDITIONS + REQUIRED_CONDITIONS):
        return "required"
    if code.startswith(("mta_sts.mx.", "dane.match.")) or code in NO_ENFORCEMENT_CODES:
        return "required"
    if code.startswith("mx."):
        return "optional" if not code.startswith("mx.target") else "required"
    return "recommended"


def code_effect(code: str, severities) -> str:
    """In words: what a finding with this code does to the grade."""
    for name, codes in BOUNCE_CONDITIONS:
        if code in codes:
            return f"F (score ≤ {CAP_BOUNCE_RISK}): senders refuse or defer mail; named top finding"
    effects = []
    if any(code in codes for _, codes in REQUIRED_CONDITIONS):
        effects.append(f"E at best (score ≤ {CAP_NO_STARTTLS}) while an MX lacks STARTTLS with TLS 1.2+")
    if code in NO_ENFORCEMENT_CODES:
        effects.append(f"D at best (score ≤ {CAP_NO_ENFORCEMENT}) while no enforcement mechanism holds")
    severities = set(severities)
    if "fail" in severities:
        effects.append(f"fail: −{DEDUCTION_FAIL} points, grade at most B")
    if "warn" in severities:
        effects.append(f"warn: −{DEDUCTION_WARN} points")
    if not effects:
        return "none (informational; points come from the report's statuses)"
    return "; ".join(effects)
