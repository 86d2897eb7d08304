"""The thesis's Tables 11-19 (chapter 5) from summary rows, one function per table.

Each function takes a queryset of finished checks (a survey's, or any other selection with
the same summary columns, e.g. the staff statistics page's) and returns a Table: rows of
(label, count, the row it is a share of). One aggregate query per table; nothing reads
report JSON. Row definitions follow the thesis's method:

* Table 11 looks only at domains with a DS record at the parent ("dnssec configured");
  bogus domains are taken out first, then MX lookups that failed, no MX, MX present (null
  or not); the TLSA rows are among domains whose MX is not null.
* "DANE configured" (Tables 12, 16, 17, 19) = TLSA for all or some MX hosts (Table 12).
* Table 13's fetch rows are shares of the domains whose mta-sts host resolves; in the `dns`
  profile no policy is fetched and the "not fetched" row says so.
* Table 14 is among domains whose mta-sts host resolves, as in the thesis.
* "MTA-STS configured" (Tables 15-19) = a valid `_mta-sts` record and a valid policy.
* TLS-RPT (Tables 17-19): `valid` = configured, `error` = the lookup failed (timed out).
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

DS = Q(ds_present=True)
BOGUS = Q(dnssec_status="bogus")
DS_OK = DS & ~BOGUS
MX_EXISTS = DS_OK & Q(mx_status__in=("present", "null", "invalid"))
MX_NOT_NULL = DS_OK & Q(mx_status__in=("present", "invalid"))
TLSA_CONFIGURED = MX_NOT_NULL & Q(dane_status__in=("all", "some", "invalid"))
DANE = MX_NOT_NULL & Q(dane_status__in=("all", "some"))
STS_HOST = Q(mta_sts_host="resolves")
STS_FILE = Q(mta_sts_policy="valid")
STS_TXT = Q(mta_sts_record="valid")
MTA_STS = STS_FILE & STS_TXT
EVERY = Q(pk__isnull=False)


@dataclass(frozen=True)
class Row:
    label: str
    count: int
    of: str | None = None          # label of the row this one is a share of
    of_count: int | None = None
    bold: bool = False

    @property
    def percent(self) -> float | None:
        if self.of_count is None:
            return None
        return 100.0 * self.count / self.of_count if self.of_count else 0.0


@dataclass(frozen=True)
class Table:
    number: int
    title: str
    rows: tuple[Row, ...]

    def count(self, label: str) -> int:
        return next(row.count for row in self.rows if row.label == label)


def _table(queryset, number: int, title: str, spec) -> Table:
    """spec: (label, Q, label of the base row or None, bold)."""
    counts = queryset.aggregate(**{f"r{i}": Count("pk", filter=q) for i, (_, q, _, _) in enumerate(spec)})
    by_label = {}
    rows = []
    for i, (label, _, of, bold) in enumerate(spec):
        count = counts[f"r{i}"]
        by_label[label] = count
        rows.append(Row(label, count, of, by_label.get(of) if of else None, bold))
    return Table(number, title, tuple(rows))


ALL = "Number of domains"


def table_11(qs) -> Table:
    return _table(qs, 11, "DANE statistics", [
        (ALL, EVERY, None, True),
        ("DNSSEC configured (DS at the parent)", DS, ALL, False),
        ("DNSSEC validation failed", DS & BOGUS, "DNSSEC configured (DS at the parent)", False),
        ("MX record DNS query timed out or failed", DS_OK & Q(mx_status="error"),
         "DNSSEC configured (DS at the parent)", False),
        ("no MX records configured", DS_OK & Q(mx_status__in=("none", "nxdomain")),
         "DNSSEC configured (DS at the parent)", False),
        ("MX records exist", MX_EXISTS, "DNSSEC configured (DS at the parent)", False),
        ("MX record is NULL", DS_OK & Q(mx_status="null"), "MX records exist", False),
        ("MX record is not NULL", MX_NOT_NULL, "MX records exist", False),
        ("TLSA query timed out or failed", MX_NOT_NULL & Q(dane_status="error"), "MX record is not NULL", False),
        ("no TLSA records configured", MX_NOT_NULL & Q(dane_status__in=("none", "not-applicable")),
         "MX record is not NULL", False),
        ("TLSA records configured", TLSA_CONFIGURED, "MX record is not NULL", False),
        ("TLSA record for all MX records", MX_NOT_NULL & Q(dane_status="all"), "TLSA records configured", True),
        ("TLSA record for some MX record", MX_NOT_NULL & Q(dane_status="some"), "TLSA records configured", True),
        ("invalid TLSA record", MX_NOT_NULL & Q(dane_status="invalid"), "TLSA records configured", False),
    ])


def table_12(qs) -> Table:
    return _table(qs, 12, "DANE implementations", [
        (ALL, EVERY, None, False),
        ("DNSSEC configured (DS at the parent)", DS, ALL, False),
        ("domains with TLSA records for all or some MX records", DANE, "DNSSEC configured (DS at the parent)", True),
    ])


FETCH_ROWS = (
    ("Couldn't resolve hostname", "dns"), ("TCP connection failed", "tcp"),
    ("HTTP error code (not 200)", "http-status"), ("Connection timeout", "timeout"),
    ("TLS handshake failed", "tls"),
    ("Certificate not trusted or name does not match", "certificate"),
    ("Redirect (not followed)", "redirect"), ("Content-Type not text/plain", "content-type"),
    ("Policy over 64 KiB", "too-large"), ("No reply or other errors", "other"),
)
HOST = "mta-sts A-record exists"
RECEIVED = "mta-sts.txt file received"


def table_13(qs) -> Table:
    valid = "Valid mta-sts.txt file"
    return _table(qs, 13, "MTA-STS statistics", [
        (ALL, EVERY, None, True),
        ("DNS query timed out or failed", Q(mta_sts_host="error"), ALL, False),
        ("no mta-sts A-record", Q(mta_sts_host="missing"), ALL, False),
        (HOST, STS_HOST, ALL, False),
        *[(label, STS_HOST & Q(mta_sts_fetch_error=word), HOST, False) for label, word in FETCH_ROWS],
        ("policy not fetched (profile without HTTPS)", STS_HOST & Q(mta_sts_policy="not-fetched"), HOST, False),
        (RECEIVED, STS_HOST & Q(mta_sts_policy__in=("valid", "invalid")), HOST, False),
        ("Invalid mta-sts.txt file", STS_HOST & Q(mta_sts_policy="invalid"), RECEIVED, False),
        (valid, STS_HOST & STS_FILE, RECEIVED, True),
        ("mode testing", STS_HOST & STS_FILE & Q(mta_sts_mode="testing"), valid, False),
        ("mode enforce", STS_HOST & STS_FILE & Q(mta_sts_mode="enforce"), valid, False),
        ("mode none", STS_HOST & STS_FILE & Q(mta_sts_mode="none"), valid, False),
    ])


def table_14(qs) -> Table:
    exists = "_mta-sts TXT record exists"
    return _table(qs, 14, "_mta-sts TXT record results", [
        (HOST, STS_HOST, None, False),
        ("_mta-sts TXT DNS query timed out or failed", STS_HOST & Q(mta_sts_record="error"), HOST, False),
        ("no _mta-sts TXT record", STS_HOST & Q(mta_sts_record="missing"), HOST, False),
        (exists, STS_HOST & Q(mta_sts_record__in=("valid", "invalid", "multiple")), HOST, False),
        ("valid _mta-sts TXT record", STS_HOST & STS_TXT, exists, True),
        ("invalid _mta-sts TXT record (or several)", STS_HOST & Q(mta_sts_record__in=("invalid", "multiple")),
         exists, False),
    ])


def table_15(qs) -> Table:
    return _table(qs, 15, "Domains with valid MTA-STS configuration", [
        (ALL, EVERY, None, False),
        ("Valid mta-sts.txt file", STS_FILE, ALL, False),
        ("Valid _mta-sts TXT record", STS_TXT, ALL, False),
        ("Only valid mta-sts.txt file", STS_FILE & ~STS_TXT, ALL, False),
        ("Only valid _mta-sts TXT record", STS_TXT & ~STS_FILE, ALL, False),
        ("Valid mta-sts.txt file AND _mta-sts TXT record", MTA_STS, ALL, True),
    ])


def table_16(qs) -> Table:
    return _table(qs, 16, "Domains with both DANE and MTA-STS implemented", [
        (ALL, EVERY, None, False),
        ("Domains with valid MTA-STS and DANE configuration", MTA_STS & DANE, ALL, True),
    ])


def _tls_rpt(qs, number: int, title: str, base_label: str, base: Q) -> Table:
    return _table(qs, number, title, [
        (base_label, base, None, False),
        ("TLS-RPT not configured", base & ~Q(tls_rpt_status__in=("valid", "error")), base_label, False),
        ("DNS query timed out or failed", base & Q(tls_rpt_status="error"), base_label, False),
        ("TLS-RPT configured", base & Q(tls_rpt_status="valid"), base_label, True),
    ])


def table_17(qs) -> Table:
    return _tls_rpt(qs, 17, "DANE and TLS-RPT configured", "Domains with DANE configured", DANE)


def table_18(qs) -> Table:
    return _tls_rpt(qs, 18, "MTA-STS and TLS-RPT configured", "Domains with MTA-STS configured", MTA_STS)


def table_19(qs) -> Table:
    return _tls_rpt(qs, 19, "DANE, MTA-STS and TLS-RPT configured", "Domains with both DANE and MTA-STS configured",
                    DANE & MTA_STS)


TABLES = (table_11, table_12, table_13, table_14, table_15, table_16, table_17, table_18, table_19)


def all_tables(qs) -> list[Table]:
    return [table(qs) for table in TABLES]


def as_counts(tables: list[Table]) -> dict[str, dict[str, int]]:
    """{"11": {label: count}} for comparisons with a population's true counts."""
    return {str(t.number): {row.label: row.count for row in t.rows} for t in tables}


def render_text(tables: list[Table]) -> str:
    out = []
    for t in tables:
        out.append(f"Table {t.number}. {t.title}")
        width = max(len(row.label) for row in t.rows) + 2
        for row in t.rows:
            share = f"{row.percent:6.2f}% of {row.of}" if row.percent is not None else ""
            label = row.label.upper() if row.bold else row.label
            out.append(f"  {label:<{width}}{row.count:>9}  {share}".rstrip())
        out.append("")
    return "\n".join(out)


def csv_rows(tables: list[Table]):
    yield ("table", "title", "row", "count", "percent", "of")
    for t in tables:
        for row in t.rows:
            yield (t.number, t.title, row.label, row.count,
                   "" if row.percent is None else f"{row.percent:.2f}", row.of or "")
