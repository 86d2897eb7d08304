"""The remediation catalogue: finding code -> title, explanation, fix, references, records.

Plain data, no logic. `fix` may use {domain}, {subject}, {mx_list}, {reason}, {cause}, {code}
({reason} is the resolver's Extended DNS Error, {cause} what usually causes it), and the
MTA-STS facts {policy_url}, {policy_path}, {max_age_enforce} (their one home is
checker/engine/mta_sts/policy.py).
`records` names the ready-to-copy lines checker/remediation.py derives from the report:
"tlsa" (3 1 1 of the served keys), "tlsa_next" (a template for the next key), "mta_sts" (TXT record and
both policy files), "mta_sts_enforce" (the enforce policy and a new TXT record), "mta_sts_txt",
"mta_sts_policy" (a corrected policy and a new TXT record), "mta_sts_missing_txt", "tls_rpt" or "" (none).
Explanations are for a domain operator, not for an RFC reader.
"""

NOTHING = "Nothing to do."


def _e(title, explanation, fix, references, records=""):
    return {"title": title, "explanation": explanation, "fix": fix, "references": list(references),
            "records": records}


GENERIC = _e(
    "Check result",
    "The checker noted something about how this domain receives mail securely.",
    "See the detail of this finding ({code}) and the references.",
    ["thesis 6.1"],
)

_TLSA_FIX = (
    "Publish a TLSA record for every MX host, in that host's DNSSEC-signed zone. The form 3 1 1 "
    "(DANE-EE, public key, SHA-256) pins the server's key and survives certificate renewals that keep "
    "the key. Before you ever change a server's key, publish the next key's 3 1 1 record next to the current one, wait at least two TTLs, "
    "then switch the key, and only then remove the old record."
)
_STS_HOST = (
    "The policy host mta-sts.{domain} needs an A/AAAA record, an HTTPS certificate valid for "
    "mta-sts.{domain} from a public CA, and must answer GET {policy_path} with 200 OK, "
    "Content-Type text/plain, and no redirect."
)

CATALOGUE: dict[str, dict] = {
    # --- DNSSEC -------------------------------------------------------------------------
    "dnssec.secure": _e(
        "DNSSEC is on", "The domain is signed and validates, so senders can trust its MX, TLSA and other records.",
        NOTHING, ["RFC 4033", "thesis 6.1.1"]),
    "dnssec.insecure": _e(
        "DNSSEC is off",
        "Without DNSSEC, an attacker who can answer DNS queries can hand senders a different mail server. "
        "DANE cannot work without it.",
        "Sign the zone {domain} (most DNS hosts offer this with one switch) and publish the DS record they "
        "give you at your registrar.",
        ["RFC 4033", "RFC 4035", "thesis 6.1.1"]),
    "dnssec.unsupported_algorithm": _e(
        "DNSSEC algorithm not supported by validators",
        "A DS record exists, but the zone is signed with an algorithm or digest that validating resolvers "
        "do not support, so they treat the domain as unsigned.",
        "Re-sign {domain} with ECDSA P-256 (algorithm 13) or Ed25519 (15), replace the DS at the registrar "
        "(digest type 2, SHA-256), and remove the old DS once the new one is visible.",
        ["RFC 8624 3.1", "RFC 6781 4.1.4", "thesis 6.1.1"]),
    "dnssec.bogus": _e(
        "DNSSEC validation fails: mail is not delivered",
        "The domain is signed, but validating resolvers reject its records. Senders that validate (most big "
        "providers) cannot look up your MX records and defer, then bounce, your mail.",
        "Validating resolver said: {reason}. Most likely {cause}. (The two usual causes are a DS record at the "
        "registrar that no longer matches the zone's key, and expired signatures.) Fix the DS at the registrar, or re-sign "
        "the zone; if you cannot fix it quickly, remove the DS at the registrar to go back to unsigned.",
        ["RFC 4035 5.5", "RFC 8914 4", "RFC 6781 4.1.4", "thesis 6.1.1"]),
    "dnssec.error": _e(
        "DNSSEC status unknown",
        "The DNS servers of the domain did not answer properly (timeout or server failure), so neither we "
        "nor senders could check the signatures.",
        "Check that every name server listed for {domain} answers queries for the zone (no lame delegation).",
        ["RFC 4035 5", "RFC 1034 4.2"]),
    "dnssec.nxdomain": _e(
        "Domain does not exist", "The domain is not in DNS, so it cannot receive mail.",
        "Check the spelling, or register and delegate the domain.", ["RFC 1034 3.1"]),
    "dnssec.resolver_not_validating": _e(
        "The checker's resolver does not validate DNSSEC",
        "The checker's DNS resolver does not check signatures, so DNSSEC and DANE results of this check "
        "cannot be trusted. This is a problem of the checker, not of the domain.",
        "Operators of this checker: set CHECKER_RESOLVER to a validating resolver.", ["RFC 4035 4.9"]),
    "dnssec.incomplete": _e(
        "DNSSEC check did not finish", "The DNSSEC check ran out of time; its result is missing.",
        "Run the check again; if it keeps timing out, check that the domain's name servers answer quickly.",
        ["RFC 1034 4.3.1"]),
    "dnssec.check_failed": _e(
        "DNSSEC check failed internally", "The checker itself failed while checking DNSSEC.",
        "Run the check again; this is a checker fault, not yours.", ["RFC 4033"]),

    # --- MX ---------------------------------------------------------------------------------
    "mx.present": _e("MX records found", "The domain names its mail servers with MX records.", NOTHING,
                     ["RFC 5321 5.1"]),
    "mx.implicit": _e(
        "No MX record",
        "Without an MX record senders deliver to the address of {domain} itself. That works, but MTA-STS "
        "and DANE are easier to reason about with explicit MX records.",
        "Publish an MX record naming the host that receives the mail now, the domain itself: "
        "{domain}. IN MX 10 {domain}. (or the name of your mail server, if it has another).",
        ["RFC 5321 5.1"]),
    "mx.no_mail_host": _e(
        "The domain cannot receive mail",
        "There is neither an MX record nor an address for {domain}; senders have nowhere to deliver.",
        "If the domain should receive mail, publish MX records. If it should not, say so with a null MX: "
        "{domain}. IN MX 0 .",
        ["RFC 5321 5.1", "RFC 7505 3"]),
    "mx.null": _e(
        "The domain accepts no mail (null MX)",
        "The domain declares with a null MX that it receives no mail. Mail transport security does not apply.",
        NOTHING, ["RFC 7505 3"]),
    "mx.null_preference": _e(
        "MX to \".\" with a preference other than 0: not a null MX",
        "A null MX is exactly one MX record with preference 0 and the target \".\". With another preference it "
        "is not a null MX, and \".\" is no host senders could deliver to, so they defer or bounce the mail.",
        "If the domain accepts no mail, publish {domain}. IN MX 0 . instead; if it does, publish MX records "
        "naming its mail servers.", ["RFC 7505 3"]),
    "mx.null_mixed": _e(
        "Null MX mixed with real MX records: mail may bounce",
        "A null MX says 'no mail here', but other MX records say the opposite. Senders disagree on what to "
        "do, and many bounce the mail.",
        "Remove the 'MX 0 .' record if the domain receives mail, or remove all other MX records if it does not.",
        ["RFC 7505 3", "RFC 7505 4.3"]),
    "mx.nxdomain": _e(
        "Domain does not exist", "The domain is not in DNS, so it cannot receive mail.",
        "Check the spelling, or register and delegate the domain.", ["RFC 1034 3.1"]),
    "mx.error": _e(
        "MX records cannot be looked up: mail is deferred",
        "Senders could not get the MX records (timeout, server failure or a DNSSEC failure); they keep the "
        "mail queued and bounce it after a few days.",
        "Make every name server of {domain} answer MX queries; if DNSSEC fails, fix the DS or signatures "
        "(see the DNSSEC finding).",
        ["RFC 5321 5.1", "RFC 4035 5.5"]),
    "mx.target_cname": _e(
        "MX points to an alias (CNAME)",
        "MX records must name a host with its own address records, not an alias; some senders refuse, and "
        "DANE and MTA-STS then apply to a name you may not expect.",
        "Point the MX at the canonical host name ({subject} is an alias).", ["RFC 5321 5.1", "RFC 2181 10.3",
                                                                             "RFC 7672 2.2.3"]),
    "mx.target_unresolvable": _e(
        "MX host has no address",
        "The MX host {subject} has no A or AAAA record, so senders cannot connect to it.",
        "Publish A/AAAA records for {subject}, or remove it from the MX records.", ["RFC 5321 5.1"]),
    "mx.target_ip_literal": _e(
        "MX points to an IP address",
        "MX records must contain host names; an address there is looked up as a (nonexistent) name.",
        "Replace it with the host name of the server, and give that name an A/AAAA record.",
        ["RFC 5321 5.1", "RFC 7505 3"]),
    "mx.too_many": _e(
        "More than 10 MX hosts",
        "Only the first 10 MX hosts by preference were checked; senders also try a limited number.",
        "Keep the MX set small; every host must meet the same TLS, DANE and MTA-STS requirements.",
        ["RFC 5321 5.1"]),
    "mx.host_lookup_error": _e(
        "MX host address lookup failed",
        "The addresses of {subject} could not be looked up (timeout or server failure); senders may skip it.",
        "Make the name servers of {subject}'s zone answer A and AAAA queries.", ["RFC 5321 5.1"]),
    "mx.host_bogus": _e(
        "MX host fails DNSSEC validation: mail to it is deferred",
        "The address records of {subject} are signed but do not validate, so validating senders cannot "
        "connect to it.",
        "Resolver said: {reason}. Most likely {cause}. Whoever runs the DNS of {subject}'s zone (often your "
        "mail provider) must fix the DS at its registrar or re-sign the zone; until then, point the MX "
        "record at a host whose DNS validates.",
        ["RFC 4035 5.5", "thesis 6.1.1"]),
    "mx.incomplete": _e("MX check did not finish", "The MX lookup ran out of time; the result is missing.",
                        "Run the check again; check that the name servers answer quickly.", ["RFC 5321 5.1"]),
    "mx.check_failed": _e("MX check failed internally", "The checker itself failed while checking MX records.",
                          "Run the check again; this is a checker fault, not yours.", ["RFC 5321 5.1"]),

    # --- STARTTLS ----------------------------------------------------------------------------
    "starttls.supported": _e(
        "STARTTLS with TLS 1.2+", "{subject} offers STARTTLS and completes a TLS 1.2 or newer handshake.",
        NOTHING, ["RFC 3207", "RFC 8996"]),
    "starttls.not_offered": _e(
        "No STARTTLS: mail travels unencrypted",
        "{subject} does not offer STARTTLS, so every sender hands it mail in clear text that anyone on the path "
        "can read.",
        "Enable STARTTLS in the mail server (in Postfix: smtpd_tls_security_level = may, with smtpd_tls_chain_files "
        "pointing at a key and a certificate for {subject}).", ["RFC 3207 4", "thesis 2.4.3", "thesis 6.1.5"]),
    "starttls.handshake_failed": _e(
        "STARTTLS offered but the TLS handshake fails",
        "{subject} advertises STARTTLS but the handshake breaks; most senders then retry in clear text, and "
        "DANE or MTA-STS senders do not deliver at all.",
        "Check the server's TLS configuration: certificate and key files readable and matching, TLS 1.2 and "
        "1.3 enabled, common cipher suites allowed.", ["RFC 3207 4.1", "RFC 8996"]),
    "starttls.tls_version_old": _e(
        "TLS older than 1.2",
        "{subject} negotiates TLS 1.0 or 1.1, which are deprecated and broken.",
        "Enable TLS 1.2 and 1.3 on {subject} (Postfix: smtpd_tls_protocols = >=TLSv1.2 once senders allow).",
        ["RFC 8996 4", "RFC 8996 5"]),
    "starttls.unreachable": _e(
        "MX host unreachable",
        "We could not open an SMTP connection to {subject} on port 25. Senders cannot either, or our network "
        "path is blocked.",
        "Check that {subject} listens on port 25 and that no firewall blocks it; remove MX records of servers "
        "that are gone.", ["RFC 5321 4.5.4.1", "RFC 3207"]),
    "starttls.smtp_error": _e(
        "SMTP dialogue broke before STARTTLS",
        "{subject} rejected the connection or sent a malformed or oversized reply before TLS could start.",
        "Check the server's banner and EHLO reply (a 220 greeting, a 250 EHLO answer with fewer than 100 lines).",
        ["RFC 5321 4.2", "RFC 5321 4.3.1"]),
    "starttls.refused_address": _e(
        "MX address not public",
        "{subject} has an address that is not reachable from the internet (private or reserved), so we did "
        "not contact it; senders on the internet cannot reach it either.",
        "Publish the public address of the mail server in the A/AAAA records of {subject}.", ["RFC 6890",
                                                                                              "RFC 5321 5.1"]),
    "starttls.no_address": _e(
        "MX host without address", "{subject} has no A or AAAA record, so there is nothing to connect to.",
        "Publish its A/AAAA records or remove it from the MX set.", ["RFC 5321 5.1"]),
    "starttls.mx_error": _e(
        "STARTTLS not checked: the MX lookup failed",
        "Without the MX records there is no mail server to probe; senders cannot deliver either (see the MX "
        "finding).",
        "Fix the MX lookup first (see the MX and DNSSEC findings), then check again.", ["RFC 5321 5.1"]),
    "starttls.addresses_capped": _e(
        "Not every address probed",
        "{subject} has more addresses than senders usually try; we probed the first few and skipped the rest.",
        "Nothing to do if every address runs the same mail server; otherwise make sure all of them offer "
        "STARTTLS with the same certificate.", ["RFC 5321 5.1"]),
    "starttls.certificate.valid": _e(
        "Certificate valid", "The certificate of {subject} is from a trusted CA and names the host.", NOTHING,
        ["RFC 8461 4.2", "RFC 6125 6"]),
    "starttls.certificate.untrusted": _e(
        "Certificate not from a trusted CA",
        "The certificate of {subject} does not chain to a public CA (self-signed, private CA, or the "
        "intermediate is missing). DANE-EE does not care, but MTA-STS senders refuse it.",
        "Install a certificate from a public CA (e.g. Let's Encrypt) with the full chain (leaf and "
        "intermediate). If the key changes, publish the new key's TLSA record first.",
        ["RFC 8461 4.2", "RFC 7672 3.1.1"], "tlsa"),
    "starttls.certificate.name_mismatch": _e(
        "Certificate does not name the MX host",
        "The certificate of {subject} does not contain that name, so MTA-STS senders refuse it.",
        "Get a certificate whose names include {subject} (the MX host name, not only the domain).",
        ["RFC 8461 4.2", "RFC 6125 6.4"]),
    "starttls.certificate.expired": _e(
        "Certificate expired or not yet valid",
        "The certificate of {subject} is outside its validity period; MTA-STS senders refuse it.",
        "Renew the certificate and automate renewal; keep the key (or publish the new key's TLSA record first) "
        "so DANE keeps matching.", ["RFC 5280 4.1.2.5", "RFC 8461 4.2", "RFC 7671 8.1"]),
    "starttls.certificate.malformed": _e(
        "Certificate cannot be parsed", "{subject} sent a certificate we could not parse.",
        "Install a standard X.509 certificate from a public CA.", ["RFC 5280 4.1"]),
    "starttls.incomplete": _e(
        "STARTTLS check did not finish", "The connection tests to the mail servers ran out of time.",
        "Run the check again; if it repeats, check that port 25 of every MX answers promptly.", ["RFC 3207"]),
    "starttls.check_failed": _e(
        "STARTTLS check failed internally", "The checker itself failed while testing the mail servers.",
        "Run the check again; this is a checker fault, not yours.", ["RFC 3207"]),

    # --- DANE ---------------------------------------------------------------------------------
    "dane.all": _e("DANE on every MX", "Every MX host publishes DNSSEC-signed TLSA records.", NOTHING,
                   ["RFC 7672", "thesis 6.1.2"]),
    "dane.partial": _e(
        "DANE on some MX hosts only",
        "Some MX hosts have TLSA records and some do not. An attacker can steer mail to an unprotected one.",
        _TLSA_FIX, ["RFC 7672 2.2", "thesis 6.1.2"], "tlsa"),
    "dane.none": _e(
        "No DANE",
        "No MX host publishes TLSA records, so senders that support DANE cannot check they reach your real "
        "server; an attacker on the path can strip or intercept TLS.",
        "Sign the zones of your MX hosts with DNSSEC if they are not, then: " + _TLSA_FIX,
        ["RFC 7672 3.1", "RFC 7671 5.1", "thesis 6.1.2"], "tlsa"),
    "dane.invalid": _e(
        "TLSA records published but none usable",
        "TLSA records exist but none is both DNSSEC-secure and usable for SMTP, so DANE protects nothing.",
        "The per-host DANE findings say why (unsigned zone, failing DNSSEC, or unusable records); fix that, "
        "replacing unusable records where needed. " + _TLSA_FIX,
        ["RFC 7672 2.2", "RFC 7671 5.1", "thesis 6.1.2"], "tlsa"),
    "dane.error": _e(
        "TLSA lookups failed",
        "The TLSA records of the MX hosts could not be looked up; DANE senders defer mail when this happens "
        "on a signed zone.",
        "Make the name servers of the MX hosts' zones answer TLSA queries (some old servers fail on unknown "
        "types).", ["RFC 7672 2.2", "RFC 3597"]),
    "dane.mx_error": _e(
        "DANE not checked: the MX lookup failed",
        "Without the MX records there are no mail servers whose TLSA records could be looked up; senders "
        "cannot deliver either (see the MX finding).",
        "Fix the MX lookup first (see the MX and DNSSEC findings), then check again.",
        ["RFC 7672 2.2.1"]),
    "dane.tlsa.missing": _e(
        "MX host without TLSA record",
        "{subject} has no TLSA record, so DANE senders cannot authenticate it.",
        "Publish a 3 1 1 TLSA record for {subject} in its DNSSEC-signed zone. Before the server's key ever "
        "changes, publish the next key's record next to it and wait two TTLs.",
        ["RFC 7672 3.1", "RFC 7671 5.1", "thesis 6.1.2"], "tlsa"),
    "dane.tlsa.insecure": _e(
        "TLSA records in an unsigned zone",
        "The TLSA records of {subject} are not DNSSEC-signed, so senders ignore them.",
        "Sign the zone holding _25._tcp.{subject} and publish its DS at the parent; the records below are "
        "what the zone should contain once signed (check they match).",
        ["RFC 7672 2.2", "RFC 4035", "thesis 6.1.2"], "tlsa"),
    "dane.tlsa.bogus": _e(
        "TLSA lookup fails DNSSEC validation: mail is deferred",
        "The TLSA answer for {subject} does not validate; DANE senders treat that MX as unusable and defer "
        "the mail.",
        "Fix the DNSSEC chain of {subject}'s zone (DS at the registrar, expired signatures); the resolver "
        "reports {reason}.", ["RFC 7672 2.1.1", "RFC 4035 5.5", "RFC 8914 4"]),
    "dane.tlsa.error": _e(
        "TLSA lookup failed",
        "The TLSA query for {subject} timed out or failed; DANE senders defer mail to a host whose TLSA "
        "lookup fails in a signed zone.",
        "Make the name servers of {subject}'s zone answer TLSA queries (NODATA when there are none).",
        ["RFC 7672 2.2", "RFC 3597"]),
    "dane.tlsa.malformed": _e(
        "TLSA record cannot be parsed",
        "A TLSA record of {subject} is malformed, so senders cannot use it.",
        "Replace it. " + _TLSA_FIX, ["RFC 6698 2.1", "RFC 7671 5.1"], "tlsa"),
    "dane.tlsa.unusable": _e(
        "No TLSA record usable for SMTP",
        "The signed TLSA set of {subject} has no record SMTP senders use (for example PKIX-TA/PKIX-EE usages "
        "0 and 1, or wrong data lengths). Senders then still insist on TLS but cannot authenticate.",
        "Replace them with DANE-EE (3 1 1) or DANE-TA (2 1 1) records. " + _TLSA_FIX,
        ["RFC 7672 3.1.3", "RFC 7671 5.1"], "tlsa"),
    "dane.record.unusable": _e(
        "TLSA record ignored by senders",
        "One TLSA record of {subject} uses a usage, selector or matching type SMTP senders ignore, or its data "
        "has the wrong length.",
        "Remove it, and keep (or add) a 3 1 1 record.", ["RFC 7672 3.1.3", "RFC 7671 5.1"], "tlsa"),
    "dane.record.not_recommended": _e(
        "TLSA record not in the recommended 3 1 1 form",
        "The records work, but 3 1 1 (DANE-EE, public key, SHA-256) is the form that is simplest to operate: "
        "it ignores names and expiry dates and survives renewals that keep the key.",
        "Add the 3 1 1 record below next to the existing ones.", ["RFC 7671 5.1", "RFC 7672 3.1.1"], "tlsa"),
    "dane.rollover.single_record": _e(
        "No TLSA record for the next key",
        "{subject} has a single TLSA record. When the key changes (for example a certificate renewal with a "
        "new key), mail bounces until DNS catches up.",
        "Keep the current record. Generate the next key now, publish its 3 1 1 record (template below) next to "
        "the current one, and switch the server to the new key only after two TTLs. Alternatively also publish "
        "a 2 1 1 record of your CA's intermediate key (DANE-TA), which stays valid across renewals by that CA.",
        ["RFC 7671 8.1", "RFC 7671 8.4", "thesis 6.1.2"], "tlsa_next"),
    "dane.host_address_insecure": _e(
        "MX host addresses not signed: senders skip DANE",
        "The address records of {subject} are not DNSSEC-signed, so senders do not apply its TLSA records.",
        "Sign the zone of {subject} (and its DS at the parent).", ["RFC 7672 2.2.3", "thesis 6.1.1"]),
    "dane.match.pass": _e("Certificate matches TLSA", "The certificate {subject} presented matches its TLSA records.",
                          NOTHING, ["RFC 7672 3.1"]),
    "dane.match.fail": _e(
        "Certificate does not match TLSA: mail is not delivered",
        "{subject} presents a certificate that none of its TLSA records matches. DANE senders refuse to "
        "deliver to it and queue the mail until it bounces. This is worse than having no DANE at all.",
        "Either publish the record below, which hashes the key the server presents now (and then remove the "
        "stale record), or put back the key the records describe. Before the next key change, publish the next "
        "key's record first.", ["RFC 7672 3.1", "RFC 7671 8.1", "thesis 6.1.2"], "tlsa"),
    "dane.match.no_starttls": _e(
        "TLSA published but STARTTLS fails: mail is not delivered",
        "{subject} publishes TLSA records, which tells senders TLS is mandatory, but it does not offer a "
        "working STARTTLS. DANE senders defer all mail to it.",
        "Turn STARTTLS on (with the key the TLSA records describe), or remove the TLSA records until it works.",
        ["RFC 7672 2.2", "RFC 3207"]),
    "dane.match.not_tested": _e(
        "TLSA not compared with a certificate",
        "We could not open a TLS session with {subject}, so we could not check its certificate against the "
        "TLSA records.", "Make sure port 25 of {subject} is reachable, then check again.", ["RFC 7672 3.1"]),
    "dane.incomplete": _e("DANE check did not finish", "The TLSA lookups ran out of time.",
                          "Run the check again.", ["RFC 7672"]),
    "dane.check_failed": _e("DANE check failed internally", "The checker itself failed while checking DANE.",
                            "Run the check again; this is a checker fault, not yours.", ["RFC 7672"]),

    # --- MTA-STS -------------------------------------------------------------------------------
    "mta_sts.valid": _e("MTA-STS published", "A valid _mta-sts record and policy are published.", NOTHING,
                        ["RFC 8461", "thesis 6.1.3"]),
    "mta_sts.none": _e(
        "No MTA-STS",
        "Without MTA-STS (or DANE), senders fall back to unencrypted delivery when an attacker strips "
        "STARTTLS. MTA-STS works without DNSSEC.",
        "Publish the policy file below at {policy_url} in mode testing, "
        "add the _mta-sts TXT record, watch TLS reports for a few weeks, then switch to mode enforce and "
        "change the id. " + _STS_HOST,
        ["RFC 8461 3.1", "RFC 8461 3.2", "RFC 8461 3.3", "thesis 6.1.3"], "mta_sts"),
    "mta_sts.error": _e(
        "MTA-STS record lookup failed", "The _mta-sts TXT lookup failed (timeout or server failure).",
        "Make the name servers of {domain} answer TXT queries for _mta-sts.{domain}.", ["RFC 8461 3.1"]),
    "mta_sts.record.missing": _e(
        "MTA-STS policy host without TXT record",
        "mta-sts.{domain} exists, but without the _mta-sts TXT record senders never fetch a policy from it, so "
        "MTA-STS is off. (A wildcard DNS record can make this host exist by accident; the thesis found such "
        "cases.)",
        "To use MTA-STS: make {policy_url} serve a valid policy (see the "
        "other MTA-STS findings), then publish the TXT record below (the id is a timestamp; change it whenever "
        "the policy changes).",
        ["RFC 8461 3.1", "RFC 8461 3.3", "thesis 5.2", "thesis 6.1.3"], "mta_sts_missing_txt"),
    "mta_sts.record.invalid": _e(
        "MTA-STS TXT record invalid",
        "The _mta-sts TXT record breaks the syntax, so senders ignore MTA-STS entirely.",
        "Replace it with the record below: exactly 'v=STSv1; id=' followed by 1-32 letters or digits.",
        ["RFC 8461 3.1"], "mta_sts_txt"),
    "mta_sts.record.multiple": _e(
        "More than one MTA-STS TXT record",
        "There are several v=STSv1 TXT records; senders then ignore MTA-STS.",
        "Keep exactly one _mta-sts TXT record, like the one below.", ["RFC 8461 3.1"], "mta_sts_txt"),
    "mta_sts.record.warning": _e(
        "MTA-STS TXT record detail", "The _mta-sts TXT record works but has a questionable detail.",
        "See the detail; the record below is a clean version.", ["RFC 8461 3.1"], "mta_sts_txt"),
    "mta_sts.record.ignored": _e(
        "TXT string that is not an MTA-STS record",
        "A TXT string at _mta-sts.{domain} looks like an MTA-STS record, but it does not begin with exactly "
        "'v=STSv1' (the version is case-sensitive and may not follow a space), so senders do not read it.",
        "Replace it with the record below.", ["RFC 8461 3.1"], "mta_sts_txt"),
    "mta_sts.policy_host.missing": _e(
        "mta-sts host does not resolve",
        "mta-sts.{domain} has no address, so senders cannot fetch the policy.",
        "Add an A/AAAA (or CNAME) record for mta-sts.{domain} pointing at a web server. " + _STS_HOST,
        ["RFC 8461 3.3"]),
    "mta_sts.policy_host.not_public": _e(
        "mta-sts host has only private addresses",
        "mta-sts.{domain} points to addresses senders on the internet cannot reach.",
        "Point mta-sts.{domain} at a public web server. " + _STS_HOST, ["RFC 8461 3.3"]),
    "mta_sts.policy.dns": _e(
        "Policy host name does not resolve", "The name mta-sts.{domain} could not be resolved.",
        _STS_HOST, ["RFC 8461 3.3"]),
    "mta_sts.policy.tcp": _e(
        "Policy host unreachable", "No TCP connection to mta-sts.{domain} on port 443.",
        "Open port 443 on the policy host. " + _STS_HOST, ["RFC 8461 3.3"]),
    "mta_sts.policy.timeout": _e(
        "Policy host too slow", "mta-sts.{domain} did not answer in time; senders give up too.",
        "Make the policy host answer promptly. " + _STS_HOST, ["RFC 8461 3.3"]),
    "mta_sts.policy.tls": _e(
        "Policy host TLS handshake fails", "The HTTPS handshake with mta-sts.{domain} failed.",
        "Serve HTTPS with TLS 1.2 or newer on mta-sts.{domain}. " + _STS_HOST, ["RFC 8461 3.3"]),
    "mta_sts.policy.certificate": _e(
        "Policy host certificate not valid",
        "The HTTPS certificate of mta-sts.{domain} is not trusted or does not carry that name, so senders "
        "refuse the policy. (The thesis found this was the most common MTA-STS error.)",
        "Get a certificate from a public CA whose names include mta-sts.{domain} (a wildcard for another "
        "name does not count). " + _STS_HOST, ["RFC 8461 3.3", "thesis 5.2"]),
    "mta_sts.policy.http_status": _e(
        "Policy URL does not answer 200",
        "{policy_url} does not return 200 OK, so there is no policy.",
        "Serve the file below at that path. " + _STS_HOST, ["RFC 8461 3.3"], "mta_sts_policy"),
    "mta_sts.policy.redirect": _e(
        "Policy URL redirects",
        "The policy URL answers with a redirect; senders must not follow redirects, so there is no policy.",
        "Serve the file directly at {policy_url} (exempt the path from "
        "any site-wide redirect). " + _STS_HOST, ["RFC 8461 3.3"], "mta_sts_policy"),
    "mta_sts.policy.content_type": _e(
        "Policy not served as text/plain",
        "The policy file has the wrong Content-Type; senders may reject it.",
        "Serve {policy_url} with 'Content-Type: text/plain' and the "
        "policy below as its body (an HTML page is not a policy).", ["RFC 8461 3.3"], "mta_sts_policy"),
    "mta_sts.policy.too_large": _e(
        "Policy file too large", "The policy is over 64 KiB; senders stop reading it.",
        "Serve only the short policy file below.", ["RFC 8461 3.3"], "mta_sts_policy"),
    "mta_sts.policy.other": _e(
        "Policy could not be fetched", "Fetching the policy failed with a protocol error.",
        _STS_HOST, ["RFC 8461 3.3"], "mta_sts_policy"),
    "mta_sts.policy.invalid": _e(
        "Policy file invalid",
        "The policy file breaks the STSv1 syntax, so strict senders ignore it. (Many placeholders and landing "
        "pages served at this path look like this.)",
        "Replace the file with the one below, listing your MX hosts.", ["RFC 8461 3.2", "thesis 5.2"],
        "mta_sts_policy"),
    "mta_sts.policy.warning": _e(
        "Policy file detail", "The policy works but has a questionable detail.",
        "See the detail; the file below is a clean version.", ["RFC 8461 3.2"], "mta_sts_policy"),
    "mta_sts.mx.uncovered": _e(
        "MX host not listed in the MTA-STS policy",
        "{subject} matches no mx line of the policy. In enforce mode senders refuse to deliver to it, which is "
        "worse than no MTA-STS at all; in testing mode it is only reported.",
        "List every MX host in the policy (file below), change the id in the _mta-sts TXT record, and only "
        "then use mode enforce.", ["RFC 8461 4.1", "RFC 8461 5", "thesis 6.1.3"], "mta_sts_policy"),
    "mta_sts.mx.certificate_invalid": _e(
        "MX certificate not valid for MTA-STS",
        "{subject} presents a certificate that is not from a public CA or does not carry its name. Senders "
        "enforcing MTA-STS refuse to deliver to it.",
        "Install a certificate from a public CA whose names include {subject} on that server (keep the same "
        "key, or update its TLSA records first). Until then use mode testing.",
        ["RFC 8461 4.2", "RFC 8461 5"]),
    "mta_sts.mx.no_starttls": _e(
        "MX host without working STARTTLS under MTA-STS",
        "{subject} offers no working STARTTLS; senders enforcing the policy will not deliver to it.",
        "Turn on STARTTLS with a publicly trusted certificate for {subject}, or switch the policy to testing "
        "until it works.", ["RFC 8461 5", "RFC 3207"]),
    "mta_sts.mx.unused_pattern": _e(
        "Policy lists a host that is not an MX",
        "An mx line of the policy matches none of the current MX hosts; harmless, but often a leftover.",
        "Remove the stale line (file below) and change the id.", ["RFC 8461 3.2"], "mta_sts_policy"),
    "mta_sts.mx.ip_literal": _e(
        "Policy mx line is an IP address", "mx lines are host name patterns; an address never matches an MX.",
        "List MX host names instead (file below).", ["RFC 8461 3.2"], "mta_sts_policy"),
    "mta_sts.mode.testing": _e(
        "MTA-STS in testing mode",
        "In testing mode senders only report TLS failures; they still deliver without TLS when attacked.",
        "Publish TLS-RPT if you have not, and once the reports show no failures, serve the policy with "
        "mode: enforce (below) and publish the TXT record again with a new id.", ["RFC 8461 5", "thesis 6.1.3"],
        "mta_sts_enforce"),
    "mta_sts.mode.none": _e(
        "MTA-STS switched off (mode none)", "Mode none tells senders to forget the policy.",
        "If that was not the intent, publish mode testing, then enforce (below).", ["RFC 8461 5", "RFC 8461 8.3"],
        "mta_sts"),
    "mta_sts.max_age.short": _e(
        "Short max_age",
        "Senders cache the policy only for max_age seconds; a short value leaves gaps an attacker can use.",
        "Use max_age of one to several weeks (e.g. {max_age_enforce}) once the policy is stable, and publish the TXT "
        "record again with a new id so that senders fetch the new policy.",
        ["RFC 8461 3.2", "RFC 8461 10"], "mta_sts_policy"),
    "mta_sts.incomplete": _e("MTA-STS check did not finish", "Fetching the MTA-STS record or policy ran out of time.",
                             "Run the check again.", ["RFC 8461"]),
    "mta_sts.check_failed": _e("MTA-STS check failed internally", "The checker failed while checking MTA-STS.",
                               "Run the check again; this is a checker fault, not yours.", ["RFC 8461"]),

    # --- TLS-RPT ------------------------------------------------------------------------------
    "tls_rpt.valid": _e("TLS-RPT published", "Senders send you daily reports about TLS failures.", NOTHING,
                        ["RFC 8460", "thesis 6.1.4"]),
    "tls_rpt.missing": _e(
        "No TLS-RPT",
        "Without TLS-RPT nobody tells you when senders fail to deliver securely, for example after a "
        "certificate or TLSA change.",
        "Publish the TXT record below (the mailbox is an example; a report-reading service makes the JSON "
        "readable).", ["RFC 8460 3", "thesis 6.1.4"], "tls_rpt"),
    "tls_rpt.multiple": _e(
        "More than one TLS-RPT record", "Several v=TLSRPTv1 records: senders send no reports at all.",
        "Keep exactly one record, like the one below.", ["RFC 8460 3"], "tls_rpt"),
    "tls_rpt.invalid": _e(
        "TLS-RPT record invalid", "The record breaks the syntax, so senders send no reports.",
        "Replace it with the record below.", ["RFC 8460 3"], "tls_rpt"),
    "tls_rpt.error": _e(
        "TLS-RPT lookup failed", "The _smtp._tls TXT lookup failed.",
        "Make the name servers of {domain} answer TXT queries for _smtp._tls.{domain}.", ["RFC 8460 3"]),
    "tls_rpt.rua.multiple": _e(
        "Several report addresses", "A reporter may deliver to only one of several rua URIs.",
        "Use one address unless you need more.", ["RFC 8460 3"]),
    "tls_rpt.record.warning": _e(
        "TLS-RPT record detail", "The record works but has a questionable detail.",
        "See the detail.", ["RFC 8460 3"]),
    "tls_rpt.record.ignored": _e(
        "TXT string that is not a TLS-RPT record",
        "A TXT string at _smtp._tls.{domain} looks like a TLS-RPT record, but it does not begin with exactly "
        "'v=TLSRPTv1' (the version is case-sensitive and may not follow a space), so senders do not read it.",
        "Replace it with the record below.", ["RFC 8460 3"], "tls_rpt"),
    "tls_rpt.incomplete": _e("TLS-RPT check did not finish", "The TLS-RPT lookup ran out of time.",
                             "Run the check again.", ["RFC 8460"]),
    "tls_rpt.check_failed": _e("TLS-RPT check failed internally", "The checker failed while checking TLS-RPT.",
                               "Run the check again; this is a checker fault, not yours.", ["RFC 8460"]),
}
