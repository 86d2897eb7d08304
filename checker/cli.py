"""The checkdomain command line: `python manage.py checkdomain DOMAIN [--json]` (README).

Exit status: 0 when a report was produced (whatever the grade), 2 for input that is not a
domain (one line on stderr), 1 when the checker's own configuration is unusable.

A resolver that does not validate DNSSEC (CHECKER_RESOLVER) still gives a report, with
DNSSEC statuses `error` (never `insecure`, RFC 6840 5.7); a warning line on stderr says so
in both output modes, so that --json users see it too.

This module imports no Django machinery but the settings: manage.py runs `checkdomain
DOMAIN [--json]` through main() without django.setup() (a check needs no models, URLs or
django-rq: they were two thirds of the start-up), and the management command
(checker/management/commands/checkdomain.py) calls the same run() for every other form.
"""
import argparse
import json
import sys

from checker.engine.config import ConfigError, EngineConfig
from checker.engine.names import InvalidDomain
from checker.engine.registry import PROTOCOLS
from checker.presenter import HIDDEN, visible

HELP = "Check the mail transport security of DOMAIN (DNSSEC, MX, STARTTLS, DANE, MTA-STS, TLS-RPT)."
MARKS = {"fail": "FAIL", "warn": "WARN", "info": "info", "pass": " ok "}


def add_arguments(parser):
    parser.add_argument("domain", help="domain, mail address or URL (e.g. example.fi)")
    parser.add_argument("--json", action="store_true", help="print the report contract JSON")


def engine_config():
    from django.conf import settings

    error = getattr(settings, "CHECKER_CONFIG_ERROR", None)
    if error:
        raise ConfigError(error)
    config = getattr(settings, "CHECKER_CONFIG", None)
    return config if config is not None else EngineConfig.from_env()


def run(domain: str, as_json: bool, out, err) -> int:
    """Check `domain`, write the report to `out` (lines to `err`); the exit status."""
    from checker.pipeline import full_report

    try:
        config = engine_config()
    except ConfigError as exc:
        err.write(f"checkdomain: configuration error: {exc}\n")
        return 1
    try:
        report = full_report(domain, config)
    except InvalidDomain as exc:
        err.write(f"checkdomain: {exc}\n")
        return 2
    if (report.get("dnssec") or {}).get("resolver_validates") is False:
        err.write("checkdomain: warning: the configured resolver does not validate DNSSEC "
                  "(no AD for the root DNSKEY); DNSSEC results are errors. Set CHECKER_RESOLVER "
                  "to a validating resolver.\n")
    text = render_json(report) if as_json else render_text(report)
    out.write(text if text.endswith("\n") else text + "\n")
    return 0


def fast_path(argv: list[str]) -> bool:
    """True for the plain forms `checkdomain DOMAIN [--json]` that main() runs without
    django.setup(); any other option (--settings, --traceback, -h ...) goes through Django."""
    args = argv[2:]
    return (argv[1:2] == ["checkdomain"] and 1 <= len(args) <= 2
            and sum(not a.startswith("-") for a in args) == 1 and all(a == "--json" for a in args
                                                                      if a.startswith("-")))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="manage.py checkdomain", description=HELP)
    add_arguments(parser)
    options = parser.parse_args(argv[2:])
    return run(options.domain, options.json, sys.stdout, sys.stderr)


def render_json(report: dict) -> str:
    """The contract JSON. json.dumps escapes C0 controls itself; C1 controls (CSI), bidi
    overrides and the other HIDDEN characters become \\u escapes too (same JSON value),
    so the output is safe to print on a terminal."""
    text = json.dumps(report, indent=2, ensure_ascii=False)
    return HIDDEN.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def _line(label, value):
    return f"  {label:<13} {value}"


def _section_lines(name, label, section) -> list[str]:
    section = section or {}
    lines = [f"{label}: {section.get('status', '-')}"]
    if name == "dnssec":
        lines.append(_line("DS at parent", "yes" if section.get("ds_present") else "no"))
        if section.get("reason"):
            lines.append(_line("reason", section["reason"]))
    elif name == "mx":
        for host in section.get("hosts") or []:
            addresses = ", ".join(host.get("addresses") or []) or "no addresses"
            lines.append(_line(f"{host.get('preference')}", f"{host.get('name')}  [{addresses}]  "
                               f"dnssec {host.get('dnssec')}"))
    elif name == "starttls":
        for host in section.get("hosts") or []:
            cert = host.get("certificate") or {}
            webpki = ""
            if cert:
                webpki = "  WebPKI ok" if cert.get("webpki_valid") else f"  WebPKI: {cert.get('webpki_error')}"
            lines.append(_line(host.get("status", "-"), f"{host.get('name')} {host.get('address')} "
                               f"{host.get('tls_version') or ''}{webpki}"))
    elif name == "dane":
        lines.append(_line("verified", section.get("verified", "-")))
        for host in section.get("hosts") or []:
            lines.append(_line(host.get("tlsa", "-"), f"{host.get('name')}  match {host.get('match')}"))
    elif name == "mta_sts":
        record = section.get("record") or {}
        policy = section.get("policy") or {}
        lines.append(_line("record", f"{record.get('status')}  id={record.get('id')}"))
        lines.append(_line("policy host", (section.get("policy_host") or {}).get("status")))
        fetch = f" ({policy.get('fetch_error')})" if policy.get("fetch_error") else ""
        lines.append(_line("policy", f"{policy.get('status')}{fetch}  mode={policy.get('mode')} "
                                     f"max_age={policy.get('max_age')}"))
        coverage = section.get("mx_coverage") or {}
        if coverage.get("uncovered"):
            lines.append(_line("not covered", ", ".join(coverage["uncovered"])))
    elif name == "tls_rpt":
        if section.get("rua"):
            lines.append(_line("rua", ", ".join(section["rua"])))
    return lines


def render_text(report: dict) -> str:
    grade = report.get("grade")
    head = f"{report.get('domain')}  grade {grade} ({report.get('score')}/100)" if grade else \
        f"{report.get('domain')}  not graded"
    out = [head, f"checked {report.get('checked_at')} in {report.get('duration_ms')} ms", ""]
    for protocol in PROTOCOLS:
        name = protocol.section
        out.extend(_section_lines(name, protocol.label, report.get(name)))
        findings = [f for f in report.get("findings") or [] if f.get("protocol") == name]
        for finding in findings:
            title = finding.get("title") or finding.get("code")
            out.append(f"  [{MARKS.get(finding.get('severity'), '?')}] {title}: {finding.get('detail')}")
            if finding.get("severity") in ("fail", "warn") and finding.get("remediation"):
                lines = str(finding["remediation"]).strip().splitlines()
                out.extend(("         fix: " if i == 0 else "         ") + line for i, line in enumerate(lines))
        out.append("")
    # Everything may come from DNS, SMTP or HTTP: no control character (ESC, CR, ...), bidi
    # override or stray newline reaches the terminal, each output line is one line.
    return "\n".join(visible(str(line), newlines=False) for line in out).rstrip() + "\n"
