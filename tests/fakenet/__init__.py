"""The loopback test network: Knot + Unbound + fake SMTP/HTTPS servers (README.md)."""
