"""Demo data for `xjm load_demo` and the demo logins of `xjm demo_logins` (never in
production)."""
