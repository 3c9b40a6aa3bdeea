\set id random(1, :rows)
SELECT v FROM bench_sel WHERE id = :id;
