# The two commands (see README): `make run` serves enrich, `make test` runs every test.
.PHONY: run test setup

run:
	@tools/run.sh

test:
	@tools/test.sh

setup:
	@tools/setup.sh test
