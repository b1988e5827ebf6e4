"""The nightly link check: README, "Nightly link check", says what it does; its table of stages maps the modules."""
