\set r random(1, 1000000000)
INSERT INTO bench_trg_sync VALUES (:client_id::bigint * 10000000000 + :r, :client_id, 1) ON CONFLICT DO NOTHING;
