"""Fix texts for the two alerts that no engine finding carries (the rest come from
checker/remediation_texts.py through checker/remediation.py). Same shape as that catalogue."""
from .. import remediation

CATALOGUE = {
    "monitor.mta_sts.id_unchanged": {
        "title": "MTA-STS policy changed without a new id",
        "fix": "Publish a new id in the _mta-sts TXT record (below) every time the policy file changes; senders "
               "fetch the file again only when the id changes.",
        "references": ["RFC 8461 3.1", "RFC 8461 3.3"],
    },
    "monitor.dnssec.rrsig_expiring": {
        "title": "DNSSEC signatures about to expire",
        "fix": "Check that the signer of {domain} is running and re-signs the zone (automatic signing in Knot, "
               "BIND's dnssec-policy, or your DNS provider's), and that the signed zone reaches every "
               "authoritative server. Signatures must be renewed well before their expiration.",
        "references": ["RFC 4034 3.1.5", "RFC 6781 4.4.2"],
    },
}


def render(code: str, report: dict) -> str:
    domain = str(report.get("domain") or "the domain")
    return CATALOGUE[code]["fix"].replace("{domain}", domain)


def records(code: str, report: dict) -> tuple:
    if code == "monitor.mta_sts.id_unchanged" and report.get("domain"):
        return (remediation.mta_sts_txt_record(str(report["domain"])),)
    return ()
