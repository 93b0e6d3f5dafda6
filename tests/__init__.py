"""The test suite is a package: every helper is imported one way, `from tests.support... import`."""
