"""The statistics tables, in the shape of the thesis's Tables 11-19 plus STARTTLS, grades
and the most common findings, computed from a queryset of checks (one row per domain:
checker/stats/queries.py picks it).

`compute(checks)` runs one aggregate query (a conditional Count per row, over the indexed
summary columns of checker/summary.py) and one GROUP BY for the finding codes; it never
reads report JSON. Every row names its denominator, another row of the same computation, as the
thesis does ("% of DNSSEC configured"). The same function serves the page, the CSV/JSON
exports and the terminal survey report (`manage.py survey report`).
"""
from __future__ import annotations

from dataclasses import dataclass

from collections import Counter

from django.db.models import Count, Q

from .. import remediation
from ..models import GRADES
from .thesis import THESIS, Figure

TOP_CODES = 15


@dataclass(frozen=True)
class Spec:
    key: str
    label: str
    q: Q
    of: str | None = None       # key of the denominator row
    strong: bool = False        # the thesis prints it in bold: a headline figure


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    count: int
    of: str | None              # denominator key
    of_label: str | None
    of_count: int | None
    thesis: Figure | None
    strong: bool = False

    @property
    def percent(self) -> float | None:
        if self.of_count is None or not self.of_count:
            return None
        return round(100.0 * self.count / self.of_count, 2)


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    source: str                 # where the shape comes from ("thesis Table 11", "ours")
    rows: tuple[Row, ...]


ALL = Q()
DS = Q(ds_present=True)
# Table 11 takes the bogus domains out before the MX rows (62 + 8 + 3913 + 14144 = 18127):
# a bogus domain's MX lookup fails too, and must not be counted again as "MX query failed".
DS_OK = DS & ~Q(dnssec_status="bogus")
MX_EXISTS = DS_OK & Q(mx_status__in=["present", "null", "invalid"])
MX_NOT_NULL = DS_OK & Q(mx_status__in=["present", "invalid"])
TLSA_CONFIGURED = MX_NOT_NULL & Q(dane_status__in=["all", "some", "invalid"])
DANE = MX_NOT_NULL & Q(dane_status__in=["all", "some"])        # TLSA for all or some MX (Table 12)
STS_HOST = Q(mta_sts_host="resolves")
RECEIVED = STS_HOST & Q(mta_sts_policy__in=["valid", "invalid"])
FILE_VALID = Q(mta_sts_policy="valid")
TXT_VALID = Q(mta_sts_record="valid")
TXT_EXISTS = STS_HOST & Q(mta_sts_record__in=["valid", "invalid", "multiple"])
STS = FILE_VALID & TXT_VALID                                    # Table 15 "both"
TLS_RPT = Q(tls_rpt_status="valid")
PROBED = Q(starttls_coverage__in=["all", "some", "none", "unreachable"])
TLS_SESSION = ~Q(tls_version_min="")
CERTIFICATE = Q(webpki_coverage__in=["all", "some", "none"])

# Thesis Table 13's fetch-error rows and the contract's words for them (report contract, mta_sts).
FETCH_ERRORS = (
    ("dns", "could not resolve the policy host"),
    ("tcp", "TCP connection failed"),
    ("http-status", "HTTP status other than 200"),
    ("timeout", "connection timeout"),
    ("tls", "TLS handshake failed"),
    ("certificate", "certificate not trusted or not for the policy host"),
    ("redirect", "redirect (must not be followed)"),
    ("content-type", "not text/plain"),
    ("too-large", "policy file over 64 KiB"),
    ("other", "other errors"),
)

TABLES: tuple[tuple[str, str, str, tuple[Spec, ...]], ...] = (
    ("dane", "DANE", "thesis Tables 11 and 12", (
        Spec("domains", "Domains", ALL, strong=True),
        Spec("ds", "DNSSEC configured (DS present)", DS, "domains"),
        Spec("bogus", "DNSSEC validation failed", DS & Q(dnssec_status="bogus"), "ds"),
        Spec("mx_error", "MX query failed", DS_OK & Q(mx_status="error"), "ds"),
        Spec("mx_missing", "No MX records", DS_OK & Q(mx_status__in=["none", "nxdomain"]), "ds"),
        Spec("mx_exists", "MX records exist", MX_EXISTS, "ds"),
        Spec("mx_null", "MX is null", DS_OK & Q(mx_status="null"), "mx_exists"),
        Spec("mx_not_null", "MX is not null", MX_NOT_NULL, "mx_exists"),
        Spec("tlsa_error", "TLSA query failed", MX_NOT_NULL & Q(dane_status="error"), "mx_not_null"),
        # "not-applicable": no MX host with an address to look TLSA up for (e.g. "MX 10 ."), so
        # no TLSA records either; the three rows add up to "MX is not null", as in the thesis.
        Spec("tlsa_none", "No TLSA records", MX_NOT_NULL & Q(dane_status__in=["none", "not-applicable"]),
             "mx_not_null"),
        Spec("tlsa_configured", "TLSA records configured", TLSA_CONFIGURED, "mx_not_null"),
        Spec("tlsa_all", "TLSA for all MX", MX_NOT_NULL & Q(dane_status="all"), "tlsa_configured", strong=True),
        Spec("tlsa_some", "TLSA for some MX", MX_NOT_NULL & Q(dane_status="some"), "tlsa_configured", strong=True),
        Spec("tlsa_invalid", "Invalid TLSA records", MX_NOT_NULL & Q(dane_status="invalid"), "tlsa_configured"),
        Spec("dane", "TLSA for all or some MX", DANE, "ds"),
        Spec("dane_of_ds", "TLSA for all or some MX, out of DNSSEC configured", DANE, "ds"),
        Spec("dane_of_all", "TLSA for all or some MX, out of all domains", DANE, "domains"),
        Spec("verified_all", "Certificate verified against TLSA: every MX", DANE & Q(dane_verified="all"), "dane"),
        Spec("verified_some", "Certificate verified against TLSA: some MX", DANE & Q(dane_verified="some"), "dane"),
        Spec("verified_none", "Certificate verified against TLSA: no MX", DANE & Q(dane_verified="none"), "dane"),
        Spec("verified_untested", "Certificate not tested (no TLS session)",
             DANE & Q(dane_verified="not-tested"), "dane"),
    )),
    ("mta_sts", "MTA-STS", "thesis Tables 13 to 15", (
        Spec("domains", "Domains", ALL, strong=True),
        Spec("sts_host_error", "mta-sts host lookup failed", Q(mta_sts_host="error"), "domains"),
        Spec("sts_host_missing", "No mta-sts host", Q(mta_sts_host="missing"), "domains"),
        Spec("sts_host_exists", "mta-sts host exists", STS_HOST, "domains"),
        *(Spec("fetch_" + word.replace("-", "_"), f"Fetch error: {label}",
               STS_HOST & Q(mta_sts_fetch_error=word), "sts_host_exists") for word, label in FETCH_ERRORS),
        Spec("policy_not_fetched", "Policy not fetched (survey profile without HTTPS)",
             STS_HOST & Q(mta_sts_policy="not-fetched"), "sts_host_exists"),
        Spec("policy_received", "mta-sts.txt received", RECEIVED, "sts_host_exists"),
        Spec("policy_invalid", "Invalid mta-sts.txt", STS_HOST & Q(mta_sts_policy="invalid"), "policy_received"),
        Spec("policy_valid", "Valid mta-sts.txt", STS_HOST & FILE_VALID, "policy_received", strong=True),
        Spec("mode_none", "Mode none", STS_HOST & FILE_VALID & Q(mta_sts_mode="none"), "policy_valid"),
        Spec("mode_testing", "Mode testing", STS_HOST & FILE_VALID & Q(mta_sts_mode="testing"), "policy_valid"),
        Spec("mode_enforce", "Mode enforce", STS_HOST & FILE_VALID & Q(mta_sts_mode="enforce"), "policy_valid"),
        Spec("txt_error", "_mta-sts TXT query failed", STS_HOST & Q(mta_sts_record="error"), "sts_host_exists"),
        Spec("txt_missing", "No _mta-sts TXT record", STS_HOST & Q(mta_sts_record="missing"), "sts_host_exists"),
        Spec("txt_exists", "_mta-sts TXT record exists", TXT_EXISTS, "sts_host_exists"),
        Spec("txt_valid", "Valid _mta-sts TXT record", STS_HOST & TXT_VALID, "txt_exists", strong=True),
        Spec("txt_invalid", "Invalid _mta-sts TXT record", STS_HOST & Q(mta_sts_record="invalid"), "txt_exists"),
        Spec("txt_multiple", "Several v=STSv1 TXT records", STS_HOST & Q(mta_sts_record="multiple"), "txt_exists"),
        Spec("sts_file_valid", "Valid mta-sts.txt file", FILE_VALID, "domains"),
        Spec("sts_txt_valid", "Valid _mta-sts TXT record", TXT_VALID, "domains"),
        Spec("sts_file_only", "Only a valid mta-sts.txt file", FILE_VALID & ~TXT_VALID, "domains"),
        Spec("sts_txt_only", "Only a valid _mta-sts TXT record", TXT_VALID & ~FILE_VALID, "domains"),
        Spec("sts_both", "Valid mta-sts.txt file and _mta-sts TXT record", STS, "domains", strong=True),
    )),
    ("combinations", "DANE, MTA-STS and TLS-RPT", "thesis Tables 16 to 19", (
        Spec("domains", "Domains", ALL, strong=True),
        Spec("dane_and_sts", "Valid MTA-STS and DANE", DANE & STS, "domains"),
        Spec("dane_base", "TLSA records configured (DANE)", TLSA_CONFIGURED, "domains"),
        Spec("dane_no_tlsrpt", "DANE without TLS-RPT", TLSA_CONFIGURED & ~TLS_RPT, "dane_base"),
        Spec("dane_tlsrpt", "DANE with TLS-RPT", TLSA_CONFIGURED & TLS_RPT, "dane_base"),
        Spec("sts_base", "MTA-STS configured (valid file and TXT)", STS, "domains"),
        Spec("sts_no_tlsrpt", "MTA-STS without TLS-RPT", STS & ~TLS_RPT & ~Q(tls_rpt_status="error"), "sts_base"),
        Spec("sts_tlsrpt_error", "MTA-STS, TLS-RPT query failed", STS & Q(tls_rpt_status="error"), "sts_base"),
        Spec("sts_tlsrpt", "MTA-STS with TLS-RPT", STS & TLS_RPT, "sts_base"),
        Spec("both_base", "DANE and MTA-STS", DANE & STS, "domains"),
        Spec("both_no_tlsrpt", "DANE and MTA-STS without TLS-RPT", DANE & STS & ~TLS_RPT, "both_base"),
        Spec("all_three", "DANE, MTA-STS and TLS-RPT", DANE & STS & TLS_RPT, "both_base", strong=True),
    )),
    ("starttls", "STARTTLS", "ours", (
        Spec("domains", "Domains", ALL, strong=True),
        Spec("probed", "MX addresses probed", PROBED, "domains"),
        Spec("starttls_all", "TLS with every MX", Q(starttls_coverage="all"), "probed", strong=True),
        Spec("starttls_some", "TLS with some MX", Q(starttls_coverage="some"), "probed"),
        Spec("starttls_none", "TLS with no MX", Q(starttls_coverage="none"), "probed"),
        Spec("starttls_unreachable", "No MX answered", Q(starttls_coverage="unreachable"), "probed"),
        Spec("tls_session", "TLS session with at least one MX", TLS_SESSION, "domains"),
        Spec("tls13", "Oldest version negotiated: TLS 1.3", Q(tls_version_min="TLSv1.3"), "tls_session"),
        Spec("tls12", "Oldest version negotiated: TLS 1.2", Q(tls_version_min="TLSv1.2"), "tls_session"),
        Spec("tls_old", "Oldest version negotiated: older than TLS 1.2",
             TLS_SESSION & ~Q(tls_version_min__in=["TLSv1.3", "TLSv1.2"]), "tls_session"),
        Spec("certificate", "Certificate presented", CERTIFICATE, "domains"),
        Spec("webpki_all", "WebPKI-valid on every MX", Q(webpki_coverage="all"), "certificate"),
        Spec("webpki_some", "WebPKI-valid on some MX", Q(webpki_coverage="some"), "certificate"),
        Spec("webpki_none", "WebPKI-valid on no MX", Q(webpki_coverage="none"), "certificate"),
    )),
    ("grades", "Grades", "ours", (
        Spec("domains", "Domains", ALL, strong=True),
        *(Spec("grade_" + grade.replace("+", "plus"), f"Grade {grade}", Q(grade=grade), "domains") for grade in GRADES),
        Spec("grade_none", "No grade (accepts no mail)", Q(grade=None), "domains"),
    )),
)
# Extra counts for the charts (MX kinds over all domains).
MX_KINDS = ("present", "none", "null", "invalid", "nxdomain", "error")
CHART_COUNTS = {f"mx_kind_{kind}": Q(mx_status=kind) for kind in MX_KINDS}


def _unique_specs() -> dict[str, Q]:
    specs = {}
    for _key, _title, _source, rows in TABLES:
        for spec in rows:
            specs.setdefault(spec.key, spec.q)
    return {**specs, **CHART_COUNTS}


def counts(checks) -> dict[str, int]:
    """Every row's count in one query (conditional aggregation over the summary columns);
    rows with the same condition share one aggregate."""
    first_key = {}
    for key, q in _unique_specs().items():
        first_key.setdefault(q, key)
    # Count a never-null column (Django allows no filter on COUNT(*)); the id column would
    # leave SQLite's covering index (migration 0003).
    aggregates = {key: Count("created_at", filter=q) if q else Count("*") for q, key in first_key.items()}
    result = checks.aggregate(**aggregates)
    return {key: result[first_key[q]] or 0 for key, q in _unique_specs().items()}


def top_codes(checks, limit: int = TOP_CODES) -> list[tuple[str, int]]:
    """The `limit` most common fail/warn finding codes over `checks`. The database counts the
    checks per distinct code list (GROUP BY the JSON column; a zone has a few hundred to a few
    thousand distinct lists, since codes follow from the statuses); each list's count is then
    added to its codes, streaming, so memory stays small. About twice as fast on SQLite as
    unnesting every list with json_each."""
    totals: Counter = Counter()
    grouped = checks.values("finding_codes").annotate(n=Count("*")).values_list("finding_codes", "n").order_by()
    for codes, n in grouped.iterator(chunk_size=2000):
        for code in codes if isinstance(codes, list) else ():
            if isinstance(code, str):
                totals[code] += n
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:limit]


def build(values: dict[str, int], codes: list[tuple[str, int]]) -> tuple[Table, ...]:
    """The tables from computed counts (pure; `compute` does the queries)."""
    tables = []
    for key, title, source, specs in TABLES:
        labels = {spec.key: spec.label for spec in specs}
        rows = tuple(
            Row(spec.key, spec.label, values[spec.key], spec.of, labels.get(spec.of) if spec.of else None,
                values[spec.of] if spec.of else None, THESIS.get(spec.key), spec.strong)
            for spec in specs
        )
        tables.append(Table(key, title, source, rows))
    finding_rows = tuple(
        Row(f"code:{code}", f"{remediation.entry(code)['title']} ({code})", n, "domains", "Domains",
            values["domains"], None)
        for code, n in codes
    )
    tables.append(Table("findings", f"The {TOP_CODES} most common problems (fail or warn findings)", "ours",
                        finding_rows))
    return tuple(tables)


def compute(checks) -> tuple[tuple[Table, ...], dict[str, int]]:
    """(tables, raw counts) over `checks`, which should hold one check per domain."""
    values = counts(checks)
    return build(values, top_codes(checks)), values
