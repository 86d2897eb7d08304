"""The thesis's own figures (the .fi zone, April 2022), as data: row key -> (table, count, percent).

From "Enforcing SMTP encryption", Tables 11-19 (/work/shared/thesis, chapter 5). The row keys
are those of checker/stats/tables.py; a row the thesis does not have is absent here. Each
percentage is the thesis's own, over the denominator the row names (the same as ours).
"""
from typing import NamedTuple


class Figure(NamedTuple):
    table: int
    count: int
    percent: float | None


THESIS: dict[str, Figure] = {
    # Table 11. DANE statistics for the .fi zone
    "domains": Figure(11, 524728, None),
    "ds": Figure(11, 18127, 3.45),
    "bogus": Figure(11, 62, 0.34),
    "mx_error": Figure(11, 8, 0.04),
    "mx_missing": Figure(11, 3913, 21.59),
    "mx_exists": Figure(11, 14144, 78.03),
    "mx_null": Figure(11, 2923, 20.67),
    "mx_not_null": Figure(11, 11221, 79.33),
    "tlsa_error": Figure(11, 3, 0.03),
    "tlsa_none": Figure(11, 6755, 60.20),
    "tlsa_configured": Figure(11, 4463, 39.77),
    "tlsa_all": Figure(11, 4441, 99.51),
    "tlsa_some": Figure(11, 13, 0.29),
    "tlsa_invalid": Figure(11, 9, 0.20),
    # Table 12. DANE implementations
    "dane_of_ds": Figure(12, 4454, 24.57),
    "dane_of_all": Figure(12, 4454, 0.85),
    # Table 13. MTA-STS statistics
    "sts_host_error": Figure(13, 747, 0.14),
    "sts_host_missing": Figure(13, 446815, 85.15),
    "sts_host_exists": Figure(13, 77166, 14.71),
    "fetch_dns": Figure(13, 126, 0.16),
    "fetch_tcp": Figure(13, 3984, 5.16),
    "fetch_http_status": Figure(13, 6654, 8.62),
    "fetch_timeout": Figure(13, 12729, 16.50),
    "fetch_tls": Figure(13, 2192, 2.84),
    "fetch_certificate": Figure(13, 47677, 61.78),
    "fetch_other": Figure(13, 1, 0.00),
    "policy_received": Figure(13, 3802, 4.93),
    "policy_invalid": Figure(13, 3664, 96.37),
    "policy_valid": Figure(13, 138, 3.63),
    "mode_testing": Figure(13, 33, 23.91),
    "mode_enforce": Figure(13, 105, 76.09),
    # Table 14. _mta-sts TXT record results
    "txt_error": Figure(14, 6, 0.01),
    "txt_missing": Figure(14, 60310, 78.16),
    "txt_exists": Figure(14, 16850, 21.84),
    "txt_valid": Figure(14, 131, 0.78),
    "txt_invalid": Figure(14, 16719, 99.22),
    # Table 15. Domains with a valid MTA-STS configuration (percent only for "both")
    "sts_file_valid": Figure(15, 138, None),
    "sts_txt_valid": Figure(15, 131, None),
    "sts_file_only": Figure(15, 17, None),
    "sts_txt_only": Figure(15, 10, None),
    "sts_both": Figure(15, 121, 0.02),
    # Table 16. Both DANE and MTA-STS
    "dane_and_sts": Figure(16, 21, 0.004),
    # Table 17. DANE and TLS-RPT
    "dane_base": Figure(17, 4463, None),
    "dane_no_tlsrpt": Figure(17, 4453, 99.78),
    "dane_tlsrpt": Figure(17, 10, 0.22),
    # Table 18. MTA-STS and TLS-RPT
    "sts_base": Figure(18, 121, None),
    "sts_no_tlsrpt": Figure(18, 75, 61.98),
    "sts_tlsrpt_error": Figure(18, 1, 0.83),
    "sts_tlsrpt": Figure(18, 45, 37.19),
    # Table 19. DANE, MTA-STS and TLS-RPT
    "both_base": Figure(19, 21, None),
    "both_no_tlsrpt": Figure(19, 15, 71.43),
    "all_three": Figure(19, 6, 28.57),
}
