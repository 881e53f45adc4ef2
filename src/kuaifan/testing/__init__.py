"""Public contract suites: what every implementation of a kuaifan interface must do.

    from kuaifan.testing.sources import check_push_source, check_source

They raise ``AssertionError`` with a clear message on the first broken rule and need no test
framework (hypothesis is used for fuzzing when it is installed).
"""
