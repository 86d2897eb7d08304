"""Hypothesis strategies that generate inputs valid by the RFC 8461 / RFC 8460 ABNF."""
import string

from hypothesis import strategies as st

ALNUM = string.ascii_letters + string.digits
WSP = st.text(alphabet=" \t", max_size=3)
EXT_VALUE_CHARS = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "=;")


@st.composite
def ext_names(draw, avoid=()):
    name = draw(st.text(alphabet=ALNUM, min_size=1, max_size=1)) + draw(
        st.text(alphabet=ALNUM + "_-.", max_size=31)
    )
    if name in avoid:
        name = "x" + name[:31]
    return name


ext_values = st.text(alphabet=EXT_VALUE_CHARS, min_size=1, max_size=40)
labels = st.from_regex(r"\A[a-z0-9]([a-z0-9\-]{0,10}[a-z0-9])?\Z")
domains = st.lists(labels, min_size=1, max_size=4).map(".".join)


@st.composite
def delim(draw):
    return draw(WSP) + ";" + draw(WSP)


@st.composite
def sts_records(draw):
    ident = draw(st.text(alphabet=ALNUM, min_size=1, max_size=32))
    fields = [f"id={ident}"] + [
        f"{draw(ext_names(avoid=('id',)))}={draw(ext_values)}" for _ in range(draw(st.integers(0, 3)))
    ]
    fields = draw(st.permutations(fields))
    text = "v=STSv1" + "".join(draw(delim()) + f for f in fields)
    if draw(st.booleans()):
        text += draw(delim())
    return text, ident


@st.composite
def tlsrpt_records(draw):
    def uri():
        if draw(st.booleans()):
            local = draw(st.text(alphabet=ALNUM + ".-_+", min_size=1, max_size=12))
            return f"mailto:{local}@{draw(domains)}"
        return f"https://{draw(domains)}/" + draw(st.text(alphabet=ALNUM + "/-_.", max_size=12))

    uris = [uri() for _ in range(draw(st.integers(1, 3)))]
    rua = "rua=" + uris[0] + "".join(draw(WSP) + "," + draw(WSP) + u for u in uris[1:])
    fields = [rua] + [
        f"{draw(ext_names(avoid=('rua',)))}={draw(ext_values)}" for _ in range(draw(st.integers(0, 3)))
    ]
    fields = draw(st.permutations(fields))
    text = "v=TLSRPTv1" + "".join(draw(delim()) + f for f in fields)
    if draw(st.booleans()):
        text += draw(delim())
    return text, uris


POLICY_VCHARS = "".join(chr(c) for c in range(0x21, 0x7F)) + "äö€😀"


@st.composite
def policies(draw):
    mode = draw(st.sampled_from(["enforce", "testing", "none"]))
    max_age = draw(st.integers(0, 31557600))
    max_age_text = str(max_age).zfill(draw(st.integers(1, 10)))
    mx = [("*." if draw(st.booleans()) else "") + draw(domains)
          for _ in range(draw(st.integers(0 if mode == "none" else 1, 4)))]
    fields = [("version", "STSv1"), ("mode", mode), ("max_age", max_age_text)] + [("mx", m) for m in mx]
    for _ in range(draw(st.integers(0, 3))):
        name = draw(ext_names(avoid=("version", "mode", "max_age", "mx")))
        if name.lower().replace("-", "_") in ("version", "mode", "max_age", "mx"):
            name = "x" + name[:31]
        inner = draw(st.text(alphabet=POLICY_VCHARS + " ", max_size=20))
        value = draw(st.text(alphabet=POLICY_VCHARS, min_size=1, max_size=1))
        if inner.strip(" "):
            value += inner + draw(st.text(alphabet=POLICY_VCHARS, min_size=1, max_size=1))
        fields.append((name, value))
    fields = draw(st.permutations(fields))
    mx = [v for k, v in fields if k == "mx"]
    lines = [f"{k}:{draw(WSP)}{v}{draw(WSP)}" for k, v in fields]
    terms = [draw(st.sampled_from(["\n", "\r\n"])) for _ in lines]
    body = "".join(l + t for l, t in zip(lines, terms))
    if draw(st.booleans()):
        body = body[: -len(terms[-1])]
    return body.encode("utf-8"), mode, max_age, mx
