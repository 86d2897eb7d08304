"""A synthetic registry population for surveys (issue 13): thousands of domains drawn from
the thesis's proportions (Tables 11, 13, 14), served by a loopback network of their own,
with what every domain must show written beside it. See README.md here."""
