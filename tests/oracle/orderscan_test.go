package oracle

import "testing"

// orderScanScript: ORDER BY an indexed column with a LIMIT, which reads
// the index in order (NULLs where PostgreSQL puts them, an equality prefix,
// range bounds, OFFSET, both directions), against PostgreSQL's answers.
// Queries select the ordered columns, so ties cannot differ.
var orderScanScript = []string{
	`CREATE TABLE os (id int PRIMARY KEY, g int NOT NULL, n int, t text, ts timestamp, f float8)`,
	`INSERT INTO os SELECT i, i % 3, CASE WHEN i % 7 = 0 THEN NULL ELSE (i * 37) % 101 END,
	   CASE WHEN i % 11 = 0 THEN NULL ELSE 'k' || ((i * 13) % 50) END,
	   CASE WHEN i % 5 = 0 THEN NULL ELSE TIMESTAMP '2024-01-01' + (i * 7919 % 1000) * INTERVAL '1 minute' END,
	   CASE WHEN i % 9 = 0 THEN NULL ELSE ((i * 31) % 97) / 4.0 - 10 END
	 FROM generate_series(1, 400) i`,
	`CREATE INDEX os_n ON os (n)`,
	`CREATE INDEX os_t ON os (t)`,
	`CREATE INDEX os_ts ON os (ts)`,
	`CREATE INDEX os_f ON os (f)`,
	`CREATE INDEX os_g_n ON os (g, n)`,
	`SELECT n FROM os ORDER BY n LIMIT 5`,
	`SELECT n FROM os ORDER BY n DESC LIMIT 70`,
	`SELECT n FROM os ORDER BY n NULLS FIRST LIMIT 60`,
	`SELECT n FROM os ORDER BY n DESC NULLS LAST LIMIT 5`,
	`SELECT n FROM os ORDER BY n LIMIT 10 OFFSET 390`,
	`SELECT n FROM os ORDER BY n DESC LIMIT 3 OFFSET 57`,
	`SELECT t FROM os ORDER BY t LIMIT 8`,
	`SELECT t FROM os ORDER BY t DESC LIMIT 40`,
	`SELECT ts FROM os ORDER BY ts LIMIT 4`,
	`SELECT ts FROM os ORDER BY ts DESC NULLS LAST LIMIT 4`,
	`SELECT f FROM os ORDER BY f LIMIT 6`,
	`SELECT f FROM os ORDER BY f DESC LIMIT 50`,
	`SELECT n FROM os WHERE n > 90 ORDER BY n LIMIT 5`,
	`SELECT n FROM os WHERE n >= 10 AND n < 12 ORDER BY n DESC LIMIT 100`,
	`SELECT g, n FROM os WHERE g = 1 ORDER BY n LIMIT 5`,
	`SELECT g, n FROM os WHERE g = 2 ORDER BY n DESC LIMIT 60`,
	`SELECT g, n FROM os WHERE g = 0 AND n < 5 ORDER BY n DESC LIMIT 5`,
	`SELECT n, t FROM os WHERE t LIKE 'k1%' ORDER BY n LIMIT 5`,
	`SELECT n FROM os ORDER BY n LIMIT 0`,
	`SELECT count(*) FROM (SELECT n FROM os ORDER BY n LIMIT 10000) s`,
	`BEGIN`,
	`DELETE FROM os WHERE n > 95`,
	`INSERT INTO os VALUES (1000, 1, 500, 'zz', NULL, 99), (1001, 1, NULL, NULL, NULL, NULL)`,
	`UPDATE os SET n = -5 WHERE id = 3`,
	`SELECT n FROM os ORDER BY n DESC LIMIT 3`,
	`SELECT n FROM os ORDER BY n DESC NULLS LAST LIMIT 3`,
	`SELECT n FROM os ORDER BY n LIMIT 3`,
	`SELECT g, n FROM os WHERE g = 1 ORDER BY n DESC LIMIT 62`,
	`SELECT t FROM os ORDER BY t DESC LIMIT 2`,
	`ROLLBACK`,
	`SELECT n FROM os ORDER BY n DESC LIMIT 3`,
	`SELECT id, n FROM os WHERE id < 30 ORDER BY n LIMIT 5 FOR UPDATE`,
	// The primary key's order: the vShards merged.
	`SELECT id FROM os ORDER BY id LIMIT 5`,
	`SELECT id, g FROM os ORDER BY id DESC LIMIT 7 OFFSET 3`,
	`SELECT id FROM os WHERE n > 50 ORDER BY id DESC LIMIT 5`,
	`CREATE TABLE ok2 (a text, b int, c int, PRIMARY KEY (a, b))`,
	`INSERT INTO ok2 SELECT 'k' || (i % 7), i, i * 3 FROM generate_series(1, 300) i`,
	`SELECT a, b FROM ok2 ORDER BY a, b LIMIT 6`,
	`SELECT a, b FROM ok2 ORDER BY a DESC, b DESC LIMIT 6`,
	`SELECT a FROM ok2 ORDER BY a LIMIT 50`,
	`SELECT a, b FROM ok2 ORDER BY a, b DESC LIMIT 5`,
	`BEGIN`,
	`INSERT INTO ok2 VALUES ('a', 1, 0), ('zz', 9, 9)`,
	`DELETE FROM ok2 WHERE a = 'k6'`,
	`SELECT a, b FROM ok2 ORDER BY a DESC, b DESC LIMIT 3`,
	`SELECT a, b FROM ok2 ORDER BY a, b LIMIT 3`,
	`ROLLBACK`,
	`SELECT a, b FROM ok2 ORDER BY a DESC, b DESC LIMIT 3`,
}

func TestOracleOrderedIndexScan(t *testing.T) { compareScriptMessages(t, orderScanScript) }

// subqueryKeyScript: WHERE key = (SELECT ...) reads the key (the
// subquery runs once, as PostgreSQL's InitPlan), with PostgreSQL's
// answers and errors.
var subqueryKeyScript = []string{
	`CREATE TABLE sk (id int PRIMARY KEY, v text)`,
	`CREATE TABLE sk2 (a int, b int)`,
	`CREATE INDEX sk2_b ON sk2 (b)`,
	`INSERT INTO sk SELECT g, 'v' || g FROM generate_series(1, 50) g`,
	`INSERT INTO sk2 SELECT g, g % 5 FROM generate_series(1, 20) g`,
	`SELECT * FROM sk WHERE id = (SELECT max(a) FROM sk2)`,
	`SELECT * FROM sk WHERE id = (SELECT NULL::int)`,
	`SELECT * FROM sk WHERE id = (SELECT a FROM sk2 WHERE a > 100)`,
	`SELECT * FROM sk WHERE id = (SELECT 'x')`,
	`SELECT * FROM sk WHERE id = (SELECT a FROM sk2)`,
	`SELECT * FROM sk WHERE id IN ((SELECT min(a) FROM sk2), (SELECT 7)) ORDER BY id`,
	`SELECT a, b FROM sk2 WHERE b = (SELECT 3) ORDER BY a`,
	`SELECT a FROM sk2 WHERE b = (SELECT 2) AND a > (SELECT 10) ORDER BY a`,
	`SELECT * FROM sk s WHERE id = (SELECT s.id + 0) AND id < 3 ORDER BY id`,
	`DELETE FROM sk WHERE id = (SELECT id FROM sk ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING *`,
	`UPDATE sk SET v = 'u' WHERE id = (SELECT min(id) FROM sk) RETURNING *`,
	`SELECT count(*) FROM sk`,
}

func TestOracleSubqueryKey(t *testing.T) { compareScriptMessages(t, subqueryKeyScript) }
