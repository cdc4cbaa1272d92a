"""The matrix generates every value of every option (so CI never skips one)."""

from apigen import catalogue

from .matrix import covered_values


def test_matrix_covers_every_value_of_every_option() -> None:
    covered = covered_values()
    for option in catalogue.options():
        if option.name in covered:
            expected = set(option.choices) or {"true", "false"}
            assert covered[option.name] == expected, option.name
    assert {"database", "auth", "python_version", "log_format", "docker", "ci"} <= set(covered)
