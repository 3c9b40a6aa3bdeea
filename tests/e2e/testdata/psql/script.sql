-- Run by TestPsql: psql -X -A -t -v ON_ERROR_STOP=1 -f script.sql
CREATE TABLE fruit (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price NUMERIC, ripe BOOLEAN, picked DATE);
INSERT INTO fruit (id, name, price, ripe, picked) VALUES
  (1, 'apple', 1.25, true, '2025-09-01'),
  (2, 'banana', 0.5, false, '2025-09-02');
\copy fruit (id, name, price, ripe, picked) from stdin
3	cherry	7.00	t	2025-09-03
4	date	3.5	f	\N
5	elder\tberry	2	t	2025-09-05
\.
SELECT count(*) FROM fruit;
SELECT id, name, price, ripe, picked FROM fruit ORDER BY id;
UPDATE fruit SET price = price * 2 WHERE ripe = true;
SELECT id, price FROM fruit WHERE ripe ORDER BY id;
DELETE FROM fruit WHERE picked IS NULL;
SELECT name FROM fruit WHERE name LIKE '%e%' ORDER BY name DESC;
BEGIN;
INSERT INTO fruit (id, name) VALUES (6, 'fig');
ROLLBACK;
SELECT count(*), max(id) FROM fruit;
CREATE COLLECTION notes;
INSERT INTO notes { id: 'n1', text: 'hello', meta: { lang: 'en' } };
SELECT id, text, meta.lang FROM notes;
\copy fruit (id, name) from stdin with (format csv)
7,"grape, red"
8,"kiwi ""gold"""
\.
SELECT id, name FROM fruit WHERE id > 6 ORDER BY id;
