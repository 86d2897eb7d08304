"""What changed between two reports of one domain, in words. Pure: report dicts in, Changes out.

Every string in a report came from DNS, SMTP or HTTP: sentences here quote it as data and
the templates escape it. A report may be partial or from an older engine, so every access
tolerates missing keys (presenter.as_dict / as_list).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..presenter import as_dict, as_list
from . import sections

MAX_CHANGES = 200  # a hostile report with thousands of hosts still gives a readable page


@dataclass(frozen=True)
class Change:
    section: str               # "grade" or a section key (sections.SECTIONS)
    text: str                  # one sentence for people
    worse: bool = False        # the change makes mail less safe or less deliverable
    subject: str | None = None  # the host or name it is about
    code: str | None = None    # the finding code whose remediation fixes it (in the newer report)

    def as_dict(self) -> dict:
        return {"section": self.section, "text": self.text, "worse": self.worse, "subject": self.subject,
                "code": self.code}


def _short(value, length: int = 16) -> str:
    text = str(value)
    return text if len(text) <= length else text[:length] + "…"


def _name(host) -> str:
    return str(as_dict(host).get("name") or "").rstrip(".").lower()


def _by_name(part) -> dict:
    hosts = {}
    for host in as_list(as_dict(part).get("hosts")):
        name = _name(host)
        if name:
            hosts.setdefault(name, []).append(as_dict(host))
    return hosts


def compare(old: dict, new: dict) -> list[Change]:
    """Changes from `old` (the earlier report) to `new`, grade first, then by section."""
    old, new = as_dict(old), as_dict(new)
    changes: list[Change] = []
    _grade(changes, old, new)
    for key, label in sections.SECTIONS:
        before, after = sections.status(old, key), sections.status(new, key)
        if before != after and (before or after):
            changes.append(Change(key, f"{label}: the status changed from {before or 'unknown'} to "
                                       f"{after or 'unknown'}.", sections.worse(key, before, after)))
    _dnssec(changes, old, new)
    _mx(changes, old, new)
    _starttls(changes, old, new)
    _dane(changes, old, new)
    _mta_sts(changes, old, new)
    _tls_rpt(changes, old, new)
    _findings(changes, old, new)
    return changes[:MAX_CHANGES]


def _grade(changes, old, new):
    before, after = old.get("grade"), new.get("grade")
    if before == after:
        return
    if sections.grade_dropped(before, after):
        changes.append(Change("grade", f"The grade dropped from {before} to {after}.", True))
    elif before in sections.GRADE_RANK and after in sections.GRADE_RANK:
        changes.append(Change("grade", f"The grade rose from {before} to {after}."))
    else:
        changes.append(Change("grade", f"The grade changed from {before or 'none'} to {after or 'none'}.",
                              after is None and before is not None))


def _dnssec(changes, old, new):
    before, after = as_dict(old.get("dnssec")).get("ds_present"), as_dict(new.get("dnssec")).get("ds_present")
    if isinstance(before, bool) and isinstance(after, bool) and before != after:
        text = "A DS record is now published at the parent." if after else "The DS record at the parent is gone."
        changes.append(Change("dnssec", text, worse=not after))


def _mx(changes, old, new):
    before, after = _by_name(old.get("mx")), _by_name(new.get("mx"))
    for name in sorted(set(after) - set(before)):
        changes.append(Change("mx", f"MX host {name} was added.", subject=name))
    for name in sorted(set(before) - set(after)):
        changes.append(Change("mx", f"MX host {name} was removed.", subject=name))
    for name in sorted(set(before) & set(after)):
        was, now = before[name][0].get("dnssec"), after[name][0].get("dnssec")
        if was != now and (was or now):
            changes.append(Change("mx", f"The address records of {name} are now {now} (were {was}).",
                                  sections.worse("dnssec", was, now), name,
                                  "mx.host_bogus" if now == "bogus" else None))


def _starttls(changes, old, new):
    before, after = _by_name(old.get("starttls")), _by_name(new.get("starttls"))
    for name in sorted(set(before) & set(after)):
        was = {h.get("address"): h for h in before[name]}
        now = {h.get("address"): h for h in after[name]}
        for address in sorted(set(was) & set(now), key=str):
            a, b = was[address].get("status"), now[address].get("status")
            if a != b:
                changes.append(Change("starttls", f"{name} ({address}): STARTTLS is now {b} (was {a}).",
                                      a == "ok" and b != "ok", name,
                                      {"not-offered": "starttls.not_offered",
                                       "handshake-failed": "starttls.handshake_failed"}.get(b)))
            elif a == b == "ok" and was[address].get("tls_version") != now[address].get("tls_version"):
                changes.append(Change("starttls", f"{name} ({address}) now negotiates "
                                                  f"{now[address].get('tls_version')} (was "
                                                  f"{was[address].get('tls_version')}).", subject=name))
        _certificate(changes, name, before[name], after[name])


def _certificate(changes, name, before, after):
    def keys(hosts):
        return {as_dict(h.get("certificate")).get("spki_sha256") for h in hosts} - {None}

    def expiry(hosts):
        return {as_dict(h.get("certificate")).get("not_after") for h in hosts} - {None}

    was, now = keys(before), keys(after)
    if was and now and was != now:
        changes.append(Change("starttls", f"{name} now presents a different key (SHA-256 "
                                          f"{', '.join(_short(k) for k in sorted(now))}; was "
                                          f"{', '.join(_short(k) for k in sorted(was))}).", subject=name))
    elif was and now and expiry(before) != expiry(after) and expiry(after):
        changes.append(Change("starttls", f"{name} presents a renewed certificate with the same key, valid "
                                          f"until {', '.join(sorted(expiry(after)))}.", subject=name))
    valid_before = {as_dict(h.get("certificate")).get("webpki_valid") for h in before} - {None}
    valid_after = {as_dict(h.get("certificate")).get("webpki_valid") for h in after} - {None}
    if valid_before == {True} and False in valid_after:
        changes.append(Change("starttls", f"{name} now presents a certificate that is not valid for its name "
                                          "or not from a trusted CA.", True, name, "starttls.certificate_invalid"))


def _dane(changes, old, new):
    before, after = _by_name(old.get("dane")), _by_name(new.get("dane"))
    for name in sorted(set(before) & set(after)):
        was, now = before[name][0], after[name][0]
        if was.get("tlsa") != now.get("tlsa"):
            changes.append(Change("dane", f"{name}: its TLSA records are now {now.get('tlsa')} (were "
                                          f"{was.get('tlsa')}).", was.get("tlsa") == "valid", name,
                                  {"bogus": "dane.tlsa.bogus", "none": "dane.tlsa.missing",
                                   "insecure": "dane.tlsa.insecure", "error": "dane.tlsa.error",
                                   "unusable": "dane.tlsa.unusable", "invalid": "dane.tlsa.malformed"}
                                  .get(now.get("tlsa"))))
        records_before = set(map(str, as_list(was.get("records"))))
        records_after = set(map(str, as_list(now.get("records"))))
        for record in sorted(records_after - records_before):
            changes.append(Change("dane", f"{name}: TLSA record {_short(record, 24)} was added.", subject=name))
        for record in sorted(records_before - records_after):
            changes.append(Change("dane", f"{name}: TLSA record {_short(record, 24)} was removed.", subject=name))
        a, b = was.get("match"), now.get("match")
        if a == "pass" and b == "fail":
            changes.append(Change("dane", f"{name} now presents a certificate whose key matches no TLSA record.",
                                  True, name, "dane.match.fail"))
        elif a == "fail" and b == "pass":
            changes.append(Change("dane", f"{name} presents a certificate that matches its TLSA records again.",
                                  subject=name))
        elif a != b and a and b:
            changes.append(Change("dane", f"{name}: the TLSA match is now {b} (was {a}).", subject=name))
    for name in sorted(set(after) - set(before)):
        tlsa = after[name][0].get("tlsa")
        if tlsa not in (None, "none"):
            changes.append(Change("dane", f"{name} (new MX host) has TLSA records: {tlsa}.", subject=name))


def _mta_sts(changes, old, new):
    was, now = as_dict(old.get("mta_sts")), as_dict(new.get("mta_sts"))
    rec_was, rec_now = as_dict(was.get("record")), as_dict(now.get("record"))
    pol_was, pol_now = as_dict(was.get("policy")), as_dict(now.get("policy"))
    id_was, id_now = rec_was.get("id"), rec_now.get("id")
    if id_was != id_now and (id_was or id_now):
        changes.append(Change("mta_sts", f"The _mta-sts record's id changed from {_short(id_was, 32)} to "
                                         f"{_short(id_now, 32)}."))
    if pol_was.get("mode") != pol_now.get("mode") and (pol_was.get("mode") or pol_now.get("mode")):
        order = {"enforce": 0, "testing": 1, "none": 2}
        changes.append(Change("mta_sts", f"The policy mode changed from {pol_was.get('mode') or 'none'} to "
                                         f"{pol_now.get('mode') or 'none'}.",
                              order.get(pol_now.get("mode"), 3) > order.get(pol_was.get("mode"), 3)))
    mx_was, mx_now = set(map(str, as_list(pol_was.get("mx")))), set(map(str, as_list(pol_now.get("mx"))))
    for pattern in sorted(mx_now - mx_was):
        changes.append(Change("mta_sts", f"The policy now lists mx: {_short(pattern, 64)}."))
    for pattern in sorted(mx_was - mx_now):
        changes.append(Change("mta_sts", f"The policy no longer lists mx: {_short(pattern, 64)}."))
    hash_was, hash_now = pol_was.get("sha256"), pol_now.get("sha256")
    if hash_was and hash_now and hash_was != hash_now:
        changes.append(Change("mta_sts", "The policy file changed."))
    if pol_was.get("fetch_error") != pol_now.get("fetch_error") and pol_now.get("fetch_error"):
        changes.append(Change("mta_sts", f"The policy can no longer be fetched ({pol_now.get('fetch_error')}).",
                              True, f"mta-sts.{new.get('domain')}", f"mta_sts.policy.{pol_now.get('fetch_error')}"))
    unc_was = set(map(str, as_list(as_dict(was.get("mx_coverage")).get("uncovered"))))
    unc_now = set(map(str, as_list(as_dict(now.get("mx_coverage")).get("uncovered"))))
    for name in sorted(unc_now - unc_was):
        changes.append(Change("mta_sts", f"MX host {name} is not covered by the policy's mx lines.",
                              pol_now.get("mode") == "enforce", name, "mta_sts.mx.uncovered"))


def _tls_rpt(changes, old, new):
    was = set(map(str, as_list(as_dict(old.get("tls_rpt")).get("rua"))))
    now = set(map(str, as_list(as_dict(new.get("tls_rpt")).get("rua"))))
    for uri in sorted(now - was):
        changes.append(Change("tls_rpt", f"TLS reports now also go to {_short(uri, 80)}."))
    for uri in sorted(was - now):
        changes.append(Change("tls_rpt", f"TLS reports no longer go to {_short(uri, 80)}."))


def _key(finding) -> tuple:
    finding = as_dict(finding)
    return (finding.get("code"), str(finding.get("subject") or "").rstrip(".").lower() or None)


def _findings(changes, old, new):
    """New and resolved problems (fail/warn findings) that no sentence above already covers."""
    covered = {(change.code, change.subject) for change in changes if change.code}

    def problems(report):
        found = {}
        for finding in as_list(report.get("findings")):
            finding = as_dict(finding)
            if finding.get("severity") in ("fail", "warn") and isinstance(finding.get("code"), str):
                found.setdefault(_key(finding), finding)
        return found

    was, now = problems(old), problems(new)
    for key in sorted(set(now) - set(was), key=lambda k: (str(k[0]), str(k[1]))):
        if key in covered:
            continue
        finding = now[key]
        title = finding.get("title") or key[0]
        protocol = finding.get("protocol") if finding.get("protocol") in sections.LABELS else "grade"
        changes.append(Change(protocol, f"New {'problem' if finding.get('severity') == 'fail' else 'warning'}: "
                                        f"{title}" + (f" ({key[1]})" if key[1] else "") + ".",
                              True, key[1], key[0]))
    for key in sorted(set(was) - set(now), key=lambda k: (str(k[0]), str(k[1]))):
        finding = was[key]
        protocol = finding.get("protocol") if finding.get("protocol") in sections.LABELS else "grade"
        changes.append(Change(protocol, f"Resolved: {finding.get('title') or key[0]}"
                                        + (f" ({key[1]})" if key[1] else "") + ".", subject=key[1]))
