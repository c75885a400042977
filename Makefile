# The two commands (see README): `make run` serves enrich, `make test` runs every test.
.PHONY: run test setup bench bench360 benchsegments benchlive benchcampaigns benchpersonalize benchmatching evalrecs seed

run:
	@tools/run.sh

test:
	@tools/test.sh

setup:
	@tools/setup.sh test

# Ingestion throughput next to raw insert_many (numbers for the issue notes).
bench:
	@tools/bench.sh

# Customer 360 page p95 at 100,000 profiles next to a static file's (BENCH_PROFILES, BENCH_REQUESTS).
bench360:
	@tools/bench.sh bench_customer360

# Segments at 100,000 profiles: preview vs raw count, in-memory evaluation, freshness.
benchsegments:
	@tools/bench.sh bench_segments

# Campaign delivery msg/s to the SMTP sink and a webhook receiver vs raw sends; triggered-send latency.
benchcampaigns:
	@tools/bench.sh bench_campaigns

# Personalization at 100,000 profiles: GET /v1/personalize p95 vs /healthz, commands per request,
# track → exposed segment pushed on the visitor's stream (p99).
benchpersonalize:
	@tools/bench.sh bench_personalize

# Record matching: precision/recall on 10,000 generated records with the truth kept aside,
# throughput, candidate pairs per record and peak memory at 100,000 (BENCH_QUALITY, BENCH_PROFILES).
benchmatching:
	@tools/bench.sh bench_matching

# Offline evaluation of recommendations: hit-rate@10 vs popularity on generated shoppers.
evalrecs:
	@tools/bench.sh eval_recommendations

# Live feed: track → websocket latency, fan-out to 1,000 websocket clients, ingest with and without them.
benchlive:
	@ulimit -n 8192 && tools/bench.sh bench_live

# Demo data into the database `make run` uses (it must be running): `make seed CUSTOMERS=500 EVENTS=10000`.
seed:
	@cargo run --quiet --features ssr --bin enrich -- seed --customers $${CUSTOMERS:-500} --events $${EVENTS:-10000}
