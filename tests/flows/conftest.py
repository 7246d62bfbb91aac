"""Tests that follow one feature across several apps. The shared personas come from
tests/conftest.py; a flow module imports the fixtures of an app's conftest it needs by name."""
