# Stands in for a browser test whose prerequisites were missing at configure
# time: fails with what to install (a test must never be skipped silently).
message(FATAL_ERROR "browser test not run: ${MESSAGE}")
