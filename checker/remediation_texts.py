"""The remediation catalogue: finding code -> title, explanation, fix, references, records.

`fix` may use {domain}, {subject}, {mx_list}, {reason}. `records` names the kind of ready-to-copy
lines checker/remediation.py derives from the report: "tlsa", "mta_sts", "mta_sts_txt",
"mta_sts_policy", "tls_rpt" or "" (none).
"""

GENERIC = {
    "title": "Check result",
    "explanation": "The checker noted something about this domain's mail transport security.",
    "fix": "See the detail of this finding ({code}) and the references.",
    "references": ["thesis 6.1"],
    "records": "",
}

CATALOGUE: dict[str, dict] = {}
