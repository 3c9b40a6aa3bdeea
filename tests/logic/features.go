package logic

import (
	"regexp"
	"strings"
)

// feature is a SQL construct recognised in a record's text, so failures can
// be related to the constructs they use.
type feature struct {
	name string
	re   *regexp.Regexp
}

var features = []feature{
	{"CREATE TABLE", regexp.MustCompile(`^\s*CREATE\s+TABLE`)},
	{"CREATE INDEX", regexp.MustCompile(`^\s*CREATE\s+(UNIQUE\s+)?INDEX`)},
	{"CREATE VIEW", regexp.MustCompile(`^\s*CREATE\s+(TEMP\s+|TEMPORARY\s+)?VIEW`)},
	{"DROP VIEW", regexp.MustCompile(`^\s*DROP\s+VIEW`)},
	{"DROP TABLE", regexp.MustCompile(`^\s*DROP\s+TABLE`)},
	{"DROP INDEX", regexp.MustCompile(`^\s*DROP\s+INDEX`)},
	{"CREATE TRIGGER", regexp.MustCompile(`^\s*CREATE\s+(TEMP\s+)?TRIGGER`)},
	{"DROP TRIGGER", regexp.MustCompile(`^\s*DROP\s+TRIGGER`)},
	{"REINDEX", regexp.MustCompile(`^\s*REINDEX`)},
	{"INSERT", regexp.MustCompile(`^\s*INSERT\b`)},
	{"INSERT ... SELECT", regexp.MustCompile(`^\s*INSERT\b.*\bSELECT\b`)},
	{"REPLACE / INSERT OR REPLACE", regexp.MustCompile(`^\s*(REPLACE\b|INSERT\s+OR\s+REPLACE)`)},
	{"UPDATE", regexp.MustCompile(`^\s*UPDATE\b`)},
	{"DELETE", regexp.MustCompile(`^\s*DELETE\b`)},
	{"SELECT", regexp.MustCompile(`^\s*SELECT\b`)},
	{"CAST", regexp.MustCompile(`\bCAST\s*\(`)},
	{"CAST AS INTEGER", regexp.MustCompile(`\bAS\s+INTEGER\s*\)`)},
	{"CAST AS REAL/DECIMAL", regexp.MustCompile(`\bAS\s+(REAL|DECIMAL|NUMERIC|FLOAT)`)},
	{"NULLIF", regexp.MustCompile(`\bNULLIF\s*\(`)},
	{"COALESCE", regexp.MustCompile(`\bCOALESCE\s*\(`)},
	{"CASE", regexp.MustCompile(`\bCASE\b`)},
	{"BETWEEN", regexp.MustCompile(`\bBETWEEN\b`)},
	{"IN (list)", regexp.MustCompile(`\bIN\s*\(\s*[^S\s(]`)},
	{"IN ()", regexp.MustCompile(`\bIN\s*\(\s*\)`)},
	{"IN (SELECT)", regexp.MustCompile(`\bIN\s*\(\s*SELECT\b`)},
	{"EXISTS", regexp.MustCompile(`\bEXISTS\s*\(`)},
	{"subquery", regexp.MustCompile(`\(\s*SELECT\b`)},
	{"DISTINCT", regexp.MustCompile(`\bDISTINCT\b`)},
	{"aggregate", regexp.MustCompile(`\b(COUNT|SUM|AVG|MIN|MAX|TOTAL|GROUP_CONCAT)\s*\(`)},
	{"aggregate(ALL ...)", regexp.MustCompile(`\b(COUNT|SUM|AVG|MIN|MAX)\s*\(\s*ALL\b`)},
	{"aggregate(DISTINCT ...)", regexp.MustCompile(`\b(COUNT|SUM|AVG|MIN|MAX)\s*\(\s*DISTINCT\b`)},
	{"GROUP BY", regexp.MustCompile(`\bGROUP\s+BY\b`)},
	{"HAVING", regexp.MustCompile(`\bHAVING\b`)},
	{"ORDER BY", regexp.MustCompile(`\bORDER\s+BY\b`)},
	{"LIMIT", regexp.MustCompile(`\bLIMIT\b`)},
	{"JOIN keyword", regexp.MustCompile(`\bJOIN\b`)},
	{"CROSS JOIN", regexp.MustCompile(`\bCROSS\s+JOIN\b`)},
	{"LEFT JOIN", regexp.MustCompile(`\bLEFT\s+(OUTER\s+)?JOIN\b`)},
	{"UNION/EXCEPT/INTERSECT", regexp.MustCompile(`\b(UNION|EXCEPT|INTERSECT)\b`)},
	{"division", regexp.MustCompile(`[\w)]\s*/\s*[-+(\w]`)},
	{"modulo", regexp.MustCompile(`[\w)]\s*%\s*[-+(\w]`)},
	{"NOT", regexp.MustCompile(`\bNOT\b`)},
	{"IS NULL", regexp.MustCompile(`\bIS\s+(NOT\s+)?NULL\b`)},
	{"NULL literal", regexp.MustCompile(`(^|[^S\s]\s*|[^I]S\s+)\bNULL\b`)},
	{"ABS", regexp.MustCompile(`\bABS\s*\(`)},
	{"real literal", regexp.MustCompile(`\b[0-9]+\.[0-9]+\b`)},
	{"alias without AS", regexp.MustCompile(`\bSELECT\b[^;]*[\w)]\s+(col|cor)[0-9]+\s*(,|\bFROM\b)`)},
}

// Features names the features sql uses. Joins of many tables are reported
// as "FROM with N tables" for N >= 2.
func Features(sql string) []string {
	u := strings.ToUpper(strings.Join(strings.Fields(sql), " "))
	var out []string
	for _, f := range features {
		if f.re.MatchString(u) {
			out = append(out, f.name)
		}
	}
	minus, plus := unaryOps(u)
	if minus {
		out = append(out, "unary minus")
	}
	if plus {
		out = append(out, "unary plus")
	}
	if strings.HasPrefix(u, "SELECT ") && !strings.Contains(u, " FROM ") {
		out = append(out, "SELECT without FROM")
	}
	if n := fromTables(u); n >= 2 {
		switch {
		case n >= 4:
			out = append(out, "FROM with 4+ tables")
		default:
			out = append(out, "FROM with 2-3 tables")
		}
	}
	return out
}

var reFrom = regexp.MustCompile(`\bFROM\b(.*?)(\bWHERE\b|\bGROUP\b|\bORDER\b|\bHAVING\b|\bLIMIT\b|\bUNION\b|\bEXCEPT\b|\bINTERSECT\b|\)|$)`)

// fromTables counts the comma-separated and JOINed items of the first
// FROM clause.
func fromTables(u string) int {
	m := reFrom.FindStringSubmatch(u)
	if m == nil {
		return 0
	}
	items := strings.Count(m[1], ",") + 1
	items += strings.Count(m[1], " JOIN ")
	return items
}

var reToken = regexp.MustCompile(`[A-Z_][A-Z_0-9]*|[0-9]+(\.[0-9]*)?|'[^']*'|\S`)

// operandStart lists keywords after which "-" or "+" starts an operand.
var operandStart = map[string]bool{"SELECT": true, "DISTINCT": true, "ALL": true, "WHERE": true,
	"AND": true, "OR": true, "NOT": true, "CASE": true, "WHEN": true, "THEN": true, "ELSE": true,
	"BY": true, "IN": true, "BETWEEN": true, "IS": true, "ON": true, "HAVING": true, "LIKE": true,
	"VALUES": true, "SET": true, "LIMIT": true, "OFFSET": true}

// unaryOps reports whether u (upper-cased SQL) uses unary minus or plus.
func unaryOps(u string) (minus, plus bool) {
	prev := ""
	for _, tok := range reToken.FindAllString(u, -1) {
		if tok == "-" || tok == "+" {
			unary := prev == "" || operandStart[prev] ||
				(len(prev) == 1 && strings.ContainsAny(prev, "-+*/%(,=<>|"))
			if unary && tok == "-" {
				minus = true
			} else if unary {
				plus = true
			}
		}
		prev = tok
	}
	return minus, plus
}
