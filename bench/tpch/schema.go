package main

import (
	"fmt"
	"strings"
)

// column is one column of a table: its name and SQL type. The type "dec"
// stands for the decimal type chosen on the command line.
type column struct{ name, typ string }

type table struct {
	name string
	cols []column
	pk   []string
}

// schema is the TPC-H schema (spec 1.4); both servers get the same DDL.
var schema = []table{
	{"region", []column{{"r_regionkey", "INTEGER"}, {"r_name", "CHAR(25)"}, {"r_comment", "VARCHAR(152)"}},
		[]string{"r_regionkey"}},
	{"nation", []column{{"n_nationkey", "INTEGER"}, {"n_name", "CHAR(25)"}, {"n_regionkey", "INTEGER"},
		{"n_comment", "VARCHAR(152)"}}, []string{"n_nationkey"}},
	{"part", []column{{"p_partkey", "INTEGER"}, {"p_name", "VARCHAR(55)"}, {"p_mfgr", "CHAR(25)"},
		{"p_brand", "CHAR(10)"}, {"p_type", "VARCHAR(25)"}, {"p_size", "INTEGER"}, {"p_container", "CHAR(10)"},
		{"p_retailprice", "dec"}, {"p_comment", "VARCHAR(23)"}}, []string{"p_partkey"}},
	{"supplier", []column{{"s_suppkey", "INTEGER"}, {"s_name", "CHAR(25)"}, {"s_address", "VARCHAR(40)"},
		{"s_nationkey", "INTEGER"}, {"s_phone", "CHAR(15)"}, {"s_acctbal", "dec"}, {"s_comment", "VARCHAR(101)"}},
		[]string{"s_suppkey"}},
	{"partsupp", []column{{"ps_partkey", "INTEGER"}, {"ps_suppkey", "INTEGER"}, {"ps_availqty", "INTEGER"},
		{"ps_supplycost", "dec"}, {"ps_comment", "VARCHAR(199)"}}, []string{"ps_partkey", "ps_suppkey"}},
	{"customer", []column{{"c_custkey", "INTEGER"}, {"c_name", "VARCHAR(25)"}, {"c_address", "VARCHAR(40)"},
		{"c_nationkey", "INTEGER"}, {"c_phone", "CHAR(15)"}, {"c_acctbal", "dec"}, {"c_mktsegment", "CHAR(10)"},
		{"c_comment", "VARCHAR(117)"}}, []string{"c_custkey"}},
	{"orders", []column{{"o_orderkey", "INTEGER"}, {"o_custkey", "INTEGER"}, {"o_orderstatus", "CHAR(1)"},
		{"o_totalprice", "dec"}, {"o_orderdate", "DATE"}, {"o_orderpriority", "CHAR(15)"}, {"o_clerk", "CHAR(15)"},
		{"o_shippriority", "INTEGER"}, {"o_comment", "VARCHAR(79)"}}, []string{"o_orderkey"}},
	{"lineitem", []column{{"l_orderkey", "INTEGER"}, {"l_partkey", "INTEGER"}, {"l_suppkey", "INTEGER"},
		{"l_linenumber", "INTEGER"}, {"l_quantity", "dec"}, {"l_extendedprice", "dec"}, {"l_discount", "dec"},
		{"l_tax", "dec"}, {"l_returnflag", "CHAR(1)"}, {"l_linestatus", "CHAR(1)"}, {"l_shipdate", "DATE"},
		{"l_commitdate", "DATE"}, {"l_receiptdate", "DATE"}, {"l_shipinstruct", "CHAR(25)"},
		{"l_shipmode", "CHAR(10)"}, {"l_comment", "VARCHAR(44)"}}, []string{"l_orderkey", "l_linenumber"}},
}

// indexes are the secondary indexes created on both servers after the
// load: the foreign keys the joins probe and the date columns the
// queries range over.
var indexes = []string{
	"CREATE INDEX orders_custkey ON orders (o_custkey)",
	"CREATE INDEX orders_orderdate ON orders (o_orderdate)",
	"CREATE INDEX lineitem_shipdate ON lineitem (l_shipdate)",
}

func tableByName(name string) *table {
	for i := range schema {
		if schema[i].name == name {
			return &schema[i]
		}
	}
	panic("no table " + name)
}

func (t *table) columnNames() []string {
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.name
	}
	return names
}

// ddl is the CREATE TABLE statement with decType for the decimal columns.
func (t *table) ddl(decType string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (", t.name)
	for i, c := range t.cols {
		typ := c.typ
		if typ == "dec" {
			typ = decType
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s NOT NULL", c.name, typ)
	}
	fmt.Fprintf(&b, ", PRIMARY KEY (%s))", strings.Join(t.pk, ", "))
	return b.String()
}
